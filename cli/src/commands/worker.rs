//! `dfbench worker`: pull shards from a coordinator until Ctrl-C / SIGTERM (then store what
//! was scored and release the rest of the shard held).

use crate::args::CoordinatorArgs;
use dfbench_worker::{WorkerConfig, run_worker};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub coordinator: CoordinatorArgs,
    /// Stable name of this worker (default: host name and process id).
    #[arg(long, env = "DFBENCH_WORKER_ID")]
    pub worker_id: Option<String>,
    /// Device for model detectors: cpu or cuda:N.
    #[arg(long, default_value = "cpu", env = "DFBENCH_DEVICE")]
    pub device: String,
    /// CPU threads for decoding and built-in detectors (default: all cores).
    #[arg(long, env = "DFBENCH_THREADS")]
    pub threads: Option<usize>,
    /// Samples scored per chunk (one prediction batch each).
    #[arg(long, default_value_t = dfbench_worker::pull::DEFAULT_CHUNK, env = "DFBENCH_CHUNK_SIZE")]
    pub chunk_size: usize,
    /// Pause after each chunk, in milliseconds (simulates a slow device; for tests and demos,
    /// e.g. through a scheduler that passes only the environment).
    #[arg(long, default_value_t = 0, hide = true, env = "DFBENCH_CHUNK_DELAY_MS")]
    pub chunk_delay_ms: u64,
    /// Seconds to keep retrying the first connection.
    #[arg(long, default_value_t = 30.0)]
    pub connect_timeout_secs: f64,
    #[command(flatten)]
    pub decode_budget: crate::args::DecodeBudgetArgs,
    /// The only folder prepare runs may write under (the coordinator's `--output-root` as
    /// this machine sees it); a prepare shard whose output folder lies outside it is refused.
    /// Without it, prepare shards are refused.
    #[arg(long, value_name = "PATH", env = "DFBENCH_OUTPUT_ROOT")]
    pub output_root: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub video_decoder: crate::args::VideoDecoderArgs,
}

pub async fn execute(args: WorkerArgs) -> anyhow::Result<ExitCode> {
    if let Some(threads) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build_global()?;
    }
    let worker_id = args.worker_id.unwrap_or_else(default_worker_id);
    let config = WorkerConfig {
        coordinator_url: args.coordinator.required_url("worker")?.to_string(),
        worker_id,
        device: args.device,
        connect_timeout: Duration::from_secs_f64(args.connect_timeout_secs.max(0.0)),
        chunk_size: args.chunk_size.max(1),
        token: args.coordinator.token,
        chunk_delay: Duration::from_millis(args.chunk_delay_ms),
        decode_budget: args.decode_budget.decode_budget,
        output_root: args.output_root,
        video_decoder: args.video_decoder.video_decoder,
    };
    // A runtime this build has but cannot open (e.g. no ONNX Runtime library) stops the worker
    // here, with what to do, rather than failing every detector of that kind later.
    if let Err(problem) = dfbench_worker::runtime::check() {
        anyhow::bail!("worker {}: {problem}", config.worker_id);
    }
    // Always shown: which device, libtorch version and CUDA availability this worker runs with.
    eprintln!(
        "worker {}: {}",
        config.worker_id,
        dfbench_worker::runtime::describe(&config.device)
    );
    let (stop_sender, stop) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        super::coordinator::shutdown_signal().await;
        let _ = stop_sender.send(true);
    });
    let stats = run_worker(config, stop).await?;
    eprintln!(
        "worker stopped: {} shards completed, {} dropped, {} released, {} predictions sent",
        stats.shards_completed, stats.shards_dropped, stats.shards_released, stats.predictions_sent
    );
    Ok(ExitCode::SUCCESS)
}

fn default_worker_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "worker".to_string());
    format!("{host}-{}", std::process::id())
}
