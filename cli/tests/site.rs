//! `dfbench site` on a store of real stored runs (planned, leased, scored and completed through
//! the `Store` API, see `stored_runs`): two suite names, a promoted run followed by a
//! regression, and a newer partial run. The leaderboard reads the promoted run of each name
//! and never the partial one; every internal link resolves; no page refers outside the site;
//! in headless Chromium the home table sorts, a detector page shows its history chart, and no
//! request leaves the machine. A second build writes nothing.

#[path = "../../reports/tests/chromium/mod.rs"]
mod chromium;
#[allow(dead_code)] // the scenarios of the compare tests
mod stored_runs;
mod support;

use dfbench_store::{PlanOptions, RunId, open_store};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use stored_runs::{RunSpec, d1_worse_on_b, no_shift, scored, store_run_with};
use support::dfbench;

/// A run's logit shift of (detector, rel_path), as `stored_runs` takes it.
type Shift = fn(&str, &str) -> f64;

async fn build_database(url: &str) {
    let store = open_store(url).await.expect("open store");
    let runs: [(&str, &str, i64, Shift, Option<&str>); 5] = [
        ("base-0001", "nightly", 1_000, no_shift, None),
        ("good-0002", "nightly", 2_000, no_shift, None),
        ("bad-0003", "nightly", 3_000, d1_worse_on_b, None),
        (
            "part-0004",
            "nightly",
            4_000,
            no_shift,
            Some("limit=50 seed=0"),
        ),
        ("adhoc-0005", "adhoc", 5_000, no_shift, None),
    ];
    for (id, name, created_at_ms, shift, partial) in runs {
        let spec = RunSpec {
            id,
            name,
            created_at_ms,
            fingerprint: "fp-1",
            detectors: &["d1", "d2"],
            shift,
            noise_of: id,
            outcome: scored,
        };
        let options = PlanOptions {
            partial: partial.map(str::to_string),
            ..PlanOptions::default()
        };
        store_run_with(store.as_ref(), &spec, &options).await;
    }
    store
        .promote_run(&RunId("good-0002".into()), 2_500)
        .await
        .expect("promote");
}

/// Every `href="…"` / `src="…"` value of an HTML page.
fn references(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attribute in ["href=\"", "src=\""] {
        for (start, _) in html.match_indices(attribute) {
            let rest = &html[start + attribute.len()..];
            out.push(rest[..rest.find('"').unwrap_or(0)].to_string());
        }
    }
    out
}

fn html_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("list site") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            html_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "html") {
            out.push(path);
        }
    }
}

#[test]
fn site_from_stored_runs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("site.db");
    let url = format!("sqlite:{}", db.display());
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(build_database(&url));
    let site = tmp.path().join("site");
    let build = || {
        let out = dfbench()
            .args(["site", "--out"])
            .arg(&site)
            .args(["--database-url", &url, "--reports"])
            .arg(tmp.path().join("no-reports"))
            .output()
            .expect("run dfbench site");
        assert!(
            out.status.success(),
            "site failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let first = build();
    assert!(first.contains(" written, 0 unchanged"), "{first}");

    // The leaderboard: the promoted run of nightly (not the newer regression, never the
    // partial run) and adhoc's only run, every cell with its stored interval.
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(site.join("leaderboard.json")).expect("leaderboard.json"),
    )
    .expect("json");
    let entries = json.as_array().expect("array");
    let runs: BTreeSet<&str> = entries
        .iter()
        .filter_map(|e| e["run_id"].as_str())
        .collect();
    assert_eq!(runs, BTreeSet::from(["good-0002", "adhoc-0005"]));
    assert_eq!(entries.len(), 4, "2 names × 2 detectors × 1 dataset");
    for e in entries {
        let (low, auc, high) = (
            e["ci_low"].as_f64().expect("ci_low"),
            e["auc"].as_f64().expect("auc"),
            e["ci_high"].as_f64().expect("ci_high"),
        );
        assert!(low <= auc && auc <= high && low < high, "{e}");
    }
    let csv = std::fs::read_to_string(site.join("leaderboard.csv")).expect("csv");
    assert_eq!(csv.lines().count(), 5, "{csv}");
    assert!(!csv.contains("part-0004") && !csv.contains("bad-0003"));

    // Every internal link resolves; nothing points outside the site.
    let mut pages = Vec::new();
    html_files(&site, &mut pages);
    assert_eq!(
        pages.len(),
        9,
        "home, 2 detectors, 1 dataset, 5 runs: {pages:?}"
    );
    for page in &pages {
        let html = std::fs::read_to_string(page).expect("page");
        for reference in references(&html) {
            assert!(
                !reference.contains("//"),
                "{} refers outside the site: {reference}",
                page.display()
            );
            let target = reference.split('#').next().unwrap_or_default();
            let resolved = page.parent().expect("folder").join(target);
            assert!(
                resolved.is_file(),
                "{}: broken link {reference}",
                page.display()
            );
        }
    }
    let partial_page = std::fs::read_to_string(site.join("runs/part-0004.html")).expect("run");
    assert!(partial_page.contains("partial (never on the leaderboard)"));

    // A second build over the same store writes nothing.
    let second = build();
    assert!(second.contains(" 0 written,"), "{second}");

    in_chromium(&site, tmp.path());
}

