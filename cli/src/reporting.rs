//! Turning a stored run into a report: load it, compute and store metrics, write the folder.
//!
//! Store rows map one to one onto `dfbench_reports` inputs (the category is derived by the
//! reports crate from the label group and method). The workers that scored the run are the store's workers whose id appears in
//! the run's predictions, with their prediction counts.

use crate::output::outln;
use anyhow::Context;
use dfbench_reports::history::FAILED_METRIC;
use dfbench_reports::model::{
    CarriedOver, DatasetInfo, DetectorInfo, PredictionRecord, RunInfo, WorkerInfo,
};
use dfbench_reports::{MetricRow, ReportOptions};
use dfbench_store::{MetricRecord, RunDetails, RunId, Store};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Which part of the run a report covers; empty lists mean everything.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    pub detectors: Vec<String>,
    pub datasets: Vec<String>,
    /// `frame`, `clip`, or a video level (`video`, `video-max`, `video-dfb`).
    pub level: Option<String>,
    pub metrics: Vec<String>,
    /// Not a filter: how clip detectors' video rows are made (stored, labelled by level).
    pub video_aggregation: dfbench_reports::VideoAggregation,
}

impl ReportFilter {
    /// True when nothing is filtered out (then the metrics are stored with the run).
    pub fn is_empty(&self) -> bool {
        self.detectors.is_empty()
            && self.datasets.is_empty()
            && self.level.is_none()
            && self.metrics.is_empty()
    }

    fn keeps_prediction(&self, p: &PredictionRecord) -> bool {
        (self.detectors.is_empty() || self.detectors.contains(&p.detector))
            && (self.datasets.is_empty() || self.datasets.contains(&p.dataset))
    }

    fn keeps_row(&self, r: &MetricRow) -> bool {
        self.level.as_ref().is_none_or(|l| *l == r.level)
            && (self.metrics.is_empty() || self.metrics.contains(&r.metric))
    }
}

/// The store's workers that delivered predictions of this run, with their counts.
fn run_workers(
    all: Vec<dfbench_store::WorkerRecord>,
    predictions: &[PredictionRecord],
) -> Vec<WorkerInfo> {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for p in predictions.iter().filter(|p| !p.worker_id.is_empty()) {
        *counts.entry(p.worker_id.as_str()).or_default() += 1;
    }
    let mut workers: Vec<WorkerInfo> = all
        .into_iter()
        .filter_map(|w| {
            let predictions = *counts.get(w.worker_id.as_str())?;
            Some(WorkerInfo {
                worker_id: w.worker_id,
                hostname: w.hostname,
                dfbench_version: w.dfbench_version,
                devices: w.devices,
                capabilities: w.capabilities,
                predictions,
            })
        })
        .collect();
    workers.sort_by(|a, b| a.worker_id.cmp(&b.worker_id));
    workers
}

pub struct WrittenReport {
    pub folder: PathBuf,
    pub leaderboard: String,
    /// The reproduction check, when the run's suite has references.
    pub references: Option<dfbench_reports::ReferenceCheck>,
}

/// The report's view of a stored run (without workers: they come from its predictions).
pub fn run_info(details: &RunDetails) -> RunInfo {
    RunInfo {
        run_id: details.run.id.0.clone(),
        name: details.run.name.clone(),
        suite_name: details.run.suite_name.clone(),
        suite_hash: details.run.suite_hash.clone(),
        dfbench_version: details.run.dfbench_version.clone(),
        status: details.run.status.as_str().to_string(),
        created_at: dfbench_coordinator::planner::format_utc(details.run.created_at_ms),
        datasets: details
            .datasets
            .iter()
            .map(|dataset| DatasetInfo {
                name: dataset.name.clone(),
                fingerprint: dataset.fingerprint.clone(),
                samples: dataset.samples.max(0) as u64,
                exif_orientation: dataset.exif_orientation.clone(),
                max_pixels: u64::try_from(dataset.max_pixels).unwrap_or(0),
            })
            .collect(),
        absent: absent_sets(details),
        detectors: details
            .detectors
            .iter()
            .map(|detector| DetectorInfo {
                name: detector.name.clone(),
                fingerprint: detector.fingerprint.clone().unwrap_or_default(),
            })
            .collect(),
        workers: Vec::new(),
        carried_over: Vec::new(),
    }
}

