//! Tests of the reference marks and the check.
use super::*;
use crate::model::DetectorInfo;
use crate::report::{ReportOptions, build_report};

#[test]
fn marks_follow_the_tolerance() {
    assert_eq!(mark(0.7365, Some(0.7365), 0.02), Mark::Reproduced);
    assert_eq!(mark(0.7365, Some(0.7565), 0.02), Mark::Reproduced); // |Δ| = tolerance
    assert_eq!(mark(0.7365, Some(0.7165), 0.02), Mark::Reproduced);
    assert_eq!(mark(0.7365, Some(0.7566), 0.02), Mark::NotReproduced);
    assert_eq!(mark(0.7365, Some(0.6), 0.02), Mark::NotReproduced);
    assert_eq!(mark(0.5, Some(0.5), 0.0), Mark::Reproduced);
    assert_eq!(mark(0.5, None, 0.5), Mark::NoMeasurement);
}

fn row(detector: &str, dataset: &str, level: &str, metric: &str, value: Option<f64>) -> MetricRow {
    MetricRow {
        run: "r1".into(),
        detector: detector.into(),
        dataset: dataset.into(),
        perturbation: "none".into(),
        slice: "all".into(),
        level: level.into(),
        metric: metric.into(),
        value,
        undefined_reason: value.is_none().then(|| "only fake".to_string()),
        ci_low: value.map(|v| v - 0.01),
        ci_high: value.map(|v| v + 0.01),
        n_real: 10,
        n_fake: 10,
        n_failed: 0,
    }
}

fn reference(detector: &str, dataset: &str, level: &str, auc: f64) -> ReferenceSpec {
    ReferenceSpec {
        detector: detector.into(),
        dataset: dataset.into(),
        level: level.into(),
        auc: Some(auc),
        ap: None,
        eer: None,
        acc: None,
        source: "DFB README".into(),
        kind: "top3-mean-during-training".into(),
        tolerance: Some(0.02),
    }
}

#[test]
fn the_check_marks_each_reference_with_its_stamp() {
    let run = RunInfo {
        suite_hash: "abc123".into(),
        detectors: vec![DetectorInfo {
            name: "x".into(),
            fingerprint: "sha256:w:p".into(),
        }],
        ..RunInfo::default()
    };
    let mut report = build_report(&run, &[], &ReportOptions::default());
    report.rows = vec![
        row("x", "cross/CDFv2", "frame", "auc", Some(0.74)),
        row("x", "cross/CDFv2", "video", "auc", Some(0.80)),
        row("x", "cross/DFDC", "frame", "auc", None),
    ];
    let references = [
        reference("x", "cross/CDFv2", "frame", 0.7365),
        reference("x", "cross/CDFv2", "video", 0.70),
        reference("x", "cross/DFDC", "frame", 0.70),
        reference("x", "cross/UADFV", "frame", 0.90),
        reference("x", "cross/CDFv2", "clip", 0.70),
    ];
    let refs: Vec<&ReferenceSpec> = references.iter().collect();
    let protocols = BTreeMap::from([(
        "x".to_string(),
        DetectorProtocol {
            preprocessing: "size=299".into(),
            checkpoint_sha256: Some("feed".into()),
        },
    )]);
    let check = check_references(&run, &report, &refs, &protocols, vec!["note".into()]);
    let marks: Vec<Mark> = check.results.iter().map(|r| r.mark).collect();
    assert_eq!(
        marks,
        [
            Mark::Reproduced,
            Mark::NotReproduced,
            Mark::NoMeasurement,
            Mark::NoMeasurement,
            Mark::NoMeasurement
        ]
    );
    let first = &check.results[0];
    assert!((first.delta.unwrap_or_default() - 0.0035).abs() < 1e-12);
    assert_eq!(first.interval, Some((0.73, 0.75)));
    assert_eq!(first.stamp.suite_hash, "abc123");
    assert_eq!(first.stamp.detector_fingerprint, "sha256:w:p");
    assert_eq!(first.stamp.checkpoint_sha256.as_deref(), Some("feed"));
    assert_eq!(first.stamp.video_aggregation, None);
    assert_eq!(
        check.results[1].stamp.video_aggregation.as_deref(),
        Some("frame → video: mean of the video's frame scores")
    );
    let reasons: Vec<&str> = check.results[2..]
        .iter()
        .map(|r| r.reason.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(
        reasons,
        [
            "auc undefined: only fake",
            "the run scored no predictions of this detector on this dataset",
            "no clip auc in the run (levels measured: frame, video)",
        ]
    );
    assert_eq!(check.exit_code(), 1);
    assert_eq!(
        check.summary(),
        "5 references: 1 reproduced, 1 not reproduced, 3 no measurement"
    );
    let table = render::terminal(&check);
    assert!(
        table.contains("reproduced") && table.contains("not reproduced"),
        "{table}"
    );
    assert!(table.contains("\nnote\n"), "{table}");

    let only_good = check_references(&run, &report, &refs[..1], &protocols, Vec::new());
    assert_eq!(only_good.exit_code(), 0);
}

#[test]
fn every_form_carries_the_references() {
    let run = RunInfo::default();
    let mut report = build_report(&run, &[], &ReportOptions::default());
    report.rows = vec![row("x", "d", "frame", "auc", Some(0.9))];
    let spec = reference("x", "d", "frame", 0.5);
    let check = check_references(&run, &report, &[&spec], &BTreeMap::new(), Vec::new());
    report.references = Some(check);
    let dir = tempfile::tempdir().expect("tmp");
    let files = crate::write_built_report(&run, &[], &report, dir.path()).expect("written");
    assert!(
        files
            .leaderboard_markdown
            .contains("## References (1 reference: 0 reproduced, 1 not reproduced")
    );
    assert!(files.leaderboard_markdown.contains("| x | d | frame | auc | 0.5000 (top3-mean-during-training; DFB README) | 0.9000 [0.8900, 0.9100] | +0.4000 | 0.02 | not reproduced |"));
    let html = std::fs::read_to_string(&files.index_html).expect("html");
    assert!(html.contains("<section id=\"references\">"), "{html}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files.metrics_json).expect("json"))
            .expect("parse");
    assert_eq!(json["references"]["results"][0]["mark"], "not reproduced");
    assert_eq!(json["references"]["exit_code"], 1);
    let csv = std::fs::read_to_string(files.references_csv.expect("csv")).expect("read");
    assert!(
        csv.starts_with("detector,dataset,level,metric,published,"),
        "{csv}"
    );
    assert!(
        csv.contains("x,d,frame,auc,0.5,top3-mean-during-training,DFB README,0.02,0.9,"),
        "{csv}"
    );
}