fn in_chromium(site: &Path, tmp: &Path) {
    let Some(bin) = chromium::chromium() else {
        let required = std::env::var("DFBENCH_REQUIRE_CHROMIUM").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "DFBENCH_REQUIRE_CHROMIUM=1 but `chromium` is not installed"
        );
        let _ = writeln!(std::io::stderr(), "SKIPPED: chromium not found");
        return;
    };
    let (port, hits) = chromium::proxy_listener();
    let blank = tmp.join("blank.html");
    std::fs::write(&blank, "<html><body>blank</body></html>").expect("blank page");
    chromium::run_chromium(&bin, port, &["--dump-dom".into()], &blank);
    let (browser_hosts, seen) = chromium::hosts_since(&hits, 0);

    // Sorted by AUC, ascending (the script sorts on load from `#sort=AUC`): the AUC column of
    // the rendered rows (the second numeric cell, after the rank) is in order.
    let sorted = PathBuf::from(format!("{}#sort=AUC", site.join("index.html").display()));
    let dom = chromium::run_chromium(&bin, port, &["--dump-dom".into()], &sorted);
    assert!(dom.contains("data-dir=\"asc\""), "the table was not sorted");
    let aucs: Vec<f64> = dom
        .split("<tr data-family")
        .skip(1)
        .map(|row| {
            let cell = row
                .split("<td class=\"n\" data-v=\"")
                .nth(2)
                .expect("AUC cell");
            cell[..cell.find('"').expect("value end")]
                .parse()
                .expect("AUC")
        })
        .collect();
    assert_eq!(aucs.len(), 4, "{dom}");
    assert!(
        aucs.windows(2).all(|w| w[0] <= w[1]),
        "not ascending: {aucs:?}"
    );
    // The unsorted page is in rank order, which is not ascending AUC within each name.
    let plain =
        chromium::run_chromium(&bin, port, &["--dump-dom".into()], &site.join("index.html"));
    assert!(!plain.contains("data-dir=\"asc\""));

    let detector = chromium::run_chromium(
        &bin,
        port,
        &["--dump-dom".into()],
        &site.join("detectors/d1.html"),
    );
    assert!(detector.contains("class=\"history\""), "no history chart");
    assert!(
        detector.contains("<svg") && detector.contains("nightly · ff"),
        "{detector}"
    );

    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("site-screenshot.png");
    let extra = [
        format!("--screenshot={}", shot.display()),
        "--window-size=1400,1000".to_string(),
    ];
    chromium::run_chromium(&bin, port, &extra, &site.join("index.html"));
    assert!(shot.is_file(), "no screenshot");
    let (page_hosts, _) = chromium::hosts_since(&hits, seen);
    let foreign: Vec<&String> = page_hosts.difference(&browser_hosts).collect();
    assert!(foreign.is_empty(), "the site fetched from {foreign:?}");
    let _ = writeln!(std::io::stderr(), "screenshot: {}", shot.display());
}