/// The sets the run's suite marks absent, from its stored suite text.
fn absent_sets(details: &RunDetails) -> Vec<dfbench_reports::model::AbsentSet> {
    match dfbench_benchmarks::Suite::parse(&details.run.suite_toml, "the run's stored suite") {
        Ok(suite) => suite.absent_sets(),
        Err(error) => {
            tracing::warn!(run = %details.run.id.0, %error, "cannot list the run's absent datasets");
            Vec::new()
        }
    }
}

/// Prints the reproduction check's short table and returns its exit code: 0 when every
/// checked reference is reproduced, 1 when any is not reproduced or has no measurement (the
/// reason is printed beside it). An error (exit 2) when nothing could be checked.
pub fn print_reference_check(report: &WrittenReport) -> anyhow::Result<ExitCode> {
    let Some(check) = &report.references else {
        anyhow::bail!("--check-references: the run's suite has no [[reference]] entries");
    };
    if check.results.is_empty() {
        anyhow::bail!(
            "--check-references: no reference could be checked:\n  {}",
            check.unchecked.join("\n  ")
        );
    }
    outln!("\nreferences:");
    outln!("{}", dfbench_reports::references::render::terminal(check));
    Ok(ExitCode::from(check.exit_code()))
}

/// The reproduction check of the run's stored suite, `None` when it has no references.
/// References outside `filter` (detector, dataset, level or metric left out) are not checked.
async fn reference_check(
    store: &dyn Store,
    run_id: &str,
    run: &RunInfo,
    report: &dfbench_reports::Report,
    filter: &ReportFilter,
) -> anyhow::Result<Option<dfbench_reports::ReferenceCheck>> {
    let details = store.run(&RunId(run_id.to_string())).await?;
    // A stored suite this version cannot read (an old run) has no references to check; its
    // report is still written.
    let suite =
        match dfbench_benchmarks::Suite::parse(&details.run.suite_toml, "the run's stored suite") {
            Ok(suite) => suite,
            Err(error) => {
                tracing::warn!(run = %run_id, %error, "cannot read the run's references");
                return Ok(None);
            }
        };
    if suite.references.is_empty() {
        return Ok(None);
    }
    let mut unchecked = suite.reference_warnings();
    let (kept, left_out): (Vec<_>, Vec<_>) =
        suite
            .active_references()
            .into_iter()
            .partition(|reference| {
                let metric = reference.metric().map(|(metric, _)| metric.to_string());
                (filter.detectors.is_empty() || filter.detectors.contains(&reference.detector))
                    && (filter.datasets.is_empty() || filter.datasets.contains(&reference.dataset))
                    && filter.level.as_ref().is_none_or(|l| *l == reference.level)
                    && (filter.metrics.is_empty()
                        || metric.is_some_and(|m| filter.metrics.contains(&m)))
            });
    if !left_out.is_empty() {
        unchecked.push(match left_out.len() {
            1 => "1 [[reference]] entry falls outside the report's filter: not checked".to_string(),
            n => format!("{n} [[reference]] entries fall outside the report's filter: not checked"),
        });
    }
    let protocols = details
        .detectors
        .iter()
        .map(|detector| (detector.name.clone(), detector_protocol(detector)))
        .collect();
    Ok(Some(dfbench_reports::check_references(
        run, report, &kept, &protocols, unchecked,
    )))
}

/// A detector's preprocessing summary and checkpoint hash, from its stored card.
pub(crate) fn detector_protocol(
    detector: &dfbench_store::DetectorRecord,
) -> dfbench_reports::DetectorProtocol {
    let Some(text) = &detector.card else {
        return dfbench_reports::DetectorProtocol {
            preprocessing: format!(
                "built-in `{}` (its parameters are its fingerprint)",
                detector.builtin
            ),
            checkpoint_sha256: None,
        };
    };
    match dfbench_benchmarks::card::DetectorCard::parse(text, &detector.name) {
        Ok(card) => dfbench_reports::DetectorProtocol {
            preprocessing: with_interpolation(&card),
            checkpoint_sha256: card.source.map(|source| source.checkpoint_sha256),
        },
        Err(error) => dfbench_reports::DetectorProtocol {
            preprocessing: format!("card unreadable: {error}"),
            checkpoint_sha256: None,
        },
    }
}

