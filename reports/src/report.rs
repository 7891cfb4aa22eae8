//! Turns predictions into the report model: metric rows (with intervals), leaderboards,
//! failure lists and ROC curves.
//!
//! Grouping is detector × dataset × perturbation × level × slice ([`slices`] names the slices,
//! [`rows`] computes them in parallel). Failed predictions (no score, or a non-finite score)
//! are left out of the metrics, counted in `n_failed` and listed separately. Everything is kept
//! in `BTreeMap`s and sorted, so the same input always gives the same report.

pub mod category;
pub mod leaderboard;
pub mod rows;
pub mod slices;

use dfbench_benchmarks::FailureKind;
use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::metrics::bootstrap::BootstrapConfig;
use crate::metrics::{self, MetricValue};
use crate::model::{PredictionRecord, RunInfo};
pub use leaderboard::{Leaderboard, LeaderboardEntry};
pub use slices::{LEVEL_CLIP, LEVEL_FRAME, LEVEL_VIDEO, VideoAggregation};

/// Slice name of the whole dataset.
pub const SLICE_ALL: &str = "all";
/// Perturbation charted when present (clean images).
pub const BASELINE_PERTURBATION: &str = "none";

/// How the report is computed.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ReportOptions {
    pub bootstrap: BootstrapConfig,
    /// How a clip detector's clip scores make its video level (stated in the report).
    pub video_aggregation: slices::VideoAggregation,
}

/// One metric of one slice; one line of `metrics.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRow {
    /// The run id.
    pub run: String,
    pub detector: String,
    pub dataset: String,
    pub perturbation: String,
    /// `all`, `subset=<name>`, `method=<m>`, `split=<s>` or `category=<c>`.
    pub slice: String,
    /// `frame` or `video`.
    pub level: String,
    /// One of [`metrics::METRIC_NAMES`].
    pub metric: String,
    pub value: Option<f64>,
    pub undefined_reason: Option<String>,
    /// Bootstrap percentile interval (none for undefined metrics and category means).
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub n_real: u64,
    pub n_fake: u64,
    /// Failed units of the slice (predictions at frame level, videos at video level).
    pub n_failed: u64,
}

impl MetricRow {
    /// The row's value as a [`MetricValue`].
    pub fn metric_value(&self) -> MetricValue {
        match self.value {
            Some(v) => MetricValue::Value(v),
            None => MetricValue::Undefined(self.undefined_reason.clone().unwrap_or_default()),
        }
    }

    /// The interval, when both ends exist.
    pub fn interval(&self) -> Option<(f64, f64)> {
        Some((self.ci_low?, self.ci_high?))
    }
}

/// A prediction left out of the metrics.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FailureRecord {
    pub detector: String,
    pub dataset: String,
    pub perturbation: String,
    pub rel_path: String,
    pub kind: FailureKind,
    pub message: String,
}

/// ROC curve of one detector.
#[derive(Debug, Clone, PartialEq)]
pub struct RocSeries {
    pub detector: String,
    pub auc: MetricValue,
    /// `(fpr, tpr)`; empty when the curve is undefined (one class only).
    pub points: Vec<(f64, f64)>,
}

/// The ROC chart of one dataset (slice `all`, frame level, baseline perturbation).
#[derive(Debug, Clone, PartialEq)]
pub struct RocChart {
    pub dataset: String,
    pub perturbation: String,
    pub series: Vec<RocSeries>,
}

/// Everything the renderers need, computed once.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Sorted by detector, dataset, perturbation, level, slice, metric.
    pub rows: Vec<MetricRow>,
    /// Failed predictions per (detector, dataset, perturbation); only non-zero counts.
    pub failed_counts: BTreeMap<(String, String, String), u64>,
    /// All failed predictions, sorted.
    pub failures: Vec<FailureRecord>,
    /// One chart per dataset, datasets sorted by name; series ranked like the leaderboard.
    pub charts: Vec<RocChart>,
    /// Mean AUC across datasets per perturbation × level, detectors ranked.
    pub leaderboards: Vec<Leaderboard>,
    pub options: ReportOptions,
    /// The reproduction check, when the run's suite has references (set by the caller with
    /// [`crate::references::check_references`]; [`build_report`] leaves it `None`).
    pub references: Option<crate::references::ReferenceCheck>,
}

