//! `metrics.json`: the machine-readable report. Schema documented in `METRICS-SCHEMA.md`
//! (crate root); the `schema` field names its version. Key order is fixed by the structs and
//! floats print in shortest round-trip form, so the file is byte-identical for the same input.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::RunInfo;
use crate::report::{Leaderboard, Report};

/// Version tag written into the file.
pub const SCHEMA: &str = "dfbench-metrics/1";

#[derive(Serialize)]
struct Document<'a> {
    schema: &'static str,
    run: &'a RunInfo,
    options: Options,
    metrics: Vec<Metric<'a>>,
    leaderboards: Vec<Board<'a>>,
    failures: Failures<'a>,
    /// Only when the run's suite has references.
    #[serde(skip_serializing_if = "Option::is_none")]
    references: Option<crate::references::render::JsonCheck<'a>>,
}

#[derive(Serialize)]
struct Options {
    bootstrap_resamples: u32,
    bootstrap_seed: u64,
    confidence: f64,
}

#[derive(Serialize)]
struct Metric<'a> {
    detector: &'a str,
    dataset: &'a str,
    perturbation: &'a str,
    level: &'a str,
    slice: &'a str,
    metric: &'a str,
    value: Option<f64>,
    undefined_reason: Option<&'a str>,
    ci_low: Option<f64>,
    ci_high: Option<f64>,
    n_real: u64,
    n_fake: u64,
    n_failed: u64,
}

#[derive(Serialize)]
struct Board<'a> {
    perturbation: &'a str,
    level: &'a str,
    datasets: &'a [String],
    entries: Vec<Entry<'a>>,
}

#[derive(Serialize)]
struct Entry<'a> {
    rank: usize,
    detector: &'a str,
    mean_auc: Option<f64>,
    undefined_reason: Option<&'a str>,
    ci_low: Option<f64>,
    ci_high: Option<f64>,
    mean_ap: Option<f64>,
    mean_eer: Option<f64>,
    datasets: usize,
}

#[derive(Serialize)]
struct Failures<'a> {
    total: usize,
    by_kind: BTreeMap<&'a str, u64>,
    by_group: Vec<FailureGroup<'a>>,
}

#[derive(Serialize)]
struct FailureGroup<'a> {
    detector: &'a str,
    dataset: &'a str,
    perturbation: &'a str,
    count: u64,
}

fn board(b: &Leaderboard) -> Board<'_> {
    Board {
        perturbation: &b.perturbation,
        level: &b.level,
        datasets: &b.datasets,
        entries: b
            .entries
            .iter()
            .map(|e| Entry {
                rank: e.rank,
                detector: &e.detector,
                mean_auc: e.mean_auc.value(),
                undefined_reason: e.mean_auc.undefined_reason(),
                ci_low: e.auc_interval.map(|i| i.0),
                ci_high: e.auc_interval.map(|i| i.1),
                mean_ap: e.mean_ap.value(),
                mean_eer: e.mean_eer.value(),
                datasets: e.datasets,
            })
            .collect(),
    }
}

/// The document as pretty-printed JSON with a trailing newline.
pub fn render(run: &RunInfo, report: &Report) -> Result<String, serde_json::Error> {
    let mut by_kind: BTreeMap<&str, u64> = BTreeMap::new();
    for f in &report.failures {
        *by_kind.entry(f.kind.as_str()).or_default() += 1;
    }
    let doc = Document {
        schema: SCHEMA,
        run,
        options: Options {
            bootstrap_resamples: report.options.bootstrap.resamples,
            bootstrap_seed: report.options.bootstrap.seed,
            confidence: report.options.bootstrap.confidence,
        },
        metrics: report
            .rows
            .iter()
            .map(|r| Metric {
                detector: &r.detector,
                dataset: &r.dataset,
                perturbation: &r.perturbation,
                level: &r.level,
                slice: &r.slice,
                metric: &r.metric,
                value: r.value,
                undefined_reason: r.undefined_reason.as_deref(),
                ci_low: r.ci_low,
                ci_high: r.ci_high,
                n_real: r.n_real,
                n_fake: r.n_fake,
                n_failed: r.n_failed,
            })
            .collect(),
        leaderboards: report.leaderboards.iter().map(board).collect(),
        failures: Failures {
            total: report.failures.len(),
            by_kind,
            by_group: report
                .failed_counts
                .iter()
                .map(|((detector, dataset, perturbation), &count)| FailureGroup {
                    detector,
                    dataset,
                    perturbation,
                    count,
                })
                .collect(),
        },
        references: report
            .references
            .as_ref()
            .map(crate::references::render::json),
    };
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    Ok(text)
}
