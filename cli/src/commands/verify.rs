//! `dfbench verify --run REF --fraction 0.01 --tolerance 1e-4`: re-scores a seeded, label-
//! stratified subset of a stored run on other workers and reports the largest score difference
//! per detector (MLPerf LoadGen's TEST01 idea: the same inputs scored again must give the same
//! outputs). The verification run has the original suite (detectors, perturbations), never
//! reuses predictions, and excludes every worker that produced the original predictions.
//!
//! Exit codes: 0 every difference within `--tolerance`; 1 a difference above it, or an outcome
//! that changed kind (score vs failure); 2 no other worker took the work within `--timeout-secs`.
//! Limitation: datasets under named roots (`--data-root NAME=PATH`) must resolve from the
//! original run's default data root, since named roots are not stored with a run.

use crate::args::{CoordinatorArgs, StoreArgs, connect};
use crate::local::LocalCluster;
use crate::output::outln;
use crate::progress;
use crate::refs::resolve_run_ref;
use dfbench_client::Client;
use dfbench_proto::v1::{CancelRunRequest, SubmitRunRequest};
use dfbench_reports::model::PredictionRecord;
use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Run to verify: id, id prefix, latest[:NAME], latest-good[:NAME], tag:X.
    #[arg(long)]
    pub run: String,
    /// Share of each dataset to re-score, stratified by label.
    #[arg(long, default_value_t = 0.01)]
    pub fraction: f64,
    /// Seed of the subset.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Largest acceptable |score difference|.
    #[arg(long, default_value_t = 1e-4)]
    pub tolerance: f64,
    /// Give up (exit 2) when the verification run is not finished after this long.
    #[arg(long, default_value_t = 600.0)]
    pub timeout_secs: f64,
    /// Local worker tasks (local mode only).
    #[arg(long, default_value_t = 1)]
    pub workers: usize,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Without --coordinator, a local coordinator and workers are started (their ids differ
    /// from any earlier process's workers).
    #[command(flatten)]
    pub coordinator: CoordinatorArgs,
}

