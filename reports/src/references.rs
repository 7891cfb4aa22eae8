//! The reproduction check: a suite's published reference values (`[[reference]]`, see
//! `dfbench_benchmarks::suite::references`) against what the run measured.
//!
//! Each reference gets the measured value of its cell (detector × dataset × level × metric, on
//! clean images, perturbation `none`, slice `all`) with the report's interval, Δ = measured −
//! published, and a [`Mark`]: `reproduced` when |Δ| ≤ tolerance, `not reproduced` otherwise,
//! `no measurement` when the run has no value for the cell (dataset not run, level not
//! emitted, metric undefined), with the reason. Beside each sits the [`ProtocolStamp`]: what the
//! number was measured under (suite hash, the detector's preprocessing and fingerprint, the
//! checkpoint's sha256 when its card records one, the video aggregation of video levels).
//! [`ReferenceCheck::exit_code`] is `compare`'s convention: 0 when every checked reference is
//! reproduced, 1 otherwise (`no measurement` included: a reference that cannot be checked is
//! not reproduced).

pub mod render;

use std::collections::BTreeMap;

use dfbench_benchmarks::suite::ReferenceSpec;

use crate::model::RunInfo;
use crate::report::{BASELINE_PERTURBATION, LEVEL_CLIP, MetricRow, Report, SLICE_ALL};

/// Rounding slack of the tolerance comparison (a Δ of exactly the tolerance is reproduced).
const SLACK: f64 = 1e-9;

/// The outcome of one reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mark {
    Reproduced,
    NotReproduced,
    NoMeasurement,
}

impl Mark {
    pub fn as_str(self) -> &'static str {
        match self {
            Mark::Reproduced => "reproduced",
            Mark::NotReproduced => "not reproduced",
            Mark::NoMeasurement => "no measurement",
        }
    }
}

/// The mark of `measured` against `published` within the absolute `tolerance`.
pub fn mark(published: f64, measured: Option<f64>, tolerance: f64) -> Mark {
    match measured {
        None => Mark::NoMeasurement,
        Some(value) if (value - published).abs() <= tolerance + SLACK => Mark::Reproduced,
        Some(_) => Mark::NotReproduced,
    }
}

/// What the caller knows of a detector's protocol beyond its fingerprint (from its card).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DetectorProtocol {
    /// A one-line summary of the preprocessing (the card's, or the built-in's parameters).
    pub preprocessing: String,
    /// sha256 of the released checkpoint, when the card has a `[source]` table.
    pub checkpoint_sha256: Option<String>,
}

/// What a measured value was measured under.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ProtocolStamp {
    pub suite_hash: String,
    pub detector_fingerprint: String,
    pub preprocessing: String,
    pub checkpoint_sha256: Option<String>,
    /// How video scores were made, for video levels; `None` otherwise.
    pub video_aggregation: Option<String>,
}

/// One reference and its outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceResult {
    pub detector: String,
    pub dataset: String,
    pub level: String,
    pub metric: String,
    pub published: f64,
    pub kind: String,
    pub source: String,
    pub tolerance: f64,
    pub measured: Option<f64>,
    pub interval: Option<(f64, f64)>,
    /// measured − published.
    pub delta: Option<f64>,
    pub mark: Mark,
    /// Why there is no measurement.
    pub reason: Option<String>,
    pub stamp: ProtocolStamp,
}

/// Every checked reference of a run, and the lines about those not checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReferenceCheck {
    pub results: Vec<ReferenceResult>,
    /// References left out, e.g. of a detector not in the suite: one line per group, each
    /// saying it is not checked.
    pub unchecked: Vec<String>,
}

impl ReferenceCheck {
    /// How many results have `mark`.
    pub fn count(&self, mark: Mark) -> usize {
        self.results.iter().filter(|r| r.mark == mark).count()
    }

    /// 0 when every result is reproduced, 1 when any is not (or has no measurement).
    pub fn exit_code(&self) -> u8 {
        u8::from(self.results.iter().any(|r| r.mark != Mark::Reproduced))
    }

