//! Slices and levels of the report rows on a small FF++-like set: per-method slices (fakes of
//! one method + every real), split slices, category means, video level, all-failed reasons.

use dfbench_benchmarks::FailureKind;
use dfbench_reports::{PredictionRecord, RunInfo, compute_metrics};

fn frame(
    video: &str,
    frame: u32,
    label: i64,
    method: &str,
    split: &str,
    score: Option<f64>,
) -> PredictionRecord {
    PredictionRecord {
        detector: "det".into(),
        dataset: "ffpp".into(),
        subset: "c23".into(),
        perturbation: "none".into(),
        rel_path: format!("{method}/{video}/{frame:03}.png"),
        video_key: format!("ffpp/{method}/{method}/c23/{video}"),
        label,
        method: method.into(),
        split: split.into(),
        score,
        failure_kind: score.is_none().then_some(FailureKind::DecodeError),
        ..Default::default()
    }
}

/// Reals r1 (low), r2 (mid); Deepfakes d1 (high), FaceSwap s1 (mid-high); 2 frames per video.
/// NeuralTextures n1 has both frames failed.
fn predictions() -> Vec<PredictionRecord> {
    vec![
        frame("r1", 0, 0, "real", "test", Some(0.1)),
        frame("r1", 1, 0, "real", "test", Some(0.3)),
        frame("r2", 0, 0, "real", "val", Some(0.5)),
        frame("r2", 1, 0, "real", "val", Some(0.7)),
        frame("d1", 0, 1, "Deepfakes", "test", Some(0.9)),
        frame("d1", 1, 1, "Deepfakes", "test", Some(0.8)),
        frame("s1", 0, 1, "FaceSwap", "val", Some(0.6)),
        frame("s1", 1, 1, "FaceSwap", "val", Some(0.4)),
        frame("n1", 0, 1, "NeuralTextures", "test", None),
        frame("n1", 1, 1, "NeuralTextures", "test", None),
    ]
}

fn find<'a>(
    rows: &'a [dfbench_reports::MetricRow],
    level: &str,
    slice: &str,
    metric: &str,
) -> &'a dfbench_reports::MetricRow {
    rows.iter()
        .find(|r| r.level == level && r.slice == slice && r.metric == metric)
        .unwrap_or_else(|| panic!("no row {level} {slice} {metric}"))
}

#[test]
fn method_split_category_and_video_rows() {
    let rows = compute_metrics(&RunInfo::default(), &predictions());
    // Deepfakes vs all reals: 0.8, 0.9 above every real frame.
    let df = find(&rows, "frame", "method=Deepfakes", "auc");
    assert_eq!((df.value, df.n_real, df.n_fake), (Some(1.0), 4, 2));
    // FaceSwap (0.6, 0.4) vs reals (0.1, 0.3, 0.5, 0.7): 2+1.. pairs = (3 + 2) / 8.
    assert_eq!(
        find(&rows, "frame", "method=FaceSwap", "auc").value,
        Some(5.0 / 8.0)
    );
    let nt = find(&rows, "frame", "method=NeuralTextures", "auc");
    assert_eq!(nt.undefined_reason.as_deref(), Some("only real"));
    assert_eq!(nt.n_failed, 2);
    // FS category (Deepfakes is not in the DF40 table; FaceSwap is FS): mean of its methods.
    assert_eq!(
        find(&rows, "frame", "category=FS", "auc").value,
        Some(5.0 / 8.0)
    );
    // Splits: test = r1 + d1 (+ failed n1), val = r2 + s1.
    assert_eq!(find(&rows, "frame", "split=test", "auc").value, Some(1.0));
    assert_eq!(find(&rows, "frame", "split=val", "auc").value, Some(0.25)); // 0.6 > 0.5 only
    // Video level: r1 0.2, r2 0.6, d1 0.85, s1 0.5 → pairs (d1: 2, s1: 1) of 4; n1 failed.
    let v = find(&rows, "video", "all", "auc");
    assert_eq!(
        (v.value, v.n_real, v.n_fake, v.n_failed),
        (Some(0.75), 2, 2, 1)
    );
    let all_failed = find(&rows, "video", "method=NeuralTextures", "fake_acc");
    assert_eq!(all_failed.undefined_reason.as_deref(), Some("only real"));
    // Intervals exist for defined metrics and contain the value.
    let all = find(&rows, "frame", "all", "auc");
    let (lo, hi) = all.interval().expect("interval");
    assert!(lo <= all.value.expect("auc") && all.value.expect("auc") <= hi);
}

#[test]
fn all_failed_slice_says_so() {
    let preds: Vec<PredictionRecord> = predictions()
        .into_iter()
        .map(|mut p| {
            p.score = None;
            p
        })
        .collect();
    let rows = compute_metrics(&RunInfo::default(), &preds);
    let r = find(&rows, "frame", "all", "auc");
    assert_eq!(
        r.undefined_reason.as_deref(),
        Some("all 10 predictions failed")
    );
    let v = find(&rows, "video", "all", "acc");
    assert_eq!(v.undefined_reason.as_deref(), Some("all 5 videos failed"));
}

#[test]
fn a_subset_equal_to_all_reuses_its_rows_and_intervals() {
    let rows = compute_metrics(&RunInfo::default(), &predictions());
    for level in ["frame", "video"] {
        for metric in dfbench_reports::METRIC_NAMES {
            let (all, subset) = (
                find(&rows, level, "all", metric),
                find(&rows, level, "subset=c23", metric),
            );
            let renamed = dfbench_reports::MetricRow {
                slice: "all".into(),
                ..subset.clone()
            };
            assert_eq!(&renamed, all, "{level} {metric}");
        }
    }
}
