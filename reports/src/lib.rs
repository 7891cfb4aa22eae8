//! dfbench-reports: turns a finished run's predictions into metrics and human-readable reports.
//!
//! This crate owns:
//! - the metrics, as pure functions over `(scores, labels)` ([`metrics`]): AUC, AP, EER
//!   (DeepfakeBench and interpolated), ACC, real / fake accuracy, TPR@FPR, ROC points, with
//!   DeepfakeBench / scikit-learn definitions; video aggregation; stratified bootstrap
//!   intervals; DeLong variance and the paired DeLong test ([`metrics::delong`]);
//! - the report model ([`report`]): metric rows per detector × dataset × perturbation × level ×
//!   slice (all, subset, method, split, category), leaderboards, failure lists, ROC curves;
//! - charts ([`chart`], plotters with an embedded font), the CSV / JSON / Markdown / HTML
//!   renderers ([`render`]) and the polars exports ([`export`]), written by [`write_report`];
//! - the reproduction check of a suite's published reference values ([`references`]);
//! - run comparison with per-cell verdicts ([`compare`]) and run-series trends ([`history`]).
//!
//! It must not touch anything else: no model running, no network, no gRPC, no database. The
//! caller maps store rows into [`RunInfo`] / [`PredictionRecord`] and hands them in; the only
//! side effect is writing files into the given output directory.

pub mod chart;
pub mod compare;
pub mod error;
pub mod export;
pub mod history;
pub mod metrics;
pub mod model;
pub mod references;
pub mod render;
pub mod report;
pub mod robustness;
pub mod site;
mod write;

pub use compare::{
    CompareOptions, CompareOutcome, Comparison, HolmFamily, RunSide, compare_runs, write_comparison,
};
pub use error::ReportError;
pub use history::{History, HistoryRun, build_history, write_history};
pub use metrics::bootstrap::BootstrapConfig;
pub use metrics::delong::{AucVariance, PairedAucTest, delong_auc_variance, delong_paired_test};
pub use metrics::{METRIC_NAMES, MetricSet, MetricValue, frame_metrics, roc_points};
pub use model::{DatasetInfo, DetectorInfo, PredictionRecord, RunInfo, WorkerInfo};
pub use references::{DetectorProtocol, Mark, ReferenceCheck, ReferenceResult, check_references};
pub use report::{
    MetricRow, Report, ReportOptions, VideoAggregation, build_report, compute_metrics,
};
pub use write::{ReportFiles, slug, write_built_report, write_report};
