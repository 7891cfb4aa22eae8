//! Input types of the report: plain data that the caller (the CLI, from the store) fills in.
//!
//! Nothing here reads files or a database; the lead maps store rows into these structs and hands
//! them to [`crate::write_report`] / [`crate::compute_metrics`].

use dfbench_benchmarks::FailureKind;
pub use dfbench_benchmarks::suite::AbsentSet;
use serde::{Deserialize, Serialize};

/// Provenance of one benchmark run, shown in the report header.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInfo {
    pub run_id: String,
    pub name: String,
    pub suite_name: String,
    pub suite_hash: String,
    pub dfbench_version: String,
    pub status: String,
    /// RFC 3339 timestamp or any display text; printed verbatim (the only time in the report).
    pub created_at: String,
    pub datasets: Vec<DatasetInfo>,
    /// Datasets the suite names but marks absent (e.g. a set the paper names and the release
    /// lacks), with the reason: listed as absent, never scored as zero.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub absent: Vec<AbsentSet>,
    pub detectors: Vec<DetectorInfo>,
    /// The workers that scored the run's predictions (provenance: devices, capabilities).
    pub workers: Vec<WorkerInfo>,
    /// Outcomes this run took from earlier runs instead of computing them (content-keyed
    /// reuse, e.g. the rerun of an interrupted run), per computing run; most first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub carried_over: Vec<CarriedOver>,
}

/// Outcomes (predictions and clip outcomes) of the run copied from one earlier run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarriedOver {
    /// The run that computed them.
    pub run_id: String,
    pub outcomes: u64,
}

impl CarriedOver {
    /// Counts `predictions` by the run each was copied from, most first (ties by run id).
    pub fn count(predictions: &[PredictionRecord]) -> Vec<CarriedOver> {
        let mut counts: std::collections::BTreeMap<&str, u64> = Default::default();
        for source in predictions.iter().filter_map(|p| p.reused_from.as_deref()) {
            *counts.entry(source).or_default() += 1;
        }
        let mut carried: Vec<CarriedOver> = counts
            .into_iter()
            .map(|(run_id, outcomes)| CarriedOver {
                run_id: run_id.to_string(),
                outcomes,
            })
            .collect();
        carried.sort_by(|a, b| b.outcomes.cmp(&a.outcomes).then(a.run_id.cmp(&b.run_id)));
        carried
    }

    /// `48 outcomes carried over from earlier runs (not recomputed): 48 from run r-1`, or
    /// `None` when the run computed everything itself.
    pub fn describe(carried: &[CarriedOver]) -> Option<String> {
        let sum: u64 = carried.iter().map(|c| c.outcomes).sum();
        if sum == 0 {
            return None;
        }
        let sources: Vec<String> = carried
            .iter()
            .map(|c| format!("{} from run {}", c.outcomes, c.run_id))
            .collect();
        let noun = if sum == 1 { "outcome" } else { "outcomes" };
        Some(format!(
            "{sum} {noun} carried over from earlier runs (not recomputed): {}",
            sources.join(", ")
        ))
    }
}

/// One worker that scored predictions of the run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerInfo {
    pub worker_id: String,
    pub hostname: String,
    pub dfbench_version: String,
    /// e.g. `cuda:0`, `cpu`.
    pub devices: Vec<String>,
    /// e.g. `builtin`, `torch`, `cuda`.
    pub capabilities: Vec<String>,
    /// Predictions of this run the worker delivered.
    pub predictions: u64,
}

/// One dataset of the run, its content fingerprint and how its images were decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetInfo {
    pub name: String,
    pub fingerprint: String,
    pub samples: u64,
    /// `apply` or `ignore`: whether the EXIF Orientation tag was applied when decoding
    /// (OpenCV's rule for DeepfakeBench layouts, PIL's for the others); empty when unknown.
    #[serde(default)]
    pub exif_orientation: String,
    /// The decode limit in pixels (width × height); 0 when unknown.
    #[serde(default)]
    pub max_pixels: u64,
}

impl DatasetInfo {
    /// `exif_orientation apply, max_pixels 64000000` (what is known of it), for provenance.
    pub fn decoding(&self) -> String {
        let orientation = if self.exif_orientation.is_empty() {
            "unknown"
        } else {
            &self.exif_orientation
        };
        if self.max_pixels == 0 {
            format!("exif_orientation {orientation}")
        } else {
            format!(
                "exif_orientation {orientation}, max_pixels {}",
                self.max_pixels
            )
        }
    }
}

/// One detector of the run and its fingerprint (weights + code + config).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetectorInfo {
    pub name: String,
    pub fingerprint: String,
}

/// One detector's output on one sample (image / frame) under one perturbation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PredictionRecord {
    pub detector: String,
    pub dataset: String,
    pub subset: String,
    pub perturbation: String,
    pub rel_path: String,
    pub video_key: String,
    /// 0 = real, ≥ 1 = fake (as DeepfakeBench `get_test_metrics`).
    pub label: i64,
    pub method: String,
    /// e.g. `FF-DF`; also the fallback source of [`PredictionRecord::category`].
    pub label_group: String,
    /// e.g. `test`; `split=<s>` slices exist when a dataset has two splits or more.
    pub split: String,
    /// Method category for category means (DF40: `FS`, `FR`, `EFS`, `FE`); empty = derive it
    /// from `label_group` / `method` (see `report::category`).
    pub category: String,
    /// Worker that scored the sample (empty when unknown).
    pub worker_id: String,
    /// Set for a clip detector's outcome: the clip's number in its video (`rel_path` then names
    /// the clip, `<video_key>#clip<N>`); `None` for an image detector's frame or image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clip_index: Option<i64>,
    /// Probability of "fake"; `None` when the prediction failed.
    pub score: Option<f64>,
    pub failure_kind: Option<FailureKind>,
    pub failure_message: Option<String>,
    /// The earlier run that computed this outcome, when the run copied it (content-keyed
    /// reuse); `None` when the run computed it itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reused_from: Option<String>,
}

impl PredictionRecord {
    /// True when the sample is labelled fake (any label ≥ 1).
    pub fn is_fake(&self) -> bool {
        dfbench_benchmarks::Label::from_i64(self.label) == dfbench_benchmarks::Label::Fake
    }
}
