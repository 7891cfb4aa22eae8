//! Metric rows of every detector × dataset × perturbation × level × slice, with bootstrap
//! intervals, computed in parallel (rayon) and returned in a fixed order.
//!
//! Determinism: each slice's bootstrap stream is a hash of its key, the score table sorts the
//! scores, and rows are sorted at the end, so thread scheduling and input order never change
//! a byte of the output. Category rows (`category=<c>`) are the unweighted mean over the
//! category's `method=<m>` rows (DF40 style), without an interval.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::metrics::bootstrap::{BootstrapConfig, bootstrap, stream_of};
use crate::metrics::table::ScoreTable;
use crate::metrics::{METRIC_NAMES, MetricSet, MetricValue};
use crate::model::{PredictionRecord, RunInfo};
use crate::report::MetricRow;
use crate::report::slices::{LEVEL_CLIP, LEVEL_FRAME, SliceData, VideoAggregation, levels};

/// (detector, dataset, perturbation).
pub type GroupKey = (String, String, String);
/// (detector, dataset, perturbation, level).
pub type LevelKey = (String, String, String, String);

/// Rows plus the AUC bootstrap replicates of each `all` slice (for leaderboard means).
pub struct Computed {
    pub rows: Vec<MetricRow>,
    pub auc_replicates: BTreeMap<LevelKey, Vec<f64>>,
}

struct Item {
    key: LevelKey,
    slice: String,
    data: SliceData,
    /// The slice holds exactly the units of `all` (e.g. the only subset): reuse its rows
    /// instead of bootstrapping the same data twice.
    same_as_all: bool,
}

/// A slice's metrics, per-metric intervals (in `METRIC_NAMES` order) and AUC replicates.
type SliceResult = (MetricSet, Option<Vec<Option<(f64, f64)>>>, Vec<f64>);

/// Groups the predictions per detector × dataset × perturbation.
pub fn group(predictions: &[PredictionRecord]) -> BTreeMap<GroupKey, Vec<&PredictionRecord>> {
    let mut groups: BTreeMap<GroupKey, Vec<&PredictionRecord>> = BTreeMap::new();
    for p in predictions {
        let key = (
            p.detector.clone(),
            p.dataset.clone(),
            p.perturbation.clone(),
        );
        groups.entry(key).or_default().push(p);
    }
    groups
}

fn metric_set(item: &Item, config: &BootstrapConfig) -> SliceResult {
    let d = &item.data;
    let table = match ScoreTable::new(&d.scores, &d.labels) {
        Ok(table) => table,
        Err(reason) => {
            let reason = if d.scores.is_empty() && d.failed > 0 {
                let unit = match item.key.3.as_str() {
                    LEVEL_FRAME => "predictions",
                    LEVEL_CLIP => "clips",
                    _ => "videos",
                };
                format!("all {} {unit} failed", d.failed)
            } else {
                reason
            };
            return (MetricSet::undefined(&reason, 0, 0), None, Vec::new());
        }
    };
    let set = table.evaluate();
    let stream = stream_of(&format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
        item.key.0, item.key.1, item.key.2, item.key.3, item.slice
    ));
    match bootstrap(&table, config, stream) {
        Some(i) => (set, Some(i.bounds.to_vec()), i.auc_replicates),
        None => (set, None, Vec::new()),
    }
}

fn row(run: &RunInfo, key: &LevelKey, slice: &str, metric: &str, value: &MetricValue) -> MetricRow {
    MetricRow {
        run: run.run_id.clone(),
        detector: key.0.clone(),
        dataset: key.1.clone(),
        perturbation: key.2.clone(),
        slice: slice.to_string(),
        level: key.3.clone(),
        metric: metric.to_string(),
        value: value.value(),
        undefined_reason: value.undefined_reason().map(str::to_string),
        ci_low: None,
        ci_high: None,
        n_real: 0,
        n_fake: 0,
        n_failed: 0,
    }
}

fn rows_of(run: &RunInfo, item: &Item, config: &BootstrapConfig) -> (Vec<MetricRow>, Vec<f64>) {
    let (set, bounds, replicates) = metric_set(item, config);
    let rows = set
        .named()
        .iter()
        .enumerate()
        .map(|(i, (name, value))| {
            let mut r = row(run, &item.key, &item.slice, name, value);
            let interval = bounds.as_ref().and_then(|b| b.get(i).copied().flatten());
            (r.ci_low, r.ci_high) = (interval.map(|b| b.0), interval.map(|b| b.1));
            (r.n_real, r.n_fake, r.n_failed) = (set.n_real, set.n_fake, item.data.failed);
            r
        })
        .collect();
    (rows, replicates)
}

