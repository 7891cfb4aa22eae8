//! Local mode: an in-process coordinator on a loopback port plus N worker tasks that talk to it
//! over real gRPC — the same code path as a cluster, on one machine.

use anyhow::Context;
use dfbench_benchmarks::roots::ServeRoots;
use dfbench_coordinator::{CoordinatorConfig, RunningCoordinator};
use dfbench_store::Store;
use dfbench_worker::{WorkerConfig, WorkerError, WorkerStats, run_worker};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// How a local cluster runs.
#[derive(Debug, Clone, Default)]
pub struct LocalOptions {
    /// Each worker pauses this long after every chunk it delivers (tests that must catch a run
    /// half way).
    pub chunk_delay: Duration,
    /// What the coordinator may read; `None`: anywhere.
    pub serve_roots: Option<ServeRoots>,
    /// Decoded memory each worker may hold for one shard.
    pub decode_budget: dfbench_worker::budget::DecodeBudget,
    /// Where prepare runs write (the coordinator's and every local worker's output root);
    /// `None`: prepare runs are refused.
    pub output_root: Option<std::path::PathBuf>,
    /// The workers' device (`cpu` when `None`).
    pub device: Option<String>,
    /// How the workers decode prepare runs' videos.
    pub video_decoder: dfbench_worker::prepare::video::VideoDecoder,
}

pub struct LocalCluster {
    pub coordinator: RunningCoordinator,
    workers: JoinSet<Result<WorkerStats, WorkerError>>,
    stop: watch::Sender<bool>,
}

impl LocalCluster {
    /// A cluster whose coordinator reads anywhere (commands that submit runs they built
    /// themselves: `verify`, `bench`), with the default options.
    pub async fn start(store: Arc<dyn Store>, workers: usize) -> anyhow::Result<LocalCluster> {
        LocalCluster::start_with(store, workers, LocalOptions::default()).await
    }

    /// As [`LocalCluster::start`], with `options`.
    pub async fn start_with(
        store: Arc<dyn Store>,
        workers: usize,
        options: LocalOptions,
    ) -> anyhow::Result<LocalCluster> {
        let listen = "127.0.0.1:0".parse().context("loopback address")?;
        let mut config = CoordinatorConfig::new(listen);
        config.serve_roots = options.serve_roots;
        config.output_root = options.output_root.clone();
        let coordinator = dfbench_coordinator::spawn(store, config)
            .await
            .context("cannot start the local coordinator")?;
        let (stop, stop_receiver) = watch::channel(false);
        let mut set = JoinSet::new();
        for index in 0..workers.max(1) {
            let config = WorkerConfig {
                coordinator_url: coordinator.url(),
                worker_id: format!("local-{}-{index}", std::process::id()),
                device: options.device.clone().unwrap_or_else(|| "cpu".to_string()),
                connect_timeout: Duration::from_secs(10),
                chunk_size: dfbench_worker::pull::DEFAULT_CHUNK,
                token: None,
                chunk_delay: options.chunk_delay,
                decode_budget: options.decode_budget,
                output_root: options.output_root.clone(),
                video_decoder: options.video_decoder,
            };
            set.spawn(run_worker(config, stop_receiver.clone()));
        }
        Ok(LocalCluster {
            coordinator,
            workers: set,
            stop,
        })
    }

    /// Resolves with an error if a worker task stops on its own (it should run until stopped).
    pub async fn worker_failure(&mut self) -> anyhow::Error {
        match self.workers.join_next().await {
            Some(Ok(Err(error))) => anyhow::Error::new(error).context("a local worker stopped"),
            Some(Ok(Ok(_))) => anyhow::anyhow!("a local worker stopped early"),
            Some(Err(join_error)) => anyhow::anyhow!("a local worker crashed: {join_error}"),
            None => {
                std::future::pending::<()>().await;
                anyhow::anyhow!("unreachable")
            }
        }
    }

    pub async fn stop(mut self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        while let Some(result) = self.workers.join_next().await {
            if let Ok(Err(error)) = result {
                tracing::warn!(%error, "local worker ended with an error");
            }
        }
        self.coordinator.shutdown().await?;
        Ok(())
    }
}
