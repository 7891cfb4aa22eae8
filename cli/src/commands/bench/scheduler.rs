//! `dfbench bench scheduler`: the coordinator's throughput with many simulated workers on
//! loopback (real gRPC, a no-op detector), next to what the database itself does in the same
//! run: lease→report→complete cycles/s against a simple-transaction rate (pgbench -N for
//! PostgreSQL, an equivalent loop for SQLite), and predictions ingested/s against a bulk load of
//! the same rows into the same table (COPY into `predictions` for PostgreSQL — with a fresh
//! unique-key-only table printed for reference — and, for SQLite, one transaction of the
//! store's own multi-row inserts).

use crate::output::outln;
use anyhow::Context;
use dfbench_benchmarks::{Label, Sample};
use dfbench_client::{Client, connect};
use dfbench_coordinator::CoordinatorConfig;
use dfbench_proto::v1 as pb;
use dfbench_store::{
    DatasetRecord, DetectorRecord, PlannedShard, RunId, RunPlan, RunRecord, RunStatus, Store,
    baseline, now_ms,
};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, clap::Args)]
pub struct SchedulerArgs {
    /// Simulated workers (each its own gRPC connection).
    #[arg(long, default_value_t = 200)]
    pub workers: usize,
    /// Shards of one sample each for the cycle phase.
    #[arg(long, default_value_t = 20_000)]
    pub shards: usize,
    /// Predictions for the ingest phase (shards of 10,000 samples, batches of 1,000).
    #[arg(long, default_value_t = 1_000_000)]
    pub predictions: usize,
    /// Also measure PostgreSQL at this URL (a scratch database: tables are created in it).
    #[arg(long, env = "DFBENCH_BENCH_POSTGRES_URL")]
    pub postgres_url: Option<String>,
    /// Skip SQLite.
    #[arg(long)]
    pub no_sqlite: bool,
}