/// Category means from the `method=<m>` rows of one level key.
fn category_rows(
    run: &RunInfo,
    key: &LevelKey,
    method_category: &BTreeMap<String, String>,
    rows: &[MetricRow],
) -> Vec<MetricRow> {
    let mut by_category: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (method, category) in method_category {
        by_category.entry(category).or_default().push(method);
    }
    let mut out = Vec::new();
    for (category, methods) in by_category {
        let slice = format!("category={category}");
        for metric in METRIC_NAMES {
            let found: Vec<&MetricRow> = rows
                .iter()
                .filter(|r| r.metric == metric)
                .filter(|r| methods.iter().any(|m| r.slice == format!("method={m}")))
                .collect();
            let values: Option<Vec<f64>> = found.iter().map(|r| r.value).collect();
            let value = match values {
                Some(v) if !v.is_empty() => {
                    MetricValue::Value(v.iter().sum::<f64>() / v.len() as f64)
                }
                _ => MetricValue::Undefined("undefined for a method of the category".to_string()),
            };
            let mut r = row(run, key, &slice, metric, &value);
            r.n_fake = found.iter().map(|r| r.n_fake).sum();
            r.n_real = found.first().map_or(0, |r| r.n_real);
            r.n_failed = found.iter().map(|r| r.n_failed).sum();
            out.push(r);
        }
    }
    out
}

/// Every metric row of the run, sorted by detector, dataset, perturbation, level, slice, metric.
pub fn compute(
    run: &RunInfo,
    predictions: &[PredictionRecord],
    config: &BootstrapConfig,
    aggregation: VideoAggregation,
) -> Computed {
    let mut items = Vec::new();
    let mut categories: BTreeMap<LevelKey, BTreeMap<String, String>> = BTreeMap::new();
    // Slicing (video means, slice keys) is per group and independent: done in parallel, then
    // assembled in key order.
    let sliced_groups: Vec<(GroupKey, Vec<_>)> = group(predictions)
        .into_par_iter()
        .map(|(key, records)| {
            let sliced = levels(&records, aggregation);
            (key, sliced)
        })
        .collect();
    for ((detector, dataset, perturbation), sliced_levels) in sliced_groups {
        for (level, sliced) in sliced_levels {
            let key = (
                detector.clone(),
                dataset.clone(),
                perturbation.clone(),
                level.to_string(),
            );
            let all_units = sliced.slices.get("all").map(|a| (a.scores.len(), a.failed));
            for (slice, data) in sliced.slices {
                let units = (data.scores.len(), data.failed);
                let same_as_all = slice != "all" && all_units == Some(units);
                items.push(Item {
                    key: key.clone(),
                    slice,
                    data,
                    same_as_all,
                });
            }
            if !sliced.method_category.is_empty() {
                categories.insert(key, sliced.method_category);
            }
        }
    }
    let results: Vec<Option<(Vec<MetricRow>, Vec<f64>)>> = items
        .par_iter()
        .map(|item| (!item.same_as_all).then(|| rows_of(run, item, config)))
        .collect();
    let mut rows = Vec::new();
    let mut auc_replicates = BTreeMap::new();
    let mut all_rows: BTreeMap<&LevelKey, Vec<MetricRow>> = BTreeMap::new();
    for (item, result) in items.iter().zip(&results) {
        if let Some((item_rows, replicates)) = result
            && item.slice == "all"
        {
            all_rows.insert(&item.key, item_rows.clone());
            if !replicates.is_empty() {
                auc_replicates.insert(item.key.clone(), replicates.clone());
            }
        }
    }
    for (item, result) in items.iter().zip(results) {
        match result {
            Some((item_rows, _)) => rows.extend(item_rows),
            None => {
                let copies = all_rows.get(&item.key).cloned().unwrap_or_default();
                rows.extend(copies.into_iter().map(|mut r| {
                    r.slice = item.slice.clone();
                    r
                }));
            }
        }
    }
    let mut method_rows: BTreeMap<LevelKey, Vec<MetricRow>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.slice.starts_with("method=")) {
        let key = (
            r.detector.clone(),
            r.dataset.clone(),
            r.perturbation.clone(),
            r.level.clone(),
        );
        if categories.contains_key(&key) {
            method_rows.entry(key).or_default().push(r.clone());
        }
    }
    let mut extra = Vec::new();
    for (key, method_category) in &categories {
        let same_key = method_rows.get(key).map(Vec::as_slice).unwrap_or_default();
        extra.extend(category_rows(run, key, method_category, same_key));
    }
    rows.extend(extra);
    rows.sort_by(|a, b| {
        (
            &a.detector,
            &a.dataset,
            &a.perturbation,
            &a.level,
            &a.slice,
            &a.metric,
        )
            .cmp(&(
                &b.detector,
                &b.dataset,
                &b.perturbation,
                &b.level,
                &b.slice,
                &b.metric,
            ))
    });
    Computed {
        rows,
        auc_replicates,
    }
}
