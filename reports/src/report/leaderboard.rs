//! The run's leaderboard: per perturbation × level, each detector's mean AUC / AP / EER over
//! the datasets where its AUC is defined (slice `all`), with a bootstrap interval of the mean
//! AUC, ranked by mean AUC (undefined last, ties by name).
//!
//! The interval of the mean: datasets are resampled independently, so averaging replicate `i`
//! of every dataset's AUC gives a replicate of the mean; its percentiles are the interval.
//! Means over different dataset sets are not comparable, so the `datasets` count is shown.

use std::collections::BTreeMap;

use crate::metrics::MetricValue;
use crate::metrics::bootstrap::interval_of;
use crate::report::rows::Computed;
use crate::report::{SLICE_ALL, rank_order};

/// One detector's line.
#[derive(Debug, Clone, PartialEq)]
pub struct LeaderboardEntry {
    /// 1-based.
    pub rank: usize,
    pub detector: String,
    pub mean_auc: MetricValue,
    pub auc_interval: Option<(f64, f64)>,
    pub mean_ap: MetricValue,
    pub mean_eer: MetricValue,
    /// Datasets averaged (those with a defined AUC).
    pub datasets: usize,
    /// AUC per dataset (the heatmap row).
    pub dataset_auc: BTreeMap<String, MetricValue>,
}

/// The leaderboard of one perturbation × level.
#[derive(Debug, Clone, PartialEq)]
pub struct Leaderboard {
    pub perturbation: String,
    pub level: String,
    pub entries: Vec<LeaderboardEntry>,
    /// Every dataset seen, sorted (the heatmap columns).
    pub datasets: Vec<String>,
}

#[derive(Default)]
struct Acc {
    auc: BTreeMap<String, MetricValue>,
    ap: Vec<f64>,
    eer: Vec<f64>,
}

fn mean(values: &[f64]) -> MetricValue {
    if values.is_empty() {
        MetricValue::Undefined("no dataset with both classes".to_string())
    } else {
        MetricValue::Value(values.iter().sum::<f64>() / values.len() as f64)
    }
}

/// Mean replicate across datasets; `None` unless every dataset has the same number of them.
fn mean_replicates(per_dataset: &[&Vec<f64>]) -> Option<Vec<f64>> {
    let len = per_dataset.first()?.len();
    if len == 0 || per_dataset.iter().any(|r| r.len() != len) {
        return None;
    }
    let k = per_dataset.len() as f64;
    Some(
        (0..len)
            .map(|i| per_dataset.iter().map(|r| r[i]).sum::<f64>() / k)
            .collect(),
    )
}

/// All leaderboards, sorted by perturbation then level.
pub fn leaderboards(computed: &Computed, confidence: f64) -> Vec<Leaderboard> {
    type BoardKey = (String, String);
    let mut boards: BTreeMap<BoardKey, BTreeMap<String, Acc>> = BTreeMap::new();
    for r in computed.rows.iter().filter(|r| r.slice == SLICE_ALL) {
        let key = (r.perturbation.clone(), r.level.clone());
        let acc = boards
            .entry(key)
            .or_default()
            .entry(r.detector.clone())
            .or_default();
        match (r.metric.as_str(), r.value) {
            ("auc", _) => {
                acc.auc.insert(r.dataset.clone(), r.metric_value());
            }
            ("ap", Some(v)) => acc.ap.push(v),
            ("eer", Some(v)) => acc.eer.push(v),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for ((perturbation, level), detectors) in boards {
        let mut datasets: Vec<String> = detectors
            .values()
            .flat_map(|a| a.auc.keys().cloned())
            .collect();
        datasets.sort();
        datasets.dedup();
        let mut entries: Vec<LeaderboardEntry> = detectors
            .into_iter()
            .map(|(detector, acc)| {
                let defined: Vec<(&String, f64)> = acc
                    .auc
                    .iter()
                    .filter_map(|(d, v)| v.value().map(|v| (d, v)))
                    .collect();
                let values: Vec<f64> = defined.iter().map(|(_, v)| *v).collect();
                let replicates: Vec<&Vec<f64>> = defined
                    .iter()
                    .filter_map(|(d, _)| {
                        let key = (
                            detector.clone(),
                            (*d).clone(),
                            perturbation.clone(),
                            level.clone(),
                        );
                        computed.auc_replicates.get(&key)
                    })
                    .collect();
                let auc_interval = (replicates.len() == defined.len())
                    .then(|| mean_replicates(&replicates))
                    .flatten()
                    .and_then(|r| interval_of(r, confidence));
                LeaderboardEntry {
                    rank: 0,
                    detector,
                    mean_auc: mean(&values),
                    auc_interval,
                    mean_ap: mean(&acc.ap),
                    mean_eer: mean(&acc.eer),
                    datasets: values.len(),
                    dataset_auc: acc.auc,
                }
            })
            .collect();
        entries.sort_by(|a, b| rank_order((&a.mean_auc, &a.detector), (&b.mean_auc, &b.detector)));
        for (i, e) in entries.iter_mut().enumerate() {
            e.rank = i + 1;
        }
        out.push(Leaderboard {
            perturbation,
            level,
            entries,
            datasets,
        });
    }
    out
}
