//! `dfbench status`: workers, shards and throughput of the runs in a store, and a warning for
//! runs whose detectors no live worker can run.

use crate::args::StoreArgs;
use crate::output::outln;
use dfbench_coordinator::waiting::{ALIVE_MS, Liveness, waiting_reason};
use dfbench_store::{ProvenanceSummary, RunHistory, now_ms};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// How many recent runs to show.
    #[arg(long, default_value_t = 5)]
    pub runs: i64,
}

pub async fn execute(args: StatusArgs) -> anyhow::Result<ExitCode> {
    let store = args.store.open_existing().await?;
    let now = now_ms();
    let workers = store.workers().await?;
    let alive = workers
        .iter()
        .filter(|worker| Liveness::of(worker, now) == Liveness::Alive)
        .count();
    outln!("workers: {alive} alive, {} known", workers.len());
    for worker in &workers {
        let seen = (now - worker.now_ms) as f64 / 1000.0;
        outln!(
            "  {:<28} {:<8} seen {seen:>7.1}s ago  devices [{}]  capabilities [{}]  dfbench {}",
            worker.worker_id,
            Liveness::of(worker, now).as_str(),
            worker.devices.join(","),
            worker.capabilities.join(","),
            worker.dfbench_version
        );
    }
    let stats = store.cluster_stats(now - ALIVE_MS).await?;
    let shards: Vec<String> = stats
        .shards_by_state
        .iter()
        .map(|(state, n)| format!("{state} {n}"))
        .collect();
    outln!(
        "shards: {}",
        if shards.is_empty() {
            "none".to_string()
        } else {
            shards.join(", ")
        }
    );
    for run in store.list_runs(args.runs).await? {
        let progress = store.run_progress(&run.id).await?;
        let end = run.finished_at_ms.unwrap_or(now);
        let seconds = ((end - run.created_at_ms).max(1)) as f64 / 1000.0;
        outln!(
            "run {} ({}): {}  shards {}/{} done, {} failed  predictions {}/{} ({} failed)  {:.1} computed/s",
            run.id,
            run.name,
            run.status.as_str(),
            progress.shards_done,
            progress.shards_total,
            progress.shards_failed,
            progress.predictions,
            progress.predictions_expected,
            progress.prediction_failures,
            (progress.predictions - progress.predictions_reused) as f64 / seconds
        );
        outln!(
            "  predictions {} reused, {} computed{}",
            progress.predictions_reused,
            progress.predictions - progress.predictions_reused,
            history_label(&store.run_history(&run.id).await?)
        );
        for summary in store.shard_provenance(&run.id).await? {
            outln!("  {}", provenance_line(&summary));
        }
        if let Some(error) = &progress.error {
            outln!("  error: {error}");
        }
        if run.status.as_str() == "running"
            && let Some(reason) = waiting_reason(&run.requires, &workers, now)
        {
            outln!("  {reason}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `  partial (limit=50 seed=0)  tags [a, b]  promoted`, empty for a plain run.
pub fn history_label(history: &RunHistory) -> String {
    let mut label = String::new();
    if history.partial {
        label.push_str(&format!(
            "  partial ({})",
            history.sampling.as_deref().unwrap_or("sampled")
        ));
    }
    if !history.tags.is_empty() {
        label.push_str(&format!("  tags [{}]", history.tags.join(", ")));
    }
    if history.promoted_at_ms.is_some() {
        label.push_str("  promoted");
    }
    if !history.excluded_workers.is_empty() {
        label.push_str(&format!(
            "  excludes workers [{}]",
            history.excluded_workers.join(", ")
        ));
    }
    label
}

fn provenance_line(summary: &ProvenanceSummary) -> String {
    if summary.worker_id.is_empty() {
        return format!("{} shard(s) fully reused, no worker", summary.shards);
    }
    let provenance = &summary.provenance;
    let or_none = |text: &str| {
        if text.is_empty() {
            "none".to_string()
        } else {
            text.to_string()
        }
    };
    format!(
        "{} shard(s) by {} in {} lease(s): device {}, libtorch {}, cuda {}, batch {}",
        summary.shards,
        summary.worker_id,
        summary.leases,
        or_none(&provenance.device),
        or_none(&provenance.libtorch),
        or_none(&provenance.cuda),
        provenance.batch_size
    )
}
