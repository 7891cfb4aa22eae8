//! Turning a stored run into a report: load it, compute and store metrics, write the folder.

use anyhow::Context;
use dfbench_reports::model::{DatasetInfo, DetectorInfo, PredictionRecord, RunInfo, WorkerInfo};
use dfbench_store::{MetricRecord, RunId, Store};
use std::path::{Path, PathBuf};

pub struct WrittenReport {
    pub folder: PathBuf,
    pub leaderboard: String,
}

pub async fn load(
    store: &dyn Store,
    run_id: &str,
) -> anyhow::Result<(RunInfo, Vec<PredictionRecord>)> {
    let run_id = RunId(run_id.to_string());
    let details = store.run(&run_id).await?;
    let predictions = store.predictions(&run_id).await?;
    let run = RunInfo {
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
            })
            .collect(),
        detectors: details
            .detectors
            .iter()
            .map(|detector| DetectorInfo {
                name: detector.name.clone(),
                fingerprint: detector.fingerprint.clone().unwrap_or_default(),
            })
            .collect(),
        workers: workers_of(store, &predictions).await?,
    };
    let predictions = predictions
        .into_iter()
        .map(|row| PredictionRecord {
            detector: row.detector,
            dataset: row.dataset,
            subset: row.subset,
            perturbation: row.perturbation,
            rel_path: row.rel_path,
            video_key: row.video_key,
            label: row.label,
            method: row.method,
            label_group: row.label_group,
            split: row.split,
            category: String::new(),
            worker_id: row.worker_id,
            score: row.score,
            failure_kind: row.failure_kind,
            failure_message: row.failure_message,
        })
        .collect();
    Ok((run, predictions))
}

/// The workers that delivered this run's predictions, with how many each.
async fn workers_of(
    store: &dyn Store,
    predictions: &[dfbench_store::PredictionRow],
) -> anyhow::Result<Vec<WorkerInfo>> {
    let mut counts: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
    for row in predictions {
        *counts.entry(row.worker_id.as_str()).or_default() += 1;
    }
    let known = store.workers().await?;
    Ok(counts
        .into_iter()
        .map(|(worker_id, predictions)| {
            let record = known.iter().find(|worker| worker.worker_id == worker_id);
            WorkerInfo {
                worker_id: worker_id.to_string(),
                hostname: record.map(|r| r.hostname.clone()).unwrap_or_default(),
                dfbench_version: record
                    .map(|r| r.dfbench_version.clone())
                    .unwrap_or_default(),
                devices: record.map(|r| r.devices.clone()).unwrap_or_default(),
                capabilities: record.map(|r| r.capabilities.clone()).unwrap_or_default(),
                predictions,
            }
        })
        .collect())
}

/// Computes metrics, stores them with the run, and writes `<out_root>/<run-id>/`.
pub async fn write(
    store: &dyn Store,
    run_id: &str,
    out_root: &Path,
) -> anyhow::Result<WrittenReport> {
    let (run, predictions) = load(store, run_id).await?;
    let rows = dfbench_reports::compute_metrics(&run, &predictions);
    let records: Vec<MetricRecord> = rows
        .iter()
        .map(|row| MetricRecord {
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
        })
        .collect();
    store
        .replace_metrics(&RunId(run_id.to_string()), &records)
        .await
        .context("cannot store the run's metrics")?;
    let folder = out_root.join(run_id);
    let files = dfbench_reports::write_report(&run, &predictions, &folder)
        .with_context(|| format!("cannot write the report into {}", folder.display()))?;
    Ok(WrittenReport {
        folder,
        leaderboard: files.leaderboard_markdown,
    })
}
