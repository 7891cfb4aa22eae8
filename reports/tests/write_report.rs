//! End-to-end check of `write_report` on a small synthetic run: files, CSV header, known
//! values, undefined slices, self-contained HTML, a real PNG, and byte-identical rewrites.

use dfbench_benchmarks::FailureKind;
use std::collections::HashSet;
use std::fs;
use std::path::Path;

use dfbench_reports::model::{AbsentSet, CarriedOver};
use dfbench_reports::{
    DatasetInfo, DetectorInfo, PredictionRecord, RunInfo, WorkerInfo, compute_metrics, write_report,
};

fn run_info() -> RunInfo {
    RunInfo {
        run_id: "run-0001".into(),
        name: "nightly <smoke>".into(),
        suite_name: "smoke".into(),
        suite_hash: "abc123".into(),
        dfbench_version: "0.1.0".into(),
        status: "completed".into(),
        created_at: "2025-01-02T03:04:05Z".into(),
        datasets: vec![
            DatasetInfo {
                name: "demo".into(),
                fingerprint: "fp-demo".into(),
                samples: 8,
                ..DatasetInfo::default()
            },
            DatasetInfo {
                name: "other/set".into(),
                fingerprint: "fp-other".into(),
                samples: 2,
                ..DatasetInfo::default()
            },
        ],
        absent: vec![AbsentSet {
            dataset: "df40/deepfacelab".into(),
            reason: "not in the DF40 release".into(),
        }],
        detectors: vec![
            DetectorInfo {
                name: "alpha".into(),
                fingerprint: "fp-alpha".into(),
            },
            DetectorInfo {
                name: "beta".into(),
                fingerprint: "fp-beta".into(),
            },
        ],
        workers: vec![WorkerInfo {
            worker_id: "w-gpu0".into(),
            hostname: "node-7".into(),
            dfbench_version: "0.1.0".into(),
            devices: vec!["cuda:0".into()],
            capabilities: vec!["builtin".into(), "torch".into()],
            predictions: 19,
        }],
        carried_over: CarriedOver::count(&[
            PredictionRecord {
                reused_from: Some("run-0000".into()),
                ..PredictionRecord::default()
            },
            PredictionRecord::default(),
        ]),
    }
}

fn pred(
    det: &str,
    ds: &str,
    subset: &str,
    path: &str,
    label: i64,
    score: Option<f64>,
) -> PredictionRecord {
    PredictionRecord {
        detector: det.into(),
        dataset: ds.into(),
        subset: subset.into(),
        perturbation: "none".into(),
        rel_path: path.into(),
        video_key: path.into(),
        label,
        // Two fake methods in `demo`: f1, f3 → faceswap (FS), f2, f4 → fomm (FR).
        method: match (label, path) {
            (0, _) => "real".into(),
            (_, "f2.png" | "f4.png") => "fomm".into(),
            _ => "faceswap".into(),
        },
        score,
        failure_kind: score.is_none().then_some(FailureKind::DecodeError),
        failure_message: score.is_none().then(|| "truncated <jpeg> & co".into()),
        worker_id: "w-gpu0".into(),
        ..Default::default()
    }
}

/// demo: subset `mixed` (4 real, 2 fake) and subset `fakes` (2 fake only); beta fails on f3.
fn predictions() -> Vec<PredictionRecord> {
    let samples = [
        ("mixed", "r1.png", 0, 0.1, Some(0.5)),
        ("mixed", "r2.png", 0, 0.2, Some(0.5)),
        ("mixed", "r3.png", 0, 0.3, Some(0.2)),
        ("mixed", "r4.png", 0, 0.6, Some(0.9)),
        ("mixed", "f1.png", 1, 0.7, Some(0.5)),
        ("mixed", "f2.png", 1, 0.4, Some(0.3)),
        ("fakes", "f3.png", 1, 0.9, None),
        ("fakes", "f4.png", 1, 0.8, Some(0.6)),
    ];
    let mut out = Vec::new();
    for (subset, path, label, a, b) in samples {
        out.push(pred("alpha", "demo", subset, path, label, Some(a)));
        out.push(pred("beta", "demo", subset, path, label, b));
    }
    out.push(pred("alpha", "other/set", "x", "o1.png", 0, Some(0.25)));
    out.push(pred("alpha", "other/set", "x", "o2.png", 1, Some(0.75)));
    out
}

