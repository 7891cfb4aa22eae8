//! Frame-level detection metrics as pure functions, matching DeepfakeBench `get_test_metrics`.
//!
//! Inputs are `scores` (probability of "fake") and `labels` (`true` = fake), paired by index.
//! Definitions follow scikit-learn exactly, so results agree with the reference to ~1e-12:
//! - AUC: Mann–Whitney U with ties counted ½ (= `roc_auc_score`), exact integer numerator.
//! - AP: `average_precision_score`, Σ (Rₙ − Rₙ₋₁)·Pₙ over distinct thresholds, descending.
//! - EER: on `roc_curve` points (with `drop_intermediate=True` and the leading (0,0)),
//!   `fpr[argmin |(1 − tpr) − fpr|]`, first index on ties (DeepfakeBench's formula).
//! - ACC: mean of `(score > 0.5) == label` (strict `>`).
//!
//! AUC / AP / EER are [`MetricValue::Undefined`] without both classes; every metric is undefined
//! when there are no samples, when any score is not finite, or when the slices differ in length.

use std::cmp::Ordering;
use std::fmt;

/// A metric that is either a number or undefined for a stated reason (e.g. "only fake").
#[derive(Debug, Clone, PartialEq)]
pub enum MetricValue {
    Value(f64),
    Undefined(String),
}

impl MetricValue {
    /// The number, if defined.
    pub fn value(&self) -> Option<f64> {
        match self {
            MetricValue::Value(v) => Some(*v),
            MetricValue::Undefined(_) => None,
        }
    }

    /// Why the metric is undefined, if it is.
    pub fn undefined_reason(&self) -> Option<&str> {
        match self {
            MetricValue::Value(_) => None,
            MetricValue::Undefined(reason) => Some(reason),
        }
    }
}

impl fmt::Display for MetricValue {
    /// `0.8333` (4 decimals) or `n/a (only fake)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetricValue::Value(v) => write!(f, "{v:.4}"),
            MetricValue::Undefined(reason) => write!(f, "n/a ({reason})"),
        }
    }
}

/// The four frame-level metrics of one slice plus its class counts.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSet {
    pub auc: MetricValue,
    pub ap: MetricValue,
    pub eer: MetricValue,
    pub acc: MetricValue,
    pub n_real: u64,
    pub n_fake: u64,
}

/// Cumulative counts at each distinct threshold, scores descending (sklearn
/// `confusion_matrix_at_thresholds`): `(fps, tps)` of samples scored ≥ that threshold.
struct Curve {
    points: Vec<(u64, u64)>,
    n_neg: u64,
    n_pos: u64,
}

/// Validates the input and builds the threshold curve, or says why metrics are undefined.
/// `need_both` asks for both classes (AUC / AP / EER / ROC).
fn curve(scores: &[f64], labels: &[bool], need_both: bool) -> Result<Curve, String> {
    if scores.len() != labels.len() {
        return Err("scores and labels differ in length".to_string());
    }
    if scores.is_empty() {
        return Err("no samples".to_string());
    }
    if scores.iter().any(|s| !s.is_finite()) {
        return Err("non-finite score".to_string());
    }
    let n_pos = labels.iter().filter(|&&l| l).count() as u64;
    let n_neg = labels.len() as u64 - n_pos;
    if need_both && n_neg == 0 {
        return Err("only fake".to_string());
    }
    if need_both && n_pos == 0 {
        return Err("only real".to_string());
    }
    let mut order: Vec<(f64, bool)> = scores.iter().copied().zip(labels.iter().copied()).collect();
    // Descending; scores are finite, so partial_cmp never fails. -0.0 and 0.0 end up adjacent
    // and are grouped below with `==`, as numpy's `diff(score) != 0` does.
    order.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(Ordering::Equal));
    let mut points = Vec::new();
    let (mut fps, mut tps) = (0u64, 0u64);
    for (i, &(score, fake)) in order.iter().enumerate() {
        if fake {
            tps += 1;
        } else {
            fps += 1;
        }
        let last_of_group = order.get(i + 1).is_none_or(|next| next.0 != score);
        if last_of_group {
            points.push((fps, tps));
        }
    }
    Ok(Curve {
        points,
        n_neg,
        n_pos,
    })
}

fn auc_of(c: &Curve) -> f64 {
    // Each negative scores against every positive strictly above it (1) and tied with it (½):
    // 2·U = Σ_groups neg_g · (2·tp_before + pos_g), exact in u128.
    let (mut prev_f, mut prev_t) = (0u64, 0u64);
    let mut twice_u: u128 = 0;
    for &(f, t) in &c.points {
        let (neg_g, pos_g) = (f - prev_f, t - prev_t);
        twice_u += u128::from(neg_g) * (2 * u128::from(prev_t) + u128::from(pos_g));
        (prev_f, prev_t) = (f, t);
    }
    twice_u as f64 / (2.0 * c.n_pos as f64 * c.n_neg as f64)
}