/// The card's preprocessing signature, naming the interpolation even when it is the default
/// (which the signature leaves out to keep old fingerprints).
fn with_interpolation(card: &dfbench_benchmarks::card::DetectorCard) -> String {
    let signature = card.preprocessing_signature();
    if signature.contains("interpolation=") {
        signature
    } else {
        format!("{signature};interpolation={}", card.interpolation)
    }
}

/// A clip outcome as a report record: its path names the clip and the frames it read.
fn clip_record(row: dfbench_store::ClipPredictionRow) -> PredictionRecord {
    let clip_index = row.clip_index;
    let as_sample = dfbench_store::PredictionRow {
        rel_path: clip_path(&row.video_key, clip_index, row.first_frame, row.last_frame),
        detector: row.detector,
        detector_fingerprint: row.detector_fingerprint,
        dataset: row.dataset,
        subset: row.subset,
        perturbation: row.perturbation,
        video_key: row.video_key,
        labels: row.labels,
        outcome: row.outcome,
    };
    record(as_sample, Some(clip_index))
}

/// A stored prediction (or a clip outcome named as one) as a report record.
fn record(row: dfbench_store::PredictionRow, clip_index: Option<i64>) -> PredictionRecord {
    PredictionRecord {
        detector: row.detector,
        dataset: row.dataset,
        subset: row.subset,
        perturbation: row.perturbation,
        rel_path: row.rel_path,
        video_key: row.video_key,
        label: row.labels.label,
        method: row.labels.method,
        label_group: row.labels.label_group,
        split: row.labels.split,
        category: String::new(),
        worker_id: row.outcome.worker_id,
        score: row.outcome.score,
        failure_kind: row.outcome.failure_kind,
        failure_message: row.outcome.failure_message,
        clip_index,
        reused_from: row.outcome.reused_from,
    }
}

/// `<video>#clip<N>:<first>-<last>`: how reports, exports and failure lists name a clip.
pub fn clip_path(video_key: &str, clip_index: i64, first_frame: i64, last_frame: i64) -> String {
    format!("{video_key}#clip{clip_index}:{first_frame}-{last_frame}")
}

pub async fn load(
    store: &dyn Store,
    run_id: &str,
) -> anyhow::Result<(RunInfo, Vec<PredictionRecord>)> {
    let run_id = RunId(run_id.to_string());
    let details = store.run(&run_id).await?;
    let predictions = store.predictions(&run_id).await?;
    let clips = store.clip_predictions(&run_id).await?;
    let run = run_info(&details);
    let predictions: Vec<PredictionRecord> = predictions
        .into_iter()
        .map(|row| record(row, None))
        .chain(clips.into_iter().map(clip_record))
        .collect();
    let workers = store
        .workers()
        .await
        .context("cannot list the workers that scored the run")?;
    let run = RunInfo {
        workers: run_workers(workers, &predictions),
        carried_over: CarriedOver::count(&predictions),
        ..run
    };
    Ok((run, predictions))
}

/// Computes metrics, stores them with the run, and writes `<out_root>/<run-id>/`.
pub async fn write(
    store: &dyn Store,
    run_id: &str,
    out_root: &Path,
) -> anyhow::Result<WrittenReport> {
    write_filtered(store, run_id, out_root, &ReportFilter::default()).await
}

