//! Input types of the report: plain data that the caller (the CLI, from the store) fills in.
//!
//! Nothing here reads files or a database; the lead maps store rows into these structs and hands
//! them to [`crate::write_report`] / [`crate::compute_metrics`].

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
    pub detectors: Vec<DetectorInfo>,
}

/// One dataset of the run and its content fingerprint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetInfo {
    pub name: String,
    pub fingerprint: String,
    pub samples: u64,
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
    /// Probability of "fake"; `None` when the prediction failed.
    pub score: Option<f64>,
    pub failure_kind: Option<String>,
    pub failure_message: Option<String>,
}

impl PredictionRecord {
    /// True when the sample is labelled fake (any label ≥ 1).
    pub fn is_fake(&self) -> bool {
        dfbench_benchmarks::Label::from_i64(self.label) == dfbench_benchmarks::Label::Fake
    }
}