#[test]
fn metrics_rows_have_known_values() {
    let rows = compute_metrics(&run_info(), &predictions());
    let find = |det: &str, slice: &str, metric: &str| {
        rows.iter()
            .find(|r| {
                r.detector == det && r.dataset == "demo" && r.slice == slice && r.metric == metric
            })
            .unwrap_or_else(|| panic!("no row {det} {slice} {metric}"))
    };
    // alpha, all: 15 of 16 (real, fake) pairs ordered right.
    assert_eq!(find("alpha", "all", "auc").value, Some(0.9375));
    assert_eq!(find("alpha", "subset=mixed", "auc").value, Some(0.875));
    // beta, all (f3 failed): 6 of 12 pairs with ties ½.
    let b = find("beta", "all", "auc");
    assert_eq!((b.value, b.n_real, b.n_fake), (Some(0.5), 4, 3));
    let only = find("alpha", "subset=fakes", "auc");
    assert_eq!(
        (only.value, only.undefined_reason.as_deref()),
        (None, Some("only fake"))
    );
    assert_eq!(find("alpha", "subset=fakes", "acc").value, Some(1.0));
    let mut sorted = rows.clone();
    sorted.sort_by(|a, b| {
        (
            &a.detector,
            &a.dataset,
            &a.perturbation,
            &a.slice,
            &a.metric,
        )
            .cmp(&(
                &b.detector,
                &b.dataset,
                &b.perturbation,
                &b.slice,
                &b.metric,
            ))
    });
    assert_eq!(rows, sorted);
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn writes_all_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("report");
    let files = write_report(&run_info(), &predictions(), &dir).expect("write_report");
    for name in [
        "metrics.csv",
        "leaderboard.md",
        "index.html",
        "roc.svg",
        "roc.png",
        "roc-demo.svg",
        "roc-demo.png",
        "roc-other_set.svg",
        "roc-other_set.png",
        "metrics.json",
        "predictions.csv",
        "predictions.parquet",
        "metrics.parquet",
        "summary.csv",
    ] {
        assert!(dir.join(name).is_file(), "{name} missing");
    }
    assert_eq!(files.paths().len(), 14);
    let json: serde_json::Value =
        serde_json::from_str(&read(&dir, "metrics.json")).expect("metrics.json parses");
    assert_eq!(json["schema"], "dfbench-metrics/1");
    assert_eq!(json["leaderboards"][0]["entries"][0]["detector"], "alpha");
    for name in ["predictions.parquet", "metrics.parquet"] {
        let bytes = fs::read(dir.join(name)).expect("parquet");
        assert!(
            bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"),
            "{name}"
        );
    }
    let summary = read(&dir, "summary.csv");
    assert!(
        summary.starts_with(
            "run,detector,dataset,perturbation,subset,predictions,scored,failed,fakes,mean_score\n"
        ),
        "{summary}"
    );
    assert!(
        summary.contains("run-0001,beta,demo,none,fakes,2,1,1,2,0.6\n"),
        "{summary}"
    );

    let csv = read(&dir, "metrics.csv");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "run,detector,dataset,perturbation,slice,level,metric,value,n_real,n_fake,ci_low,ci_high"
        )
    );
    let auc_line = csv
        .lines()
        .find(|l| l.starts_with("run-0001,alpha,demo,none,all,frame,auc,0.9375,4,4,"))
        .unwrap_or_else(|| panic!("{csv}"));
    let ci: Vec<f64> = auc_line
        .split(',')
        .skip(10)
        .map(|v| v.parse().expect("ci"))
        .collect();
    assert!(
        ci.len() == 2 && ci[0] <= 0.9375 && 0.9375 <= ci[1],
        "{auc_line}"
    );
    assert!(
        csv.contains("run-0001,alpha,demo,none,subset=fakes,frame,auc,,0,2,,\n"),
        "{csv}"
    );

    let md = read(&dir, "leaderboard.md");
    assert_eq!(md, files.leaderboard_markdown);
    assert!(md.contains("n/a (only fake)"), "{md}");
    assert!(md.contains("| 1 | alpha | 0.9375 ["), "{md}");
    assert!(
        md.contains("## Leaderboard: frame level (perturbation: none)"),
        "{md}"
    );
    assert!(
        md.contains("method=fomm") && md.contains("category=FS"),
        "{md}"
    );
    assert!(md.contains("run-0001") && md.contains("smoke") && md.contains("0.1.0"));
    assert!(
        md.contains("- Absent dataset (not scored): df40/deepfacelab (not in the DF40 release)"),
        "an absent dataset is listed with its reason, not as zero: {md}"
    );
    assert!(
        md.contains(
            "- Reuse: 1 outcome carried over from earlier runs (not recomputed): 1 from run \
             run-0000"
        ),
        "{md}"
    );

    let html = read(&dir, "index.html");
    assert!(html.contains("<svg"));
    assert!(html.contains("truncated &lt;jpeg&gt; &amp; co"));
    assert!(html.contains("nightly &lt;smoke&gt;"));
    assert!(html.contains("fp-demo") && html.contains("fp-beta") && html.contains("abc123"));
    assert!(
        html.contains(
            "<tr><td>df40/deepfacelab</td><td class=\"na\">absent</td><td>not in the DF40 release</td></tr>"
        ),
        "{html}"
    );
    assert!(
        html.contains("<tr><th>Reuse</th><td>1 outcome carried over from earlier runs"),
        "{html}"
    );
    assert!(html.contains("id=\"leaderboard\"") && html.contains("id=\"heatmap\""));
    assert!(
        html.contains("w-gpu0") && html.contains("cuda:0"),
        "workers in provenance"
    );
    assert!(!html.contains("<script"), "no scripts");
    assert!(
        !html.contains("src=") && !html.contains("href="),
        "no external references"
    );
    let without_xmlns = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(!without_xmlns.contains("http://") && !without_xmlns.contains("https://"));

    let svg = read(&dir, "roc.svg");
    assert!(svg.contains("False positive rate") && svg.contains("True positive rate"));
    assert!(svg.contains("alpha (AUC 0.9375)"));

    let png = image::open(dir.join("roc.png"))
        .expect("roc.png decodes")
        .to_rgb8();
    assert_eq!(png.dimensions(), (800, 600));
    let colours: HashSet<[u8; 3]> = png.pixels().map(|p| p.0).collect();
    assert!(
        colours.len() > 20,
        "chart looks blank: {} colours",
        colours.len()
    );
}

#[test]
fn rewriting_is_byte_identical() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let fa = write_report(&run_info(), &predictions(), &a).expect("first write");
    let mut shuffled = predictions();
    shuffled.reverse();
    let fb = write_report(&run_info(), &shuffled, &b).expect("second write");
    assert_eq!(fa.paths().len(), fb.paths().len());
    for p in fa.paths() {
        let name = p.file_name().expect("file name");
        let (x, y) = (
            fs::read(p).expect("read a"),
            fs::read(b.join(name)).expect("read b"),
        );
        assert!(x == y, "{} differs between writes", name.to_string_lossy());
    }
}

#[test]
fn no_predictions_still_writes_tables() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let files = write_report(&run_info(), &[], tmp.path()).expect("write_report");
    assert!(files.charts.is_empty());
    assert!(files.leaderboard_markdown.contains("No predictions"));
}