    /// `2 references: 1 reproduced, 1 not reproduced, 0 no measurement`.
    pub fn summary(&self) -> String {
        format!(
            "{} reference{}: {} reproduced, {} not reproduced, {} no measurement",
            self.results.len(),
            if self.results.len() == 1 { "" } else { "s" },
            self.count(Mark::Reproduced),
            self.count(Mark::NotReproduced),
            self.count(Mark::NoMeasurement)
        )
    }
}

/// The measured value of a reference's cell, or why there is none.
fn measurement<'a>(
    rows: &'a [MetricRow],
    reference: &ReferenceSpec,
    metric: &str,
) -> Result<&'a MetricRow, String> {
    let cell: Vec<&MetricRow> = rows
        .iter()
        .filter(|r| r.detector == reference.detector && r.dataset == reference.dataset)
        .collect();
    if cell.is_empty() {
        return Err("the run scored no predictions of this detector on this dataset".to_string());
    }
    let clean: Vec<&MetricRow> = cell
        .into_iter()
        .filter(|r| r.perturbation == BASELINE_PERTURBATION && r.slice == SLICE_ALL)
        .collect();
    if clean.is_empty() {
        return Err("the run has no clean (`none`) perturbation for this cell".to_string());
    }
    let Some(row) = clean
        .iter()
        .find(|r| r.level == reference.level && r.metric == metric)
    else {
        let mut levels: Vec<&str> = clean.iter().map(|r| r.level.as_str()).collect();
        levels.dedup();
        return Err(format!(
            "no {} {metric} in the run (levels measured: {})",
            reference.level,
            levels.join(", ")
        ));
    };
    match row.value {
        Some(_) => Ok(row),
        None => Err(format!(
            "{metric} undefined: {}",
            row.undefined_reason.as_deref().unwrap_or("no value")
        )),
    }
}

/// The video aggregation of a video level: a clip detector's (the report's choice) or an
/// image detector's (mean frame score).
fn video_aggregation(report: &Report, reference: &ReferenceSpec) -> Option<String> {
    if !reference.level.starts_with("video") {
        return None;
    }
    let clips = report.rows.iter().any(|r| {
        r.detector == reference.detector && r.dataset == reference.dataset && r.level == LEVEL_CLIP
    });
    Some(if clips {
        report.options.video_aggregation.describe().to_string()
    } else {
        "frame → video: mean of the video's frame scores".to_string()
    })
}

/// Checks `references` against the report of `run`. References of a valid suite each have one
/// metric; one without is left out.
pub fn check_references(
    run: &RunInfo,
    report: &Report,
    references: &[&ReferenceSpec],
    protocols: &BTreeMap<String, DetectorProtocol>,
    unchecked: Vec<String>,
) -> ReferenceCheck {
    let results = references
        .iter()
        .filter_map(|reference| {
            let (metric, published) = reference.metric()?;
            let found = measurement(&report.rows, reference, metric);
            let (measured, interval, reason) = match &found {
                Ok(row) => (row.value, row.interval(), None),
                Err(reason) => (None, None, Some(reason.clone())),
            };
            let protocol = protocols.get(&reference.detector).cloned();
            let protocol = protocol.unwrap_or_default();
            let fingerprint = run
                .detectors
                .iter()
                .find(|d| d.name == reference.detector)
                .map(|d| d.fingerprint.clone())
                .unwrap_or_default();
            Some(ReferenceResult {
                detector: reference.detector.clone(),
                dataset: reference.dataset.clone(),
                level: reference.level.clone(),
                metric: metric.to_string(),
                published,
                kind: reference.kind.clone(),
                source: reference.source.clone(),
                tolerance: reference.tolerance(),
                measured,
                interval,
                delta: measured.map(|m| m - published),
                mark: mark(published, measured, reference.tolerance()),
                reason,
                stamp: ProtocolStamp {
                    suite_hash: run.suite_hash.clone(),
                    detector_fingerprint: fingerprint,
                    preprocessing: protocol.preprocessing,
                    checkpoint_sha256: protocol.checkpoint_sha256,
                    video_aggregation: video_aggregation(report, reference),
                },
            })
        })
        .collect();
    ReferenceCheck { results, unchecked }
}

#[cfg(test)]
mod tests;
