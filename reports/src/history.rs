//! History of a named run series (e.g. the nightly job): the AUC and failure rate of every
//! detector × dataset × perturbation (slice `all`) across runs, as trend charts and tables.
//! Each detector is charted on its own unit: frames for image detectors, clips for clip
//! detectors (which score no frame alone); the series says which ([`Series::label`]).
//!
//! The caller hands in the runs oldest first, each with its AUCs and failure rates: read from
//! the run's stored metrics (the failure count is stored as the metric [`FAILED_METRIC`]), or
//! recomputed from its predictions with [`aucs_from_predictions`].

mod chart;
mod html;
mod write;

use std::collections::{BTreeMap, BTreeSet};

use crate::metrics;
use crate::model::{PredictionRecord, RunInfo};
pub use crate::report::{LEVEL_CLIP, LEVEL_FRAME};
pub use chart::trend_svg;
pub use write::{HistoryFiles, write_history};

/// The stored "metric" holding a slice's count of failed predictions (its `n_real` / `n_fake`
/// are the scored ones), so that history shows failure rates without loading predictions.
pub const FAILED_METRIC: &str = "failed";

/// The AUC of one detector × dataset × perturbation (slice `all`) in one run, on the detector's
/// own unit.
#[derive(Debug, Clone, PartialEq)]
pub struct CellAuc {
    pub detector: String,
    pub dataset: String,
    pub perturbation: String,
    /// [`LEVEL_FRAME`] for image detectors, [`LEVEL_CLIP`] for clip detectors.
    pub level: String,
    /// `None` when undefined (e.g. one class only).
    pub auc: Option<f64>,
    /// Failed predictions in percent of all; `None` when unknown (metrics stored before failure
    /// counts were).
    pub failure_rate: Option<f64>,
}

/// `failed` in percent of `failed + scored`; `None` without predictions.
pub fn failure_rate(failed: u64, scored: u64) -> Option<f64> {
    let total = failed + scored;
    (total > 0).then(|| 100.0 * failed as f64 / total as f64)
}

/// One run of the series with its AUCs.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRun {
    pub run: RunInfo,
    pub aucs: Vec<CellAuc>,
}

/// One detector's AUC over the runs of one dataset × perturbation.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub detector: String,
    /// The unit the AUC is computed on ([`LEVEL_FRAME`] or [`LEVEL_CLIP`]).
    pub level: String,
    /// One entry per run of [`History::runs`]; `None` where the run lacks the cell.
    pub points: Vec<Option<f64>>,
    /// Failure rates (percent), one entry per run; `None` where the run lacks the cell or its
    /// failure count is unknown.
    pub failure_rates: Vec<Option<f64>>,
}

impl Series {
    /// The detector's name, with its unit when that is not the frame (`temporal (clips)`).
    pub fn label(&self) -> String {
        if self.level == LEVEL_FRAME {
            self.detector.clone()
        } else {
            format!("{} ({}s)", self.detector, self.level)
        }
    }
}

/// The trend of one dataset × perturbation: one series per detector, sorted by name.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    pub dataset: String,
    pub perturbation: String,
    /// The perturbation charted for this dataset (`none` when present, else the first).
    pub charted: bool,
    pub series: Vec<Series>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub name: String,
    /// Oldest first.
    pub runs: Vec<RunInfo>,
    /// Sorted by dataset, perturbation.
    pub trends: Vec<Trend>,
}

/// AUC (slice `all`) per detector × dataset × perturbation of one run's predictions, on frames
/// for image detectors and on clips for clip detectors (records with a clip index); failed
/// predictions are left out as in the report.
pub fn aucs_from_predictions(predictions: &[PredictionRecord]) -> Vec<CellAuc> {
    crate::report::rows::group(predictions)
        .into_iter()
        .map(|((detector, dataset, perturbation), records)| {
            let level = if records.iter().any(|r| r.clip_index.is_some()) {
                LEVEL_CLIP
            } else {
                LEVEL_FRAME
            };
            let (scores, labels): (Vec<f64>, Vec<bool>) = records
                .iter()
                .filter_map(|r| r.score.filter(|s| s.is_finite()).map(|s| (s, r.is_fake())))
                .unzip();
            let failed = (records.len() - scores.len()) as u64;
            CellAuc {
                detector,
                dataset,
                perturbation,
                level: level.to_string(),
                auc: metrics::auc(&scores, &labels).value(),
                failure_rate: failure_rate(failed, scores.len() as u64),
            }
        })
        .collect()
}

/// Arranges the runs' AUCs into one trend per dataset × perturbation.
pub fn build_history(name: &str, runs: Vec<HistoryRun>) -> History {
    type TrendKey = (String, String);
    let mut trends: BTreeMap<TrendKey, BTreeMap<(String, String), Series>> = BTreeMap::new();
    for (index, run) in runs.iter().enumerate() {
        for cell in &run.aucs {
            let key = (cell.dataset.clone(), cell.perturbation.clone());
            let series = trends
                .entry(key)
                .or_default()
                .entry((cell.detector.clone(), cell.level.clone()))
                .or_insert_with(|| Series {
                    detector: cell.detector.clone(),
                    level: cell.level.clone(),
                    points: vec![None; runs.len()],
                    failure_rates: vec![None; runs.len()],
                });
            series.points[index] = cell.auc;
            series.failure_rates[index] = cell.failure_rate;
        }
    }
    let mut perturbations: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (dataset, perturbation) in trends.keys() {
        perturbations
            .entry(dataset)
            .or_default()
            .insert(perturbation);
    }
    let charted: BTreeSet<(String, String)> = perturbations
        .iter()
        .filter_map(|(dataset, perts)| {
            let pert = crate::report::chart_perturbation(perts.iter().copied())?;
            Some((dataset.to_string(), pert.to_string()))
        })
        .collect();
    let trends = trends
        .into_iter()
        .map(|((dataset, perturbation), by_detector)| Trend {
            charted: charted.contains(&(dataset.clone(), perturbation.clone())),
            series: by_detector.into_values().collect(),
            dataset,
            perturbation,
        })
        .collect();
    History {
        name: name.to_string(),
        runs: runs.into_iter().map(|r| r.run).collect(),
        trends,
    }
}
