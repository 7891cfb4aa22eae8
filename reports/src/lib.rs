//! dfbench-reports: turns a finished run's predictions into metrics and human-readable reports.
//!
//! This crate owns:
//! - the metrics, as pure functions over `(scores, labels)` ([`metrics`]): AUC, AP, EER and ACC
//!   with DeepfakeBench / scikit-learn definitions, and ROC points;
//! - the report model ([`report`]): metric rows per detector × dataset × perturbation × slice,
//!   failure lists, ROC curves;
//! - charts ([`chart`], plotters with an embedded font) and the CSV / Markdown / HTML renderers
//!   ([`render`]), written by [`write_report`].
//!
//! It must not touch anything else: no model running, no network, no gRPC, no database. The
//! caller maps store rows into [`RunInfo`] / [`PredictionRecord`] and hands them in; the only
//! side effect is writing files into the given output directory.

pub mod chart;
pub mod error;
pub mod metrics;
pub mod model;
pub mod render;
pub mod report;
mod write;

pub use error::ReportError;
pub use metrics::{MetricSet, MetricValue, frame_metrics, roc_points};
pub use model::{DatasetInfo, DetectorInfo, PredictionRecord, RunInfo};
pub use report::{MetricRow, Report, build_report, compute_metrics};
pub use write::{ReportFiles, write_report};
