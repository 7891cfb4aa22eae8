//! History of a run series: AUCs and failure rates recomputed from predictions, one trend per dataset, charts and
//! `index.html` written to disk.

use dfbench_reports::history::{CellAuc, aucs_from_predictions};
use dfbench_reports::model::{DatasetInfo, PredictionRecord, RunInfo};
use dfbench_reports::{HistoryRun, build_history, write_history};

fn prediction(
    detector: &str,
    dataset: &str,
    path: &str,
    label: i64,
    score: f64,
) -> PredictionRecord {
    PredictionRecord {
        detector: detector.to_string(),
        dataset: dataset.to_string(),
        perturbation: "none".to_string(),
        rel_path: path.to_string(),
        video_key: path.to_string(),
        label,
        score: Some(score),
        ..PredictionRecord::default()
    }
}

/// Two reals (scores 0.3, 0.5) and two fakes with the given scores.
fn predictions(detector: &str, dataset: &str, fake_scores: [f64; 2]) -> Vec<PredictionRecord> {
    vec![
        prediction(detector, dataset, "r1.png", 0, 0.3),
        prediction(detector, dataset, "r2.png", 0, 0.5),
        prediction(detector, dataset, "f1.png", 1, fake_scores[0]),
        prediction(detector, dataset, "f2.png", 1, fake_scores[1]),
    ]
}

fn run(id: &str, fingerprint: &str) -> RunInfo {
    let dataset = |name: &str| DatasetInfo {
        name: name.to_string(),
        fingerprint: fingerprint.to_string(),
        samples: 4,
        ..DatasetInfo::default()
    };
    RunInfo {
        run_id: id.to_string(),
        datasets: vec![dataset("demo"), dataset("faces")],
        name: "nightly".to_string(),
        status: "done".to_string(),
        ..RunInfo::default()
    }
}

#[test]
fn history_charts_every_dataset_and_tables_every_run() {
    // AUC of "good" on demo: 1.0, then 0.75 (one fake below a real); "other" only in run 1.
    let run1 = [
        predictions("good", "demo", [0.9, 0.8]),
        predictions("other", "demo", [0.1, 0.2]),
        predictions("good", "faces", [0.9, 0.4]),
    ]
    .concat();
    // One of good's five demo predictions failed in run 2: 20% failed, left out of the AUC.
    let failed = PredictionRecord {
        score: None,
        failure_kind: Some(dfbench_benchmarks::FailureKind::DecodeError),
        ..prediction("good", "demo", "f3.png", 1, 0.0)
    };
    let run2 = [
        predictions("good", "demo", [0.9, 0.4]),
        vec![failed],
        predictions("good", "faces", [0.9, 0.4]),
    ]
    .concat();
    let aucs = aucs_from_predictions(&run2);
    assert_eq!(
        aucs[0],
        CellAuc {
            detector: "good".into(),
            dataset: "demo".into(),
            perturbation: "none".into(),
            level: "frame".into(),
            auc: Some(0.75),
            failure_rate: Some(20.0)
        }
    );
    let history = build_history(
        "nightly",
        vec![
            HistoryRun {
                run: run("run-1", "v1"),
                aucs: aucs_from_predictions(&run1),
            },
            HistoryRun {
                run: run("run-2", "v2"),
                aucs,
            },
        ],
    );
    assert_eq!(history.trends.len(), 2);
    let demo = &history.trends[0];
    assert_eq!((demo.dataset.as_str(), demo.charted), ("demo", true));
    assert_eq!(demo.series[0].points, vec![Some(1.0), Some(0.75)]);
    assert_eq!(demo.series[1].detector, "other");
    assert_eq!(demo.series[1].points, vec![Some(0.0), None]);
    assert_eq!(demo.series[0].failure_rates, vec![Some(0.0), Some(20.0)]);

    let dir = tempfile::tempdir().expect("tempdir");
    let files = write_history(&history, dir.path()).expect("write history");
    let names: Vec<String> = files
        .charts
        .iter()
        .map(|p| p.file_name().expect("name").to_string_lossy().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "auc-demo.svg",
            "auc-demo.png",
            "auc-faces.svg",
            "auc-faces.png"
        ]
    );
    let png = image::open(dir.path().join("auc-demo.png")).expect("decodable png");
    assert_eq!(
        (png.width(), png.height()),
        dfbench_reports::chart::CHART_SIZE
    );
    let svg = std::fs::read_to_string(dir.path().join("auc-demo.svg")).expect("svg");
    assert!(svg.contains("other") && svg.contains("AUC over runs: demo"));
    let html = std::fs::read_to_string(&files.index_html).expect("index.html");
    assert!(html.contains("<code>run-2</code>") && html.contains("0.7500"));
    assert!(
        html.contains("0.7500<br><small>20.0% failed</small>"),
        "{html}"
    );
    assert!(
        html.contains("<td class=\"na\">n/a<br><small>failures n/a</small></td>"),
        "missing cell shown as n/a"
    );
    assert_eq!(
        html.matches("<svg").count(),
        2,
        "one inline chart per dataset"
    );
    assert!(
        !html.contains("<script") && !html.contains("href="),
        "self-contained"
    );
}

#[test]
fn clip_detectors_are_charted_on_their_clips() {
    // A clip detector's outcomes carry a clip index: its AUC is over clips, labelled as such,
    // beside an image detector's frame AUC on the same dataset.
    let clip = |index: i64, label: i64, score: Option<f64>| PredictionRecord {
        rel_path: format!("v{label}#clip{index}"),
        video_key: format!("v{label}"),
        clip_index: Some(index),
        score,
        failure_kind: score
            .is_none()
            .then_some(dfbench_benchmarks::FailureKind::VideoTooShort),
        ..prediction("temporal", "demo", "", label, 0.0)
    };
    let records = [
        predictions("spectral", "demo", [0.9, 0.8]),
        vec![
            clip(0, 0, Some(0.2)),
            clip(1, 0, Some(0.6)),
            clip(0, 1, Some(0.7)),
            clip(1, 1, Some(0.4)),
            clip(2, 1, None),
        ],
    ]
    .concat();
    let aucs = aucs_from_predictions(&records);
    let temporal = aucs
        .iter()
        .find(|a| a.detector == "temporal")
        .expect("the clip detector has a cell");
    assert_eq!(temporal.level, "clip");
    // Clip pairs (fake > real): 0.7 beats 0.2 and 0.6, 0.4 beats 0.2 only: 3 of 4.
    assert_eq!(temporal.auc, Some(0.75));
    assert_eq!(temporal.failure_rate, Some(20.0));
    let spectral = aucs
        .iter()
        .find(|a| a.detector == "spectral")
        .expect("image");
    assert_eq!(spectral.level, "frame");

    let history = build_history(
        "nightly",
        vec![HistoryRun {
            run: run("run-1", "v1"),
            aucs,
        }],
    );
    let labels: Vec<String> = history.trends[0].series.iter().map(|s| s.label()).collect();
    assert_eq!(labels, ["spectral", "temporal (clips)"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let files = write_history(&history, dir.path()).expect("write history");
    let html = std::fs::read_to_string(&files.index_html).expect("index.html");
    assert!(html.contains("<th>temporal (clips)</th>"), "{html}");
    let svg = std::fs::read_to_string(dir.path().join("auc-demo.svg")).expect("svg");
    assert!(svg.contains("temporal (clips)"));
}