pub async fn execute(args: SchedulerArgs) -> anyhow::Result<ExitCode> {
    if !args.no_sqlite {
        let dir = tempfile_dir()?;
        let url = format!("sqlite:{}", dir.join("bench.db").display());
        let store = dfbench_store::open_store(&url).await?;
        let (cycles, ingest) = measure(&store, &args).await?;
        let scratch = format!("sqlite:{}?mode=rwc", dir.join("baseline.db").display());
        let tps = baseline::sqlite_transaction_rate(&scratch, 20_000).await?;
        let bulk = baseline::sqlite_bulk_insert_rate(&url, args.predictions as u32).await?;
        report(
            "sqlite",
            cycles,
            tps,
            "transaction loop",
            ingest,
            bulk,
            "bulk insert into predictions",
            2_000.0,
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    if let Some(url) = &args.postgres_url {
        let store = dfbench_store::open_store(url).await?;
        let (cycles, ingest) = measure(&store, &args).await?;
        let tps = pgbench_rate(url).await?;
        let copy = baseline::postgres_copy_rate(url, args.predictions as u32).await?;
        report(
            "postgres",
            cycles,
            tps,
            "pgbench -N -c 8",
            ingest,
            copy.predictions_table,
            "COPY into predictions",
            1_000.0,
        );
        outln!(
            "postgres: (reference: COPY into a fresh table with only the unique key {:>9.0} rows/s, ratio {:.2})",
            copy.unique_key_table,
            ingest / copy.unique_key_table
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[allow(clippy::too_many_arguments)]
fn report(
    backend: &str,
    cycles: f64,
    tps: f64,
    tps_name: &str,
    ingest: f64,
    bulk: f64,
    bulk_name: &str,
    target: f64,
) {
    outln!(
        "{backend}: cycles {cycles:>9.0}/s   database {tps_name} {tps:>9.0} tx/s   ratio {:.2}   (target >= {target:.0}/s)",
        cycles / tps
    );
    outln!(
        "{backend}: ingest {ingest:>9.0} predictions/s   {bulk_name} {bulk:>9.0} rows/s   ratio {:.2}   (target >= 0.60)",
        ingest / bulk
    );
}

pub(super) fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("dfbench-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// Runs both phases against `store`; returns (cycles/s, predictions/s).
async fn measure(store: &Arc<dyn Store>, args: &SchedulerArgs) -> anyhow::Result<(f64, f64)> {
    let mut config = CoordinatorConfig::new("127.0.0.1:0".parse()?);
    config.timings.acquire_wait = Duration::from_millis(200);
    // Simulated workers never die, and their heartbeats list no leases: keep leases for the
    // whole measurement so the reaper does not take shards away mid-ingest.
    config.timings.lease_ttl = Duration::from_secs(3600);
    let coordinator = dfbench_coordinator::spawn(Arc::clone(store), config).await?;
    let url = coordinator.url();
    let cycle_run = plan(&format!("bench-cycles-{}", now_ms()), args.shards, 1);
    let cycles = drive(store, &url, cycle_run, args.workers, 1).await?;
    let samples_per_shard = 10_000;
    let shards = (args.predictions / samples_per_shard).max(1);
    let ingest_run = plan(
        &format!("bench-ingest-{}", now_ms()),
        shards,
        samples_per_shard,
    );
    let workers = args.workers.min(shards);
    let ingest = drive(store, &url, ingest_run, workers, 1_000).await?;
    coordinator.shutdown().await?;
    Ok((cycles.0, ingest.1))
}

/// Stores `plan`, lets `workers` simulated workers drain it, returns (shards/s, predictions/s).
async fn drive(
    store: &Arc<dyn Store>,
    url: &str,
    plan: RunPlan,
    workers: usize,
    batch: usize,
) -> anyhow::Result<(f64, f64)> {
    let run_id = plan.run.id.clone();
    let shards = plan.shards.len() as f64;
    let predictions = plan.samples.len() as f64;
    store.create_run(&plan).await?;
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..workers {
        let client = connect(url, None, Duration::from_secs(10)).await?;
        tasks.spawn(simulated_worker(
            client,
            format!("sim-{index}"),
            index as u64 + 1,
            batch,
        ));
    }
    loop {
        // The run's status alone: counting its predictions on every poll would compete with
        // the workers for the database.
        if store.run(&run_id).await?.run.status.is_finished() {
            break;
        }
        if let Some(finished) = tasks.try_join_next() {
            match finished {
                Ok(Err(error)) => anyhow::bail!("a simulated worker failed: {error:#}"),
                Ok(Ok(())) => anyhow::bail!("a simulated worker stopped early"),
                Err(join_error) => anyhow::bail!("a simulated worker crashed: {join_error}"),
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    tasks.abort_all();
    let progress = store.run_progress(&run_id).await?;
    anyhow::ensure!(
        progress.status == "done" && progress.predictions == progress.predictions_expected,
        "benchmark run ended {} with {}/{} predictions",
        progress.status,
        progress.predictions,
        progress.predictions_expected
    );
    Ok((shards / elapsed, predictions / elapsed))
}

/// A worker that scores nothing: every sample gets 0.5 from the `noop` detector.
async fn simulated_worker(
    mut client: Client,
    worker_id: String,
    incarnation: u64,
    batch: usize,
) -> anyhow::Result<()> {
    client
        .register_worker(pb::RegisterWorkerRequest {
            worker_id: worker_id.clone(),
            incarnation,
            protocol_version: dfbench_proto::PROTOCOL_VERSION,
            dfbench_version: env!("CARGO_PKG_VERSION").into(),
            devices: vec!["cpu".into()],
            capabilities: vec!["builtin".into()],
            hostname: "bench".into(),
        })
        .await?;
    let mut heartbeat_client = client.clone();
    let heartbeat_id = worker_id.clone();
    let _heartbeat = AbortOnDrop(tokio::spawn(async move {
        loop {
            let request = pb::HeartbeatRequest {
                worker_id: heartbeat_id.clone(),
                incarnation,
                leases: vec![],
            };
            let _ = heartbeat_client.heartbeat(request).await;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }));
    loop {
        let request = pb::AcquireShardRequest {
            worker_id: worker_id.clone(),
            incarnation,
        };
        let Some(lease) = client.acquire_shard(request).await?.into_inner().lease else {
            continue;
        };
        let message = |predictions, complete| pb::PredictionBatch {
            worker_id: worker_id.clone(),
            incarnation,
            shard_id: lease.shard_id,
            epoch: lease.epoch,
            predictions,
            complete,
            clips: Vec::new(),
        };
        let mut batches: Vec<pb::PredictionBatch> = lease
            .samples
            .chunks(batch)
            .map(|chunk| {
                let predictions = chunk
                    .iter()
                    .map(|sample| pb::Prediction {
                        sample_id: sample.sample_id,
                        detector: "noop".into(),
                        outcome: Some(pb::prediction::Outcome::Score(0.5)),
                        latency_us: 0,
                        detector_fingerprint: "builtin:noop".into(),
                    })
                    .collect();
                message(predictions, None)
            })
            .collect();
        // As a real worker does: a last message asks for completion and carries provenance.
        let provenance = pb::ShardProvenance {
            device: "cpu".into(),
            batch_size: batch as u32,
            ..Default::default()
        };
        batches.push(message(Vec::new(), Some(provenance)));
        let report = client
            .report_predictions(tokio_stream::iter(batches))
            .await?
            .into_inner();
        anyhow::ensure!(
            report.completed,
            "shard {} was not completed",
            lease.shard_id
        );
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn plan(run_id: &str, shards: usize, samples_per_shard: usize) -> RunPlan {
    let total = shards * samples_per_shard;
    let samples = (0..total)
        .map(|index| Sample {
            dataset: "bench".into(),
            subset: "bench".into(),
            rel_path: format!("{index:08}.png"),
            label: if index % 2 == 0 {
                Label::Real
            } else {
                Label::Fake
            },
            label_group: "bench".into(),
            method: "bench".into(),
            split: "test".into(),
            compression: "raw".into(),
            video_key: format!("bench/{index:08}"),
            frame_index: None,
            reads: dfbench_benchmarks::FrameReads::Both,
            published_md5: None,
        })
        .collect();
    RunPlan {
        run: RunRecord {
            id: RunId(run_id.into()),
            name: "bench".into(),
            suite_name: "bench".into(),
            suite_toml: String::new(),
            suite_hash: String::new(),
            data_root: "/".into(),
            dfbench_version: env!("CARGO_PKG_VERSION").into(),
            status: RunStatus::Running,
            error: None,
            created_at_ms: now_ms(),
            finished_at_ms: None,
            requires: Vec::new(),
        },
        datasets: vec![DatasetRecord {
            name: "bench".into(),
            format: "bench".into(),
            root: "/".into(),
            fingerprint: "bench".into(),
            samples: total as i64,
            exif_orientation: "ignore".into(),
            max_pixels: 64_000_000,
        }],
        detectors: vec![DetectorRecord::builtin("noop")],
        samples,
        contents: Vec::new(),
        shards: (0..shards)
            .map(|shard| PlannedShard {
                dataset: "bench".into(),
                perturbation: "none".into(),
                sample_indices: (shard * samples_per_shard..(shard + 1) * samples_per_shard)
                    .collect(),
                clips: Vec::new(),
            })
            .collect(),
        sample_failures: Vec::new(),
        max_attempts: 3,
        max_losses: 10,
    }
}

/// `pgbench -N -c 8 -j 2 -T 10` against `url` (initialised at scale 10 first); returns tps.
async fn pgbench_rate(url: &str) -> anyhow::Result<f64> {
    let pgbench = ["pgbench", "/usr/lib/postgresql/15/bin/pgbench"]
        .into_iter()
        .find(|candidate| {
            std::process::Command::new(candidate)
                .arg("--version")
                .output()
                .is_ok()
        })
        .context("pgbench not found: install postgresql-client or PostgreSQL 15 server binaries")?;
    let init = tokio::process::Command::new(pgbench)
        .args(["-i", "-q", "-s", "10", url])
        .output()
        .await?;
    anyhow::ensure!(
        init.status.success(),
        "pgbench -i failed: {}",
        String::from_utf8_lossy(&init.stderr)
    );
    let run = tokio::process::Command::new(pgbench)
        .args(["-N", "-c", "8", "-j", "2", "-T", "10", url])
        .output()
        .await?;
    anyhow::ensure!(
        run.status.success(),
        "pgbench failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = String::from_utf8_lossy(&run.stdout);
    text.lines()
        .find_map(|line| line.strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|value| value.parse().ok())
        .with_context(|| format!("no tps in pgbench output:\n{text}"))
}