/// As [`write`], restricted by `filter` (applied after loading; the store is not queried
/// differently). A filtered report does not replace the run's stored metrics.
pub async fn write_filtered(
    store: &dyn Store,
    run_id: &str,
    out_root: &Path,
    filter: &ReportFilter,
) -> anyhow::Result<WrittenReport> {
    let (run, mut predictions) = load(store, run_id).await?;
    predictions.retain(|p| filter.keeps_prediction(p));
    let options = ReportOptions {
        video_aggregation: filter.video_aggregation,
        ..ReportOptions::default()
    };
    let mut report = dfbench_reports::build_report(&run, &predictions, &options);
    if filter.is_empty() {
        keep_metrics(store, &RunId(run_id.to_string()), &metric_records(&report)).await?;
    } else {
        report.rows.retain(|r| filter.keeps_row(r));
        report
            .leaderboards
            .retain(|b| filter.level.as_ref().is_none_or(|l| *l == b.level));
    }
    report.references = reference_check(store, run_id, &run, &report, filter).await?;
    let folder = out_root.join(run_id);
    let files = dfbench_reports::write_built_report(&run, &predictions, &report, &folder)
        .with_context(|| format!("cannot write the report into {}", folder.display()))?;
    Ok(WrittenReport {
        folder,
        leaderboard: files.leaderboard_markdown,
        references: report.references,
    })
}

/// The rows a report stores with its run: every metric row with its 95% interval, plus each
/// slice's failure count once (beside its AUC), for `dfbench history` and the site.
fn metric_records(report: &dfbench_reports::Report) -> Vec<MetricRecord> {
    let record = |row: &MetricRow| MetricRecord {
        detector: row.detector.clone(),
        dataset: row.dataset.clone(),
        perturbation: row.perturbation.clone(),
        slice: row.slice.clone(),
        level: row.level.clone(),
        metric: row.metric.clone(),
        value: row.value,
        undefined_reason: row.undefined_reason.clone(),
        n_real: row.n_real as i64,
        n_fake: row.n_fake as i64,
        ci_low: row.ci_low,
        ci_high: row.ci_high,
        interval_stored: true,
    };
    let mut records: Vec<MetricRecord> = report.rows.iter().map(record).collect();
    let failed = report.rows.iter().filter(|row| row.metric == "auc");
    records.extend(failed.map(|row| MetricRecord {
        metric: FAILED_METRIC.to_string(),
        value: Some(row.n_failed as f64),
        undefined_reason: None,
        ci_low: None,
        ci_high: None,
        ..record(row)
    }));
    records
}

/// The run's stored metrics with their 95% intervals. A run whose metrics were never stored,
/// or were stored before intervals were (schema 0013), has them computed from its predictions
/// once, with the default report options, and stored; later calls read them as stored.
pub async fn stored_metrics(
    store: &dyn Store,
    run_id: &RunId,
) -> anyhow::Result<Vec<MetricRecord>> {
    let stored = store
        .metrics(run_id)
        .await
        .with_context(|| format!("cannot read the metrics of run {run_id}"))?;
    if !stored.is_empty() && stored.iter().all(|m| m.interval_stored) {
        return Ok(stored);
    }
    tracing::info!(run_id = %run_id, "computing the run's metrics with their intervals once");
    let (run, predictions) = load(store, &run_id.0).await?;
    let report = dfbench_reports::build_report(&run, &predictions, &ReportOptions::default());
    let records = metric_records(&report);
    if keep_metrics(store, run_id, &records).await? {
        Ok(store.metrics(run_id).await?)
    } else {
        Ok(records)
    }
}

/// Stores a run's metrics as just computed; returns whether they were stored. A database that
/// takes no writes (read-only: a replica, a `mode=ro` file; or full) does not stop a report:
/// the numbers are the same, computed from the stored predictions, and a warning says they
/// were not kept. Any other store error is an error.
async fn keep_metrics(
    store: &dyn Store,
    run_id: &RunId,
    records: &[MetricRecord],
) -> anyhow::Result<bool> {
    match store.replace_metrics(run_id, records).await {
        Ok(()) => Ok(true),
        Err(error) if error.is_fatal() => {
            let cause = error.fatal_cause().unwrap_or_else(|| error.to_string());
            eprintln!("warning: the metrics of run {run_id} were computed but not stored: {cause}");
            Ok(false)
        }
        Err(error) => {
            Err(anyhow::Error::new(error)
                .context(format!("cannot store the metrics of run {run_id}")))
        }
    }
}
