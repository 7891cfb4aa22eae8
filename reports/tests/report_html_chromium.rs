//! Opens a generated `index.html` in headless Chromium (Debian's `chromium`): the rendered DOM
//! must contain the leaderboard, the heatmap and an inline ROC chart, a screenshot must come
//! out non-blank, and the page must make no network request.
//!
//! Network check: Chromium runs with `--proxy-server` pointing at a local TCP listener, so any
//! http(s) fetch would connect to it and the listener records the request line. Chromium itself
//! still phones home (network time, component updates, accounts) whatever the flags, so a run on
//! a blank local page gives the browser's own hosts; the report may reach no other host. A
//! canary page with a remote image proves the listener does see page fetches (otherwise the
//! check could not fail).
//!
//! Skipped (with a message on stderr) when `chromium` is missing, unless
//! `DFBENCH_REQUIRE_CHROMIUM=1`. The screenshot is kept at
//! `$CARGO_TARGET_TMPDIR/report-screenshot.png` for inspection.

mod chromium;

use chromium::{chromium, hosts_since, proxy_listener, run_chromium};
use std::io::Write;
use std::path::PathBuf;

use dfbench_reports::{
    DatasetInfo, DetectorInfo, PredictionRecord, RunInfo, WorkerInfo, write_report,
};

fn pred(
    det: &str,
    ds: &str,
    method: &str,
    video: &str,
    i: u32,
    label: i64,
    score: f64,
) -> PredictionRecord {
    PredictionRecord {
        detector: det.into(),
        dataset: ds.into(),
        subset: "test".into(),
        perturbation: "none".into(),
        rel_path: format!("{method}/{video}/{i:03}.png"),
        video_key: format!("{ds}/{method}/{method}/c23/{video}"),
        label,
        method: method.into(),
        score: Some(score),
        worker_id: "w0".into(),
        ..Default::default()
    }
}

fn sample_run() -> (RunInfo, Vec<PredictionRecord>) {
    let mut preds = Vec::new();
    for (d, det) in ["alpha", "beta", "gamma"].iter().enumerate() {
        for ds in ["FF++", "CelebDF"] {
            for v in 0..12u32 {
                for f in 0..3u32 {
                    let x = f64::from((v * 7 + f * 3 + d as u32 * 5) % 17) / 17.0;
                    let method = ["real", "Deepfakes", "FaceSwap"][(v % 3) as usize];
                    let label = i64::from(method != "real");
                    let score = (0.3 * x
                        + if label == 1 {
                            0.35 + 0.1 * d as f64
                        } else {
                            0.2
                        })
                    .min(1.0);
                    preds.push(pred(det, ds, method, &format!("v{v:02}"), f, label, score));
                }
            }
        }
    }
    // A JPEG grid: the robustness section (table + inline curves) must render offline too.
    let clean = preds.clone();
    for (k, perturbation) in ["jpeg:q=90", "jpeg:q=50"].iter().enumerate() {
        for (i, p) in clean.iter().enumerate() {
            let mut p = p.clone();
            p.perturbation = perturbation.to_string();
            // Scores blend with a fixed jitter as quality drops, so AUC falls.
            let blend = 0.3 * (k + 1) as f64;
            let jitter = ((i * 37) % 11) as f64 / 10.0;
            p.score = p.score.map(|s| s * (1.0 - blend) + jitter * blend);
            preds.push(p);
        }
    }
    let run = RunInfo {
        run_id: "run-chromium".into(),
        name: "chromium check".into(),
        suite_hash: "suitehash".into(),
        dfbench_version: "0.1.0".into(),
        datasets: vec![DatasetInfo {
            name: "FF++".into(),
            fingerprint: "fp-ff".into(),
            samples: 36,
            ..DatasetInfo::default()
        }],
        detectors: vec![DetectorInfo {
            name: "alpha".into(),
            fingerprint: "fp-a".into(),
        }],
        workers: vec![WorkerInfo {
            worker_id: "w0".into(),
            devices: vec!["cpu".into()],
            ..Default::default()
        }],
        ..Default::default()
    };
    (run, preds)
}

fn screenshot_path() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-screenshot.png")
}

#[test]
fn index_html_renders_offline_in_chromium() {
    let Some(bin) = chromium() else {
        let required = std::env::var("DFBENCH_REQUIRE_CHROMIUM").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "DFBENCH_REQUIRE_CHROMIUM=1 but `chromium` is not installed"
        );
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: chromium not found (apt-get install chromium)"
        );
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let (run, preds) = sample_run();
    let files = write_report(&run, &preds, tmp.path()).expect("write_report");
    let (port, hits) = proxy_listener();

    // Baseline: the browser's own requests, on a blank local page.
    let blank = tmp.path().join("blank.html");
    std::fs::write(&blank, "<html><body>blank</body></html>").expect("blank page");
    run_chromium(&bin, port, &["--dump-dom".into()], &blank);
    let (browser_hosts, seen) = hosts_since(&hits, 0);

    // Canary: a page with a remote image must reach the proxy, proving the check can fail.
    let canary = tmp.path().join("canary.html");
    std::fs::write(
        &canary,
        "<html><body><img src=\"http://example.com/x.png\"></body></html>",
    )
    .expect("canary");
    run_chromium(&bin, port, &["--dump-dom".into()], &canary);
    let (canary_hosts, seen) = hosts_since(&hits, seen);
    assert!(
        canary_hosts.contains("example.com"),
        "the canary's remote image never reached the proxy: {canary_hosts:?}"
    );

    let dom = run_chromium(&bin, port, &["--dump-dom".into()], &files.index_html);
    for needle in [
        "id=\"leaderboard\"",
        "id=\"heatmap\"",
        "id=\"robustness-table\"",
        "id=\"robustness-0\"",
        "class=\"chart\"",
        "<svg",
        "polyline",
        "hsl(",
    ] {
        assert!(dom.contains(needle), "rendered DOM lacks {needle}");
    }
    assert!(
        dom.contains("method=Deepfakes") && dom.contains("Workers"),
        "per-method and provenance"
    );

    let shot = screenshot_path();
    let _ = std::fs::remove_file(&shot);
    let extra = [
        format!("--screenshot={}", shot.display()),
        "--window-size=1400,2000".to_string(),
    ];
    run_chromium(&bin, port, &extra, &files.index_html);
    let image = image::open(&shot).expect("screenshot decodes").to_rgb8();
    assert_eq!(image.dimensions(), (1400, 2000));
    let colours: std::collections::HashSet<[u8; 3]> = image.pixels().map(|p| p.0).collect();
    assert!(
        colours.len() > 50,
        "screenshot looks blank: {} colours",
        colours.len()
    );
    let (report_hosts, _) = hosts_since(&hits, seen);
    let page_hosts: Vec<&String> = report_hosts.difference(&browser_hosts).collect();
    assert!(
        page_hosts.is_empty(),
        "the report fetched from {page_hosts:?}"
    );
    let _ = writeln!(std::io::stderr(), "screenshot: {}", shot.display());
}
