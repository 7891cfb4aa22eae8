//! Hand-computed checks of the metric definitions (ties, single class, constant scores).

use super::*;

fn v(m: &MetricValue) -> f64 {
    match m {
        MetricValue::Value(x) => *x,
        MetricValue::Undefined(r) => panic!("expected a value, got undefined ({r})"),
    }
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-12, "{a} != {b}");
}

#[test]
fn sklearn_docstring_example() {
    // y=[0,0,1,1], s=[0.1,0.4,0.35,0.8]: sklearn gives AUC 0.75, AP 0.8333…
    let s = [0.1, 0.4, 0.35, 0.8];
    let y = [false, false, true, true];
    let m = frame_metrics(&s, &y);
    close(v(&m.auc), 0.75);
    close(v(&m.ap), 5.0 / 6.0);
    // ROC (0,0) (0,.5) (.5,.5) (.5,1) (1,1): |fnr − fpr| is 0 at (.5,.5).
    close(v(&m.eer), 0.5);
    // Only 0.8 > 0.5 → predictions [0,0,0,1]: 3 of 4 right.
    close(v(&m.acc), 0.75);
    assert_eq!((m.n_real, m.n_fake), (2, 2));
    assert_eq!(
        roc_points(&s, &y),
        vec![(0.0, 0.0), (0.0, 0.5), (0.5, 0.5), (0.5, 1.0), (1.0, 1.0)]
    );
}

#[test]
fn ties_count_half() {
    // Pairs (neg, pos): 0.5 vs 0.9 → 1, 0.5 vs 0.5 → ½, 0.2 vs both → 2; U = 3.5 of 4.
    let s = [0.5, 0.5, 0.2, 0.9];
    let y = [false, true, false, true];
    let m = frame_metrics(&s, &y);
    close(v(&m.auc), 0.875);
    // Thresholds 0.9 (R=.5, P=1), 0.5 (R=1, P=2/3), 0.2 (R=1): AP = .5 + .5·2/3.
    close(v(&m.ap), 0.5 + 0.5 * 2.0 / 3.0);
    // ROC (0,0) (0,.5) (.5,1) (1,1): gaps 1, .5, .5, 1 → first minimum at fpr 0.
    close(v(&m.eer), 0.0);
    // Strict > 0.5: the tied 0.5 fake is predicted real.
    close(v(&m.acc), 0.75);
}

#[test]
fn constant_scores() {
    let s = [0.3; 5];
    let y = [true, false, true, false, false];
    let m = frame_metrics(&s, &y);
    close(v(&m.auc), 0.5);
    close(v(&m.ap), 0.4);
    close(v(&m.eer), 0.0);
    close(v(&m.acc), 0.6);
    assert_eq!(roc_points(&s, &y), vec![(0.0, 0.0), (1.0, 1.0)]);
}

#[test]
fn drop_intermediate_changes_eer() {
    // Fake, 4 reals, fake: sklearn drops the collinear points of the horizontal run, so the
    // point (.5, .5) with |fnr − fpr| = 0 is gone and EER is fpr at (0, .5) = 0.
    let s = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
    let y = [true, false, false, false, false, true];
    assert_eq!(
        roc_points(&s, &y),
        vec![(0.0, 0.0), (0.0, 0.5), (1.0, 0.5), (1.0, 1.0)]
    );
    close(v(&eer(&s, &y)), 0.0);
    close(v(&auc(&s, &y)), 0.5);
}

#[test]
fn perfect_and_inverted() {
    let y = [false, false, true, true];
    let good = frame_metrics(&[0.1, 0.2, 0.8, 0.9], &y);
    close(v(&good.auc), 1.0);
    close(v(&good.ap), 1.0);
    close(v(&good.eer), 0.0);
    close(v(&good.acc), 1.0);
    let bad = frame_metrics(&[0.9, 0.8, 0.2, 0.1], &y);
    close(v(&bad.auc), 0.0);
    close(v(&bad.eer), 1.0);
    close(v(&bad.acc), 0.0);
}

#[test]
fn single_class_is_undefined_with_reason() {
    let m = frame_metrics(&[0.9, 0.2], &[true, true]);
    assert_eq!(m.auc, MetricValue::Undefined("only fake".into()));
    assert_eq!(m.ap, MetricValue::Undefined("only fake".into()));
    assert_eq!(m.eer, MetricValue::Undefined("only fake".into()));
    close(v(&m.acc), 0.5);
    assert_eq!(m.auc.to_string(), "n/a (only fake)");
    let m = frame_metrics(&[0.9], &[false]);
    assert_eq!(m.auc.undefined_reason(), Some("only real"));
    close(v(&m.acc), 0.0);
    assert!(roc_points(&[0.9], &[false]).is_empty());
}

#[test]
fn empty_and_invalid_inputs() {
    let m = frame_metrics(&[], &[]);
    assert_eq!(m.auc.undefined_reason(), Some("no samples"));
    assert_eq!(m.acc.undefined_reason(), Some("no samples"));
    assert_eq!((m.n_real, m.n_fake), (0, 0));
    let m = frame_metrics(&[f64::NAN, 0.2], &[true, false]);
    assert_eq!(m.auc.undefined_reason(), Some("non-finite score"));
    assert_eq!(
        accuracy(&[0.2], &[true, false]).undefined_reason(),
        Some("scores and labels differ in length")
    );
}

#[test]
fn display_shows_four_decimals() {
    assert_eq!(MetricValue::Value(5.0 / 6.0).to_string(), "0.8333");
    assert_eq!(MetricValue::Value(1.0).to_string(), "1.0000");
    assert_eq!(MetricValue::Value(0.5).value(), Some(0.5));
}

#[test]
fn interpolated_eer_and_tpr_at_fpr() {
    // ROC (0,0) (0,.5) (.5,.5) (.5,1) (1,1): 1 − tpr − fpr is 1, .5, 0 → crossing at fpr .5.
    let s = [0.1, 0.4, 0.35, 0.8];
    let y = [false, false, true, true];
    close(v(&eer_interpolated(&s, &y)), 0.5);
    // 4 reals at 0.1..0.4, fakes at 0.35 and 0.8: at FPR 0 the best TPR is 0.5.
    let m = frame_metrics(&s, &y);
    close(v(&m.tpr_at_fpr[0]), 0.5);
    close(v(&tpr_at_fpr(&s, &y, 0.5)), 1.0);
    // Constant scores: the only segment (0,0)→(1,1) crosses at 0.5.
    close(
        v(&eer_interpolated(&[0.3; 4], &[true, false, true, false])),
        0.5,
    );
}

#[test]
fn real_and_fake_accuracy_split_by_label() {
    let s = [0.2, 0.7, 0.6, 0.4, 0.5];
    let y = [false, false, true, true, true];
    let m = frame_metrics(&s, &y);
    close(v(&m.real_acc), 0.5);
    close(v(&m.fake_acc), 1.0 / 3.0);
    close(v(&m.acc), 0.4);
    let only_fake = frame_metrics(&[0.9], &[true]);
    assert_eq!(only_fake.real_acc.undefined_reason(), Some("only fake"));
    close(v(&only_fake.fake_acc), 1.0);
}