/// The failure of a prediction that has no usable score, if it has none.
fn failure_of(p: &PredictionRecord) -> Option<FailureRecord> {
    let (kind, message) = match p.score {
        Some(s) if s.is_finite() => return None,
        Some(s) => (
            FailureKind::InvalidScore,
            format!("detector returned score {s}"),
        ),
        None => (
            p.failure_kind.clone().unwrap_or(FailureKind::MissingScore),
            p.failure_message.clone().unwrap_or_default(),
        ),
    };
    Some(FailureRecord {
        detector: p.detector.clone(),
        dataset: p.dataset.clone(),
        perturbation: p.perturbation.clone(),
        rel_path: p.rel_path.clone(),
        kind,
        message,
    })
}

/// Metric rows for every detector × dataset × perturbation × level × slice, sorted, with
/// default options (1000 bootstrap resamples, fixed seed).
pub fn compute_metrics(run: &RunInfo, predictions: &[PredictionRecord]) -> Vec<MetricRow> {
    rows::compute(
        run,
        predictions,
        &BootstrapConfig::default(),
        slices::VideoAggregation::default(),
    )
    .rows
}

/// Leaderboard order of `(auc, detector)`: AUC descending, undefined last, then by name.
pub fn rank_order(a: (&MetricValue, &str), b: (&MetricValue, &str)) -> Ordering {
    match (a.0.value(), b.0.value()) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (x, y) => y.is_some().cmp(&x.is_some()),
    }
    .then_with(|| a.1.cmp(b.1))
}

/// The perturbation charted for a dataset: `none` when present, else the first by name.
pub(crate) fn chart_perturbation<'a>(
    perturbations: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut first: Option<&str> = None;
    for p in perturbations {
        if p == BASELINE_PERTURBATION {
            return Some(p);
        }
        first = Some(first.map_or(p, |f| f.min(p)));
    }
    first
}

fn roc_charts(predictions: &[PredictionRecord]) -> Vec<RocChart> {
    let groups = rows::group(predictions);
    let mut by_dataset: BTreeMap<&str, Vec<(&rows::GroupKey, &Vec<&PredictionRecord>)>> =
        BTreeMap::new();
    for (key, records) in &groups {
        by_dataset
            .entry(key.1.as_str())
            .or_default()
            .push((key, records));
    }
    let mut charts = Vec::new();
    for (dataset, entries) in by_dataset {
        let Some(pert) = chart_perturbation(entries.iter().map(|(k, _)| k.2.as_str())) else {
            continue;
        };
        let mut series: Vec<RocSeries> = entries
            .iter()
            .filter(|(k, _)| k.2 == pert)
            .map(|(k, records)| {
                let (scores, labels): (Vec<f64>, Vec<bool>) = records
                    .iter()
                    .filter_map(|r| r.score.filter(|s| s.is_finite()).map(|s| (s, r.is_fake())))
                    .unzip();
                RocSeries {
                    detector: k.0.clone(),
                    auc: metrics::auc(&scores, &labels),
                    points: metrics::roc_points(&scores, &labels),
                }
            })
            .collect();
        // Same order as the leaderboard: AUC descending, undefined last, then by name.
        series.sort_by(|a, b| rank_order((&a.auc, &a.detector), (&b.auc, &b.detector)));
        charts.push(RocChart {
            dataset: dataset.to_string(),
            perturbation: pert.to_string(),
            series,
        });
    }
    charts
}

/// Computes the whole report model.
pub fn build_report(
    run: &RunInfo,
    predictions: &[PredictionRecord],
    options: &ReportOptions,
) -> Report {
    let mut failures: Vec<FailureRecord> = predictions.iter().filter_map(failure_of).collect();
    failures.sort();
    let mut failed_counts = BTreeMap::new();
    for f in &failures {
        let key = (
            f.detector.clone(),
            f.dataset.clone(),
            f.perturbation.clone(),
        );
        *failed_counts.entry(key).or_insert(0) += 1;
    }
    let computed = rows::compute(
        run,
        predictions,
        &options.bootstrap,
        options.video_aggregation,
    );
    let leaderboards = leaderboard::leaderboards(&computed, options.bootstrap.confidence);
    Report {
        rows: computed.rows,
        failed_counts,
        failures,
        charts: roc_charts(predictions),
        leaderboards,
        options: *options,
        references: None,
    }
}
