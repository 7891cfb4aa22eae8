//! `dfbench bench reuse`: the cost of re-running an unchanged suite. Runs a suite in local mode
//! on a fresh SQLite store (same machine, same process, same data): the first run computes
//! every prediction, then `--reruns` unchanged reruns reuse all of them and lease no shard.
//! Prints the first run's and the median rerun's wall time (submit → done) and their ratio; the
//! target is ≤ 2%. The first run's end is seen by the progress watch, which polls every 300 ms,
//! so its time is rounded up to that granularity; a rerun is done at submit and has no such
//! delay. The first run's predictions are indexed for reuse when its last shard completes
//! (store crate, `reuse_index`), inside the first run's time; the first rerun is printed apart
//! from the median so a planning that still had indexing to do would show.
//! Default suite: the quickstart suite on freshly generated demo data.

use super::scheduler::tempfile_dir;
use crate::args::connect;
use crate::commands::demo::QUICKSTART;
use crate::commands::run::submit;
use crate::local::LocalCluster;
use crate::output::outln;
use crate::progress;
use anyhow::Context;
use dfbench_proto::v1::{RunProgress, SubmitRunRequest};
use dfbench_store::{RunId, Store};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

/// The target: an unchanged rerun takes at most this share of the first run's time.
const TARGET_RATIO: f64 = 0.02;

#[derive(Debug, clap::Args)]
pub struct ReuseBenchArgs {
    /// Suite to run twice (default: the quickstart suite on generated demo data).
    #[arg(long, requires = "data_root")]
    pub suite: Option<PathBuf>,
    /// Folder the suite's relative dataset roots resolve against (with --suite).
    #[arg(long)]
    pub data_root: Option<PathBuf>,
    /// Local worker tasks.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
    /// Unchanged reruns after the first run; the median is reported.
    #[arg(long, default_value_t = 5)]
    pub reruns: usize,
}

pub async fn execute(args: ReuseBenchArgs) -> anyhow::Result<ExitCode> {
    let dir = tempfile_dir()?;
    let scratch = dir.join("reuse");
    std::fs::create_dir_all(&scratch)
        .with_context(|| format!("cannot create {}", scratch.display()))?;
    let (suite_toml, data_root) = match (&args.suite, &args.data_root) {
        (Some(suite), Some(root)) => (
            std::fs::read_to_string(suite)
                .with_context(|| format!("cannot read the suite {}", suite.display()))?,
            root.canonicalize()
                .with_context(|| format!("data root {} does not exist", root.display()))?,
        ),
        _ => {
            dfbench_benchmarks::synth::write_demo_dataset(&scratch.join("demo-data"))?;
            (QUICKSTART.to_string(), scratch.clone())
        }
    };
    let database_url = format!("sqlite:{}", scratch.join("reuse.db").display());
    let store = dfbench_store::open_store(&database_url).await?;
    let mut cluster = LocalCluster::start(Arc::clone(&store), args.workers).await?;
    let mut client = connect(&cluster.coordinator.url(), None).await?;
    let request = SubmitRunRequest {
        suite_toml,
        suite_origin: "bench reuse".to_string(),
        data_root: data_root.display().to_string(),
        name: "bench-reuse".to_string(),
        ..Default::default()
    };
    let mut timed = Vec::new();
    for _ in 0..1 + args.reruns.max(1) {
        let started = Instant::now();
        let run_id = submit(&mut client, request.clone()).await?;
        let last = tokio::select! {
            outcome = progress::follow(&mut client, &run_id) => outcome?,
            error = cluster.worker_failure() => return Err(error),
        };
        timed.push((started.elapsed().as_secs_f64(), run_id, last));
    }
    cluster.stop().await?;
    let (first_seconds, _, first) = &timed[0];
    let first_rerun_seconds = timed[1].0;
    let mut reruns: Vec<&(f64, String, RunProgress)> = timed[1..].iter().collect();
    reruns.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (rerun_seconds, rerun_id, rerun) = reruns[reruns.len() / 2];
    let leases = rerun_leases(store.as_ref(), rerun_id).await?;
    report(*first_seconds, first, *rerun_seconds, rerun, leases);
    outln!(
        "first rerun: {first_rerun_seconds:.4} s  ({:.2}% of the first run)",
        first_rerun_seconds / first_seconds * 100.0
    );
    // The whole per-process folder, not only this bench's part of it.
    let _ = std::fs::remove_dir_all(&dir);
    Ok(ExitCode::SUCCESS)
}

/// Leases granted for the rerun's shards (0 when nothing had to be computed).
async fn rerun_leases(store: &dyn Store, run_id: &str) -> anyhow::Result<i64> {
    let provenance = store.shard_provenance(&RunId(run_id.to_string())).await?;
    Ok(provenance.iter().map(|summary| summary.leases).sum())
}

fn report(
    first_seconds: f64,
    first: &RunProgress,
    rerun_seconds: f64,
    rerun: &RunProgress,
    leases: i64,
) {
    let ratio = rerun_seconds / first_seconds;
    outln!(
        "first run:   {first_seconds:.3} s  ({} predictions computed, status {})",
        first.predictions - first.predictions_reused,
        first.status
    );
    outln!(
        "rerun:       {rerun_seconds:.4} s  (median; {} of {} predictions reused, {leases} shard leases, status {})",
        rerun.predictions_reused,
        rerun.predictions,
        rerun.status
    );
    outln!(
        "ratio:       {:.2}% of the first run (target ≤ {:.0}%: {})",
        ratio * 100.0,
        TARGET_RATIO * 100.0,
        if ratio <= TARGET_RATIO {
            "met"
        } else {
            "missed"
        }
    );
}
