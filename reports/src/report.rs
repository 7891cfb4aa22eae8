//! Turns predictions into the report model: metric rows, failure lists and ROC curves.
//!
//! Grouping is detector × dataset × perturbation, with slices `all` and `subset=<name>` (always
//! emitted, even for a single subset). Failed predictions (no score, or a non-finite score) are
//! left out of the metrics and listed separately. Everything is kept in `BTreeMap`s and sorted,
//! so the same input always gives the same report.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::metrics::{self, MetricSet, MetricValue};
use crate::model::{PredictionRecord, RunInfo};

/// Level of the metric rows: per frame / image (video-level aggregation is not done yet).
pub const LEVEL_FRAME: &str = "frame";
/// Slice name of the whole dataset.
pub const SLICE_ALL: &str = "all";
/// Perturbation charted when present (clean images).
pub const BASELINE_PERTURBATION: &str = "none";

/// One metric of one slice; one line of `metrics.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRow {
    /// The run id.
    pub run: String,
    pub detector: String,
    pub dataset: String,
    pub perturbation: String,
    /// `all` or `subset=<name>`.
    pub slice: String,
    /// `frame`.
    pub level: String,
    /// `acc`, `ap`, `auc` or `eer`.
    pub metric: String,
    pub value: Option<f64>,
    pub undefined_reason: Option<String>,
    pub n_real: u64,
    pub n_fake: u64,
}

impl MetricRow {
    /// The row's value as a [`MetricValue`].
    pub fn metric_value(&self) -> MetricValue {
        match self.value {
            Some(v) => MetricValue::Value(v),
            None => MetricValue::Undefined(self.undefined_reason.clone().unwrap_or_default()),
        }
    }
}

/// A prediction left out of the metrics.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FailureRecord {
    pub detector: String,
    pub dataset: String,
    pub perturbation: String,
    pub rel_path: String,
    pub kind: String,
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

/// The ROC chart of one dataset (slice `all`, baseline perturbation).
#[derive(Debug, Clone, PartialEq)]
pub struct RocChart {
    pub dataset: String,
    pub perturbation: String,
    pub series: Vec<RocSeries>,
}

/// Everything the renderers need, computed once.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Sorted by detector, dataset, perturbation, slice, metric.
    pub rows: Vec<MetricRow>,
    /// Failed predictions per (detector, dataset, perturbation); only non-zero counts.
    pub failed_counts: BTreeMap<(String, String, String), u64>,
    /// All failed predictions, sorted.
    pub failures: Vec<FailureRecord>,
    /// One chart per dataset, datasets sorted by name; series ranked like the leaderboard.
    pub charts: Vec<RocChart>,
}

#[derive(Default)]
struct Slice {
    scores: Vec<f64>,
    labels: Vec<bool>,
}

impl Slice {
    fn push(&mut self, score: f64, fake: bool) {
        self.scores.push(score);
        self.labels.push(fake);
    }
}

#[derive(Default)]
struct Group {
    all: Slice,
    subsets: BTreeMap<String, Slice>,
}

type Key = (String, String, String);

/// The failure of a prediction that has no usable score, if it has none.
fn failure_of(p: &PredictionRecord) -> Option<FailureRecord> {
    let (kind, message) = match p.score {
        Some(s) if s.is_finite() => return None,
        Some(s) => (
            "invalid_score".to_string(),
            format!("detector returned score {s}"),
        ),
        None => (
            p.failure_kind
                .clone()
                .unwrap_or_else(|| "missing_score".to_string()),
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

/// Groups predictions; failed ones create their group and subset (so an all-failed slice shows
/// up as "no samples") but add no score.
fn group(predictions: &[PredictionRecord]) -> BTreeMap<Key, Group> {
    let mut groups: BTreeMap<Key, Group> = BTreeMap::new();
    for p in predictions {
        let key = (
            p.detector.clone(),
            p.dataset.clone(),
            p.perturbation.clone(),
        );
        let g = groups.entry(key).or_default();
        let subset = g.subsets.entry(p.subset.clone()).or_default();
        if let Some(score) = p.score.filter(|s| s.is_finite()) {
            let fake = p.is_fake();
            subset.push(score, fake);
            g.all.push(score, fake);
        }
    }
    groups
}

fn push_rows(rows: &mut Vec<MetricRow>, run: &RunInfo, key: &Key, slice: String, m: MetricSet) {
    let metrics = [("acc", m.acc), ("ap", m.ap), ("auc", m.auc), ("eer", m.eer)];
    for (name, value) in metrics {
        rows.push(MetricRow {
            run: run.run_id.clone(),
            detector: key.0.clone(),
            dataset: key.1.clone(),
            perturbation: key.2.clone(),
            slice: slice.clone(),
            level: LEVEL_FRAME.to_string(),
            metric: name.to_string(),
            value: value.value(),
            undefined_reason: value.undefined_reason().map(str::to_string),
            n_real: m.n_real,
            n_fake: m.n_fake,
        });
    }
}

/// Frame-level metric rows for every detector × dataset × perturbation × slice, sorted.
pub fn compute_metrics(run: &RunInfo, predictions: &[PredictionRecord]) -> Vec<MetricRow> {
    rows_of(run, &group(predictions))
}

fn rows_of(run: &RunInfo, groups: &BTreeMap<Key, Group>) -> Vec<MetricRow> {
    let mut rows = Vec::new();
    for (key, g) in groups {
        let all = metrics::frame_metrics(&g.all.scores, &g.all.labels);
        push_rows(&mut rows, run, key, SLICE_ALL.to_string(), all);
        for (name, s) in &g.subsets {
            let m = metrics::frame_metrics(&s.scores, &s.labels);
            push_rows(&mut rows, run, key, format!("subset={name}"), m);
        }
    }
    rows.sort_by(|a, b| {
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
    rows
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
fn chart_perturbation<'a>(perturbations: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let mut first: Option<&str> = None;
    for p in perturbations {
        if p == BASELINE_PERTURBATION {
            return Some(p);
        }
        first = Some(first.map_or(p, |f| f.min(p)));
    }
    first
}

fn roc_charts(groups: &BTreeMap<Key, Group>) -> Vec<RocChart> {
    let mut by_dataset: BTreeMap<&str, Vec<(&Key, &Group)>> = BTreeMap::new();
    for (key, g) in groups {
        by_dataset.entry(key.1.as_str()).or_default().push((key, g));
    }
    let mut charts = Vec::new();
    for (dataset, entries) in by_dataset {
        let Some(pert) = chart_perturbation(entries.iter().map(|(k, _)| k.2.as_str())) else {
            continue;
        };
        let mut series: Vec<RocSeries> = entries
            .iter()
            .filter(|(k, _)| k.2 == pert)
            .map(|(k, g)| RocSeries {
                detector: k.0.clone(),
                auc: metrics::auc(&g.all.scores, &g.all.labels),
                points: metrics::roc_points(&g.all.scores, &g.all.labels),
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
pub fn build_report(run: &RunInfo, predictions: &[PredictionRecord]) -> Report {
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
    let groups = group(predictions);
    Report {
        rows: rows_of(run, &groups),
        failed_counts,
        failures,
        charts: roc_charts(&groups),
    }
}