pub async fn execute(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let store = args.store.open_existing().await?;
    let original = resolve_run_ref(store.as_ref(), &args.run).await?;
    let details = store.run(&original).await?;
    // Predictions and clip outcomes alike (clips are keyed by video, clip index and frames).
    let (_, original_rows) = crate::reporting::load(store.as_ref(), &original.0).await?;
    let producers: BTreeSet<String> = original_rows
        .iter()
        .map(|row| row.worker_id.clone())
        .filter(|worker| !worker.is_empty())
        .collect();
    let request = SubmitRunRequest {
        suite_toml: details.run.suite_toml.clone(),
        suite_origin: format!("suite of run {original}"),
        data_root: details.run.data_root.clone(),
        name: format!("verify-{original}"),
        tags: vec!["verify".to_string()],
        no_reuse: true,
        fraction: args.fraction,
        seed: args.seed,
        excluded_workers: producers.iter().cloned().collect(),
        ..Default::default()
    };
    eprintln!(
        "verifying {original} on workers other than [{}]",
        producers.iter().cloned().collect::<Vec<_>>().join(", ")
    );
    let timeout = Duration::from_secs_f64(args.timeout_secs.max(0.1));
    let finished = match &args.coordinator.coordinator {
        Some(url) => {
            let mut client = args.coordinator.connect(url).await?;
            rescore(&mut client, request, timeout).await?
        }
        None => {
            let mut cluster = LocalCluster::start(Arc::clone(&store), args.workers).await?;
            let mut client = connect(&cluster.coordinator.url(), None).await?;
            let finished = tokio::select! {
                finished = rescore(&mut client, request, timeout) => finished?,
                error = cluster.worker_failure() => return Err(error),
            };
            cluster.stop().await?;
            finished
        }
    };
    let Some(verification) = finished else {
        eprintln!(
            "no worker other than the original ones finished the verification within {:.0}s; start a worker with another --worker-id, or raise --timeout-secs",
            args.timeout_secs
        );
        return Ok(ExitCode::from(2));
    };
    let (_, rescored) = crate::reporting::load(store.as_ref(), &verification).await?;
    let verdict = compare(&original_rows, &rescored);
    outln!("verification run {verification} of {original}:");
    let mut failed = false;
    for (detector, summary) in &verdict {
        let over = summary.max_diff > args.tolerance || summary.changed_outcome > 0;
        failed |= over;
        outln!(
            "  {detector:<24} {} {}  max |diff| {:.3e}  outcome changed {}  {}",
            summary.compared,
            if summary.clips { "clips" } else { "samples" },
            summary.max_diff,
            summary.changed_outcome,
            if over { "ABOVE TOLERANCE" } else { "ok" }
        );
    }
    if verdict.is_empty() {
        anyhow::bail!(
            "the verification run shares no sample with {original}; use a larger --fraction"
        );
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Submits the verification run and follows it; None (after cancelling it) on timeout or
/// when it ended without every shard done.
async fn rescore(
    client: &mut Client,
    request: SubmitRunRequest,
    timeout: Duration,
) -> anyhow::Result<Option<String>> {
    let run_id = super::run::submit(client, request).await?;
    match tokio::time::timeout(timeout, progress::follow(client, &run_id)).await {
        Ok(last) => {
            let last = last?;
            Ok((last.status == "done" && last.shards_failed == 0).then_some(run_id))
        }
        Err(_) => {
            let _ = client
                .cancel_run(CancelRunRequest {
                    run_id: run_id.clone(),
                })
                .await;
            Ok(None)
        }
    }
}

#[derive(Debug, Default, PartialEq)]
struct DetectorVerdict {
    /// The detector scores clips (the units compared are clip outcomes).
    clips: bool,
    compared: usize,
    max_diff: f64,
    /// A score on one side, a failure on the other.
    changed_outcome: usize,
}

/// Per detector: outcomes of the same (dataset, perturbation, path) in both runs; a clip's path
/// names its video, clip index and frames, so only the same clip of the same frames compares.
fn compare(
    original: &[PredictionRecord],
    rescored: &[PredictionRecord],
) -> BTreeMap<String, DetectorVerdict> {
    let key = |row: &PredictionRecord| {
        (
            row.detector.clone(),
            row.dataset.clone(),
            row.perturbation.clone(),
            row.rel_path.clone(),
        )
    };
    let originals: BTreeMap<_, Option<f64>> =
        original.iter().map(|row| (key(row), row.score)).collect();
    let mut verdict: BTreeMap<String, DetectorVerdict> = BTreeMap::new();
    for row in rescored {
        let Some(before) = originals.get(&key(row)) else {
            continue;
        };
        let entry = verdict.entry(row.detector.clone()).or_default();
        entry.compared += 1;
        entry.clips |= row.clip_index.is_some();
        match (before, row.score) {
            (Some(before), Some(after)) => {
                entry.max_diff = entry.max_diff.max((before - after).abs())
            }
            (None, None) => {}
            _ => entry.changed_outcome += 1,
        }
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;
    use dfbench_benchmarks::FailureKind;

    fn row(detector: &str, path: &str, score: Option<f64>) -> PredictionRecord {
        PredictionRecord {
            detector: detector.into(),
            dataset: "d".into(),
            perturbation: "none".into(),
            rel_path: path.into(),
            video_key: path.into(),
            label: 1,
            score,
            failure_kind: score.is_none().then_some(FailureKind::DecodeError),
            worker_id: "w".into(),
            ..PredictionRecord::default()
        }
    }

    #[test]
    fn compares_shared_samples_per_detector() {
        let original = [
            row("a", "x", Some(0.5)),
            row("a", "y", Some(0.25)),
            row("b", "x", Some(0.5)),
            row("b", "y", None),
        ];
        let rescored = [
            row("a", "x", Some(0.5)),
            row("a", "y", Some(0.2)),
            row("b", "y", Some(0.1)),
            row("b", "z", Some(0.9)),
        ];
        let verdict = compare(&original, &rescored);
        assert_eq!(verdict["a"].compared, 2);
        assert!((verdict["a"].max_diff - 0.05).abs() < 1e-12);
        assert_eq!(
            verdict["b"],
            DetectorVerdict {
                clips: false,
                compared: 1,
                max_diff: 0.0,
                changed_outcome: 1
            }
        );
    }
}
