//! Detection metrics as pure functions over `(scores, labels)` vectors, frame and video level.
//!
//! Inputs are `scores` (probability of "fake") and `labels` (`true` = fake), paired by index.
//! Definitions follow scikit-learn / DeepfakeBench exactly (see [`table`] for each formula), so
//! results agree with the reference to ~1e-12. Every metric comes out of one sort
//! ([`table::ScoreTable`], radix sort), shared by all metrics and by bootstrap resamples.
//!
//! Undefined cases never give NaN: AUC / AP / EER / TPR@FPR need both classes ("only fake",
//! "only real"); real accuracy needs reals, fake accuracy needs fakes; everything is undefined
//! with no samples, a non-finite score, or slices of different lengths.
//!
//! Submodules: [`bootstrap`] (stratified percentile intervals), [`delong`] (AUC variance and the
//! paired test), [`video`] (mean frame score per video key).

pub mod bootstrap;
pub mod delong;
mod sort;
pub mod table;
pub mod video;
pub mod weighted;

use std::fmt;

use table::ScoreTable;

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

/// Metric names as they appear in `metrics.csv` / `metrics.json`, in [`MetricSet::named`] order.
pub const METRIC_NAMES: [&str; 9] = [
    "acc",
    "ap",
    "auc",
    "eer",
    "eer_interp",
    "fake_acc",
    "real_acc",
    "tpr@fpr=0.01",
    "tpr@fpr=0.05",
];

/// Metrics where lower is better (everything else: higher is better).
pub fn lower_is_better(metric: &str) -> bool {
    metric.starts_with("eer")
}

/// Every metric of one slice plus its class counts.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSet {
    pub auc: MetricValue,
    pub ap: MetricValue,
    /// DeepfakeBench EER (no interpolation).
    pub eer: MetricValue,
    pub eer_interp: MetricValue,
    pub acc: MetricValue,
    pub real_acc: MetricValue,
    pub fake_acc: MetricValue,
    /// TPR at FPR 1% and 5% ([`table::TPR_FPR_LEVELS`]).
    pub tpr_at_fpr: [MetricValue; 2],
    pub n_real: u64,
    pub n_fake: u64,
}

impl MetricSet {
    /// Every metric undefined for `reason`.
    pub fn undefined(reason: &str, n_real: u64, n_fake: u64) -> MetricSet {
        let u = || MetricValue::Undefined(reason.to_string());
        MetricSet {
            auc: u(),
            ap: u(),
            eer: u(),
            eer_interp: u(),
            acc: u(),
            real_acc: u(),
            fake_acc: u(),
            tpr_at_fpr: [u(), u()],
            n_real,
            n_fake,
        }
    }

    /// `(name, value)` in [`METRIC_NAMES`] order (sorted by name).
    pub fn named(&self) -> [(&'static str, &MetricValue); 9] {
        [
            (METRIC_NAMES[0], &self.acc),
            (METRIC_NAMES[1], &self.ap),
            (METRIC_NAMES[2], &self.auc),
            (METRIC_NAMES[3], &self.eer),
            (METRIC_NAMES[4], &self.eer_interp),
            (METRIC_NAMES[5], &self.fake_acc),
            (METRIC_NAMES[6], &self.real_acc),
            (METRIC_NAMES[7], &self.tpr_at_fpr[0]),
            (METRIC_NAMES[8], &self.tpr_at_fpr[1]),
        ]
    }
}

fn counts(labels: &[bool]) -> (u64, u64) {
    let n_fake = labels.iter().filter(|&&l| l).count() as u64;
    (labels.len() as u64 - n_fake, n_fake)
}

/// Every metric of one slice, sharing one sort.
pub fn frame_metrics(scores: &[f64], labels: &[bool]) -> MetricSet {
    match ScoreTable::new(scores, labels) {
        Ok(table) => table.evaluate(),
        Err(reason) => {
            let (n_real, n_fake) = counts(labels);
            MetricSet::undefined(&reason, n_real, n_fake)
        }
    }
}

/// Area under the ROC curve (Mann–Whitney, ties ½).
pub fn auc(scores: &[f64], labels: &[bool]) -> MetricValue {
    frame_metrics(scores, labels).auc
}

/// Average precision as scikit-learn `average_precision_score`.
pub fn average_precision(scores: &[f64], labels: &[bool]) -> MetricValue {
    frame_metrics(scores, labels).ap
}

/// Equal error rate, DeepfakeBench definition on sklearn ROC points.
pub fn eer(scores: &[f64], labels: &[bool]) -> MetricValue {
    frame_metrics(scores, labels).eer
}

/// Equal error rate where the linearly interpolated ROC crosses FNR = FPR.
pub fn eer_interpolated(scores: &[f64], labels: &[bool]) -> MetricValue {
    frame_metrics(scores, labels).eer_interp
}

/// Accuracy at threshold 0.5 (`score > 0.5` means fake); defined with one sample or more.
pub fn accuracy(scores: &[f64], labels: &[bool]) -> MetricValue {
    frame_metrics(scores, labels).acc
}

/// Largest TPR at a threshold whose FPR ≤ `level` (e.g. 0.01).
pub fn tpr_at_fpr(scores: &[f64], labels: &[bool], level: f64) -> MetricValue {
    match ScoreTable::new(scores, labels) {
        Ok(table) => table::tpr_at_fpr_level(&table, level),
        Err(reason) => MetricValue::Undefined(reason),
    }
}

/// ROC curve points `(fpr, tpr)` from (0, 0) to (1, 1) as sklearn `roc_curve` (with
/// `drop_intermediate`); empty when the curve is undefined (see [`auc`] for why).
pub fn roc_points(scores: &[f64], labels: &[bool]) -> Vec<(f64, f64)> {
    ScoreTable::new(scores, labels)
        .map(|t| table::roc_points(&t))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
