//! `dfbench status`: workers, shards and throughput of the runs in a store, and a warning for
//! runs whose detectors no live worker can run.

use super::{DEFAULT_DATABASE_URL, open_store};
use dfbench_store::now_ms;
use std::process::ExitCode;

/// Workers seen within this window count as alive.
const ALIVE_MS: i64 = 30_000;

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    #[arg(long, default_value = DEFAULT_DATABASE_URL, env = "DFBENCH_DATABASE_URL")]
    pub database_url: String,
    /// How many recent runs to show.
    #[arg(long, default_value_t = 5)]
    pub runs: i64,
}

pub async fn execute(args: StatusArgs) -> anyhow::Result<ExitCode> {
    let store = open_store(&args.database_url).await?;
    let now = now_ms();
    let workers = store.workers().await?;
    let alive: Vec<_> = workers
        .iter()
        .filter(|worker| now - worker.now_ms <= ALIVE_MS)
        .collect();
    println!("workers: {} alive, {} known", alive.len(), workers.len());
    for worker in &workers {
        let seen = (now - worker.now_ms) as f64 / 1000.0;
        println!(
            "  {:<28} {:<8} seen {seen:>7.1}s ago  devices [{}]  capabilities [{}]  dfbench {}",
            worker.worker_id,
            if now - worker.now_ms <= ALIVE_MS {
                "alive"
            } else {
                "silent"
            },
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
    println!(
        "shards: {}",
        if shards.is_empty() {
            "none".to_string()
        } else {
            shards.join(", ")
        }
    );
    let torch_alive = alive
        .iter()
        .any(|worker| worker.capabilities.iter().any(|c| c == "torch"));
    for run in store.list_runs(args.runs).await? {
        let progress = store.run_progress(&run.id).await?;
        let end = run.finished_at_ms.unwrap_or(now);
        let seconds = ((end - run.created_at_ms).max(1)) as f64 / 1000.0;
        println!(
            "run {} ({}): {}  shards {}/{} done, {} failed  predictions {}/{} ({} failed)  {:.1}/s",
            run.id,
            run.name,
            run.status.as_str(),
            progress.shards_done,
            progress.shards_total,
            progress.shards_failed,
            progress.predictions,
            progress.predictions_expected,
            progress.prediction_failures,
            progress.predictions as f64 / seconds
        );
        if let Some(error) = &progress.error {
            println!("  error: {error}");
        }
        if run.status.as_str() == "running" && run.needs_torch && !torch_alive {
            println!(
                "  waiting: this run has TorchScript detectors and no live worker has the `torch` capability; start `dfbench worker` built with --features torch"
            );
        } else if run.status.as_str() == "running" && alive.is_empty() {
            println!("  waiting: no live worker; start `dfbench worker --coordinator URL`");
        }
    }
    Ok(ExitCode::SUCCESS)
}