fn ap_of(c: &Curve) -> f64 {
    let total = c.n_pos as f64;
    let mut prev_recall = 0.0;
    let mut sum = 0.0;
    for &(f, t) in &c.points {
        let recall = t as f64 / total;
        let precision = if t + f == 0 {
            0.0
        } else {
            t as f64 / (t + f) as f64
        };
        sum += (recall - prev_recall) * precision;
        prev_recall = recall;
    }
    sum.max(0.0)
}

/// ROC points exactly as sklearn `roc_curve(drop_intermediate=True)`: drop threshold points
/// whose second differences of fps and tps are both zero, then prepend (0, 0).
fn roc_of(c: &Curve) -> Vec<(f64, f64)> {
    let p = &c.points;
    let kept: Vec<(u64, u64)> = if p.len() > 2 {
        let mut kept = Vec::with_capacity(p.len());
        kept.push(p[0]);
        for w in p.windows(3) {
            let second = |a: u64, b: u64, c: u64| (c as i128) - 2 * (b as i128) + (a as i128);
            if second(w[0].0, w[1].0, w[2].0) != 0 || second(w[0].1, w[1].1, w[2].1) != 0 {
                kept.push(w[1]);
            }
        }
        kept.push(p[p.len() - 1]);
        kept
    } else {
        p.clone()
    };
    let (fn_, tn) = (c.n_neg as f64, c.n_pos as f64);
    std::iter::once((0.0, 0.0))
        .chain(kept.iter().map(|&(f, t)| (f as f64 / fn_, t as f64 / tn)))
        .collect()
}

fn eer_of(roc: &[(f64, f64)]) -> f64 {
    let mut best = (f64::INFINITY, 0.0);
    for &(fpr, tpr) in roc {
        let gap = ((1.0 - tpr) - fpr).abs();
        if gap < best.0 {
            best = (gap, fpr);
        }
    }
    best.1
}

fn to_value(r: Result<f64, String>) -> MetricValue {
    match r {
        Ok(v) => MetricValue::Value(v),
        Err(reason) => MetricValue::Undefined(reason),
    }
}

/// Area under the ROC curve (Mann–Whitney, ties ½).
pub fn auc(scores: &[f64], labels: &[bool]) -> MetricValue {
    to_value(curve(scores, labels, true).map(|c| auc_of(&c)))
}

/// Average precision as scikit-learn `average_precision_score`.
pub fn average_precision(scores: &[f64], labels: &[bool]) -> MetricValue {
    to_value(curve(scores, labels, true).map(|c| ap_of(&c)))
}

/// Equal error rate, DeepfakeBench definition on sklearn ROC points.
pub fn eer(scores: &[f64], labels: &[bool]) -> MetricValue {
    to_value(curve(scores, labels, true).map(|c| eer_of(&roc_of(&c))))
}

/// Accuracy at threshold 0.5 (`score > 0.5` means fake); defined with one sample or more.
pub fn accuracy(scores: &[f64], labels: &[bool]) -> MetricValue {
    to_value(curve(scores, labels, false).map(|_| {
        let correct = scores
            .iter()
            .zip(labels)
            .filter(|(s, l)| (**s > 0.5) == **l)
            .count();
        correct as f64 / scores.len() as f64
    }))
}

/// ROC curve points `(fpr, tpr)` from (0, 0) to (1, 1) as sklearn `roc_curve`; empty when the
/// curve is undefined (see [`auc`] for why).
pub fn roc_points(scores: &[f64], labels: &[bool]) -> Vec<(f64, f64)> {
    curve(scores, labels, true)
        .map(|c| roc_of(&c))
        .unwrap_or_default()
}

/// All four metrics and the class counts of one slice, sharing one sort.
pub fn frame_metrics(scores: &[f64], labels: &[bool]) -> MetricSet {
    let n_fake = labels.iter().filter(|&&l| l).count() as u64;
    let n_real = labels.len() as u64 - n_fake;
    let acc = accuracy(scores, labels);
    let (auc, ap, eer) = match curve(scores, labels, true) {
        Ok(c) => {
            let roc = roc_of(&c);
            (
                MetricValue::Value(auc_of(&c)),
                MetricValue::Value(ap_of(&c)),
                MetricValue::Value(eer_of(&roc)),
            )
        }
        Err(reason) => (
            MetricValue::Undefined(reason.clone()),
            MetricValue::Undefined(reason.clone()),
            MetricValue::Undefined(reason),
        ),
    };
    MetricSet {
        auc,
        ap,
        eer,
        acc,
        n_real,
        n_fake,
    }
}

#[cfg(test)]
mod tests;
