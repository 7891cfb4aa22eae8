//! `dfbench site` on a store of real stored runs (planned, leased, scored and completed through
//! the `Store` API, see `stored_runs`): two suite names, a promoted run followed by a
//! regression, and a newer partial run; plus two real `dfbench run`s over the synthetic demo
//! data: a perturbation grid (JPEG) and a clip detector beside an image detector on videos. The
//! leaderboard reads the promoted run of each name and never the partial one; the detector page
//! of the perturbed detector has its robustness table, and the home page its clip-level cells
//! with `clip` in the level filter; every internal link resolves; no page refers outside the site;
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
use support::{CLIP_SUITE, demo_suite, dfbench, run_id_from, run_ok};

/// Runs a perturbation grid (the demo suite, clean and JPEG 50) and [`CLIP_SUITE`] with
/// `dfbench run` into the store at `url`, working in `work`; returns their run ids.
fn real_runs(work: &Path, url: &str) -> [String; 2] {
    run_ok(&["synth", "--out", "data"], work);
    let robust = format!(
        "perturbations = [\"none\", \"jpeg:q=50\"]\n{}",
        demo_suite("robust", 64)
    );
    [
        ("robust.toml", robust),
        ("clips.toml", CLIP_SUITE.replace("FRAMES", "all")),
    ]
    .map(|(file, suite)| {
        std::fs::write(work.join(file), suite).expect("suite");
        let args = ["run", file, "--database-url", url, "--out", "reports"];
        let output = run_ok(&args, work);
        run_id_from(&String::from_utf8_lossy(&output.stderr))
    })
}

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
    let [robust, clips] = real_runs(tmp.path(), &url);
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
    assert_eq!(
        runs,
        BTreeSet::from(["good-0002", "adhoc-0005", robust.as_str(), clips.as_str()])
    );
    let cells = |run: &str| -> BTreeSet<String> {
        (entries.iter())
            .filter(|e| e["run_id"] == run)
            .map(|e| format!("{} {} {}", e["detector"], e["perturbation"], e["level"]))
            .collect()
    };
    assert_eq!(cells("good-0002").len(), 2, "2 detectors × 1 dataset");
    let robust_cells = cells(&robust);
    assert_eq!(
        robust_cells.len(),
        4,
        "2 detectors × 2 perturbations: {robust_cells:?}"
    );
    assert!(
        robust_cells.iter().any(|c| c.contains("jpeg")),
        "{robust_cells:?}"
    );
    let clip_cells = cells(&clips);
    assert!(
        clip_cells.contains("\"temporal\" \"none\" \"clip\""),
        "{clip_cells:?}"
    );
    for e in entries {
        let (low, auc, high) = (
            e["ci_low"].as_f64().expect("ci_low"),
            e["auc"].as_f64().expect("auc"),
            e["ci_high"].as_f64().expect("ci_high"),
        );
        // The demo's clip detector separates its videos perfectly: AUC 1 with the interval
        // [1, 1]; the stored runs' scores overlap, so theirs is never a point.
        let point = e["suite_name"] == "clips" && auc == 1.0;
        assert!(low <= auc && auc <= high && (low < high || point), "{e}");
    }
    let csv = std::fs::read_to_string(site.join("leaderboard.csv")).expect("csv");
    assert_eq!(csv.lines().count(), entries.len() + 1, "{csv}");
    assert!(!csv.contains("part-0004") && !csv.contains("bad-0003"));

    // Every internal link resolves; nothing points outside the site.
    let mut pages = Vec::new();
    html_files(&site, &mut pages);
    assert_eq!(
        pages.len(),
        16,
        "home, 5 detectors, 3 datasets, 7 runs: {pages:?}"
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
    // The perturbed detector's page has its robustness table (a column per perturbation); the
    // home page lists the clip detector's clip-level cells and offers `clip` in its level filter.
    let spectral = std::fs::read_to_string(site.join("detectors/spectral.html")).expect("page");
    let robustness = spectral
        .split("<h2>Robustness</h2>")
        .nth(1)
        .expect("no robustness table on the spectral page");
    let header = &robustness[..robustness.find("</tr>").expect("header row")];
    assert!(
        header.contains("<th>none</th>") && header.contains("<th>jpeg"),
        "{header}"
    );
    let home = std::fs::read_to_string(site.join("index.html")).expect("home");
    assert!(
        home.contains("<option value=\"clip\">"),
        "no clip level filter"
    );
    assert!(home.contains("data-level=\"clip\""), "no clip-level cell");

    // A second build over the same store writes nothing.
    let second = build();
    assert!(second.contains(" 0 written,"), "{second}");

    in_chromium(&site, tmp.path(), entries.len());
}

/// `rows`: the home table's rows (every leaderboard cell).
fn in_chromium(site: &Path, tmp: &Path, rows: usize) {
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
    assert_eq!(aucs.len(), rows, "{dom}");
    assert!(
        aucs.windows(2).all(|w| w[0] <= w[1]),
        "not ascending: {aucs:?}"
    );
    // The unsorted page is in rank order, which is not ascending AUC within each name.
    let plain =
        chromium::run_chromium(&bin, port, &["--dump-dom".into()], &site.join("index.html"));
    assert!(!plain.contains("data-dir=\"asc\""));
    // The clip detector's clip-level rows are in the rendered table, and the level filter
    // offers their level.
    assert!(
        plain.contains("data-level=\"clip\"") && plain.contains("<option value=\"clip\">"),
        "no clip-level rows or filter in the rendered page"
    );

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
