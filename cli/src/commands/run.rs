//! `dfbench run SUITE`: submit a suite, follow it, write the report. Without `--coordinator` it
//! starts a local coordinator and workers in this process (over real gRPC on loopback).
//! `--check-references` then compares the suite's `[[reference]]` values with the run (see
//! [`reporting::print_reference_check`] for the exit code).

use crate::args::{CoordinatorArgs, StoreArgs, connect};
use crate::local::{LocalCluster, LocalOptions};
use crate::output::outln;
use crate::{progress, reporting};
use anyhow::Context;
use dfbench_benchmarks::Suite;
use dfbench_benchmarks::roots::ServeRoots;
use dfbench_client::Client;
use dfbench_proto::v1::SubmitRunRequest;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Suite file (TOML), e.g. benchmarks/suites/quickstart.toml.
    pub suite: PathBuf,
    /// Local worker tasks (local mode only).
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
    /// Local workers pause this long after each chunk (for tests that interrupt a run).
    #[arg(long, default_value_t = 0, hide = true)]
    pub chunk_delay_ms: u64,
    /// Local mode: where to store the run. With --coordinator: where to read the report from
    /// (the coordinator's database); without it, no report is written.
    #[command(flatten)]
    pub store: StoreArgs,
    /// Submit to this coordinator instead of starting a local one.
    #[command(flatten)]
    pub coordinator: CoordinatorArgs,
    /// Folder relative dataset roots are resolved against (default: current folder), or
    /// NAME=PATH for a named root; repeat for several.
    #[arg(long = "data-root")]
    pub data_roots: Vec<String>,
    /// Start even when listed files are missing: they are recorded as failed predictions.
    #[arg(long)]
    pub allow_missing: bool,
    /// Run name (default: the suite's name).
    #[arg(long, default_value = "")]
    pub name: String,
    /// Tag the run (repeatable), e.g. --tag 2026-11-21; `tag:X` then names it.
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    /// Compute every prediction even when an identical one is stored (same detector and
    /// dataset fingerprints, sample path, perturbation).
    #[arg(long)]
    pub no_reuse: bool,
    /// Read and hash every file, even those whose size and mtime are unchanged since the last
    /// planning (catches an edit that restored the file's mtime).
    #[arg(long)]
    pub hash_contents: bool,
    /// Partial run: at most N samples per dataset (N ≥ 1), stratified by label (stamped
    /// partial).
    #[arg(long, conflicts_with = "fraction", value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,
    /// Partial run: this fraction (0, 1] of each dataset, stratified by label.
    #[arg(long)]
    pub fraction: Option<f64>,
    /// Seed of the partial-run sampling; the same seed picks the same files.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Reports go to OUT/<run-id>/.
    #[arg(long, default_value = "reports-out")]
    pub out: PathBuf,
    #[command(flatten)]
    pub references: crate::args::ReferenceCheckArgs,
    /// Local mode: each local worker's decoded-memory budget.
    #[command(flatten)]
    pub decode_budget: crate::args::DecodeBudgetArgs,
}

pub async fn execute(args: RunArgs) -> anyhow::Result<ExitCode> {
    let suite_text = std::fs::read_to_string(&args.suite).map_err(|error| {
        anyhow::anyhow!(
            "suite file {} cannot be read: {error}; check the path (suites live in benchmarks/suites/)",
            args.suite.display()
        )
    })?;
    let origin = args.suite.display().to_string();
    let suite = Suite::parse(&suite_text, &origin)?;
    args.references.require_references(&suite)?;
    if args.references.check_references
        && args.coordinator.coordinator.is_some()
        && args.store.database_url.is_none()
    {
        anyhow::bail!(
            "--check-references with --coordinator needs the report: pass --database-url <the \
             coordinator's database>, or check later with `dfbench report --run RUN \
             --check-references --database-url …`"
        );
    }
    for warning in suite.reference_warnings() {
        eprintln!("references: {warning}");
    }
    for set in suite.absent_sets() {
        eprintln!(
            "dataset {}: absent ({}): marked `absent` in the suite; not scored, listed as absent in the report",
            set.dataset, set.reason
        );
    }
    let (default_root, named_roots) = split_data_roots(&args.data_roots)?;
    let data_root = resolve_data_root(default_root.as_deref())?;
    let request = SubmitRunRequest {
        suite_toml: suite_text,
        suite_origin: origin,
        data_root: data_root.display().to_string(),
        name: args.name.clone(),
        data_roots: named_roots,
        allow_missing: args.allow_missing,
        no_reuse: args.no_reuse,
        tags: args.tags.clone(),
        limit: args.limit.unwrap_or(0),
        fraction: args.fraction.unwrap_or(0.0),
        seed: args.seed,
        excluded_workers: Vec::new(),
        hash_contents: args.hash_contents,
    };
    match &args.coordinator.coordinator {
        Some(url) => run_remote(&args, url, request).await,
        None => run_local(&args, request).await,
    }
}

/// Splits `--data-root` values into the default root (a bare PATH) and named roots (NAME=PATH),
/// the named ones made absolute.
fn split_data_roots(
    values: &[String],
) -> anyhow::Result<(Option<PathBuf>, std::collections::HashMap<String, String>)> {
    let mut default_root = None;
    let mut named = std::collections::HashMap::new();
    for value in values {
        match value.split_once('=') {
            Some((name, path)) if !name.is_empty() && !name.contains('/') => {
                let root = resolve_data_root(Some(Path::new(path)))?;
                named.insert(name.to_string(), root.display().to_string());
            }
            _ => {
                if default_root.replace(PathBuf::from(value)).is_some() {
                    anyhow::bail!("--data-root PATH given twice; use NAME=PATH for named roots");
                }
            }
        }
    }
    Ok((default_root, named))
}

fn resolve_data_root(data_root: Option<&Path>) -> anyhow::Result<PathBuf> {
    let root = match data_root {
        Some(root) => root.to_path_buf(),
        None => std::env::current_dir().context("cannot read the current folder")?,
    };
    root.canonicalize().with_context(|| {
        format!(
            "data root {} does not exist; fix --data-root",
            root.display()
        )
    })
}

pub async fn submit(client: &mut Client, request: SubmitRunRequest) -> anyhow::Result<String> {
    // Said here, by name, rather than as the transport's "h2 protocol error".
    let size = prost::Message::encoded_len(&request);
    if size > dfbench_proto::MAX_MESSAGE_BYTES {
        anyhow::bail!(
            "the run request is {:.1} MiB ({} is most of it), over the {} MiB a coordinator \
             accepts; split the suite or shorten what it embeds",
            size as f64 / (1024.0 * 1024.0),
            request.suite_origin,
            dfbench_proto::MAX_MESSAGE_BYTES / (1024 * 1024)
        );
    }
    let response = client
        .submit_run(request)
        .await
        .map_err(|status| anyhow::anyhow!("the coordinator refused the run: {}", status.message()))?
        .into_inner();
    let clips = if response.clips > 0 {
        format!(
            "; {} clips ({} clips reused)",
            response.clips, response.clips_reused
        )
    } else {
        String::new()
    };
    eprintln!(
        "run {}: {} samples in {} shards ({} predictions reused, {} shards need no model work, \
         {} files hashed{clips})",
        response.run_id,
        response.samples,
        response.shards,
        response.predictions_reused,
        response.shards_reused,
        response.files_hashed
    );
    Ok(response.run_id)
}

async fn run_local(args: &RunArgs, request: SubmitRunRequest) -> anyhow::Result<ExitCode> {
    let store = args.store.open().await?;
    let started = Instant::now();
    let options = LocalOptions {
        chunk_delay: std::time::Duration::from_millis(args.chunk_delay_ms),
        serve_roots: Some(local_serve_roots(&request)?),
        decode_budget: args.decode_budget.decode_budget,
        output_root: None,
        device: None,
        video_decoder: Default::default(),
    };
    let mut cluster =
        LocalCluster::start_with(std::sync::Arc::clone(&store), args.workers, options).await?;
    let mut client = connect(&cluster.coordinator.url(), None).await?;
    let run_id = submit(&mut client, request).await?;
    let outcome = tokio::select! {
        outcome = progress::follow(&mut client, &run_id) => outcome,
        error = cluster.worker_failure() => Err(error),
        _ = tokio::signal::ctrl_c() => {
            return interrupted_local(store.as_ref(), cluster, &run_id).await;
        }
    };
    cluster.stop().await?;
    let last = outcome?;
    if last.store_fault {
        return Ok(stopped_by_fault(Some(store.as_ref()), &run_id, &last).await);
    }
    eprintln!(
        "run {run_id} {} in {:.1}s",
        last.status,
        started.elapsed().as_secs_f64()
    );
    finish(store.as_ref(), &run_id, &last, args).await
}

/// What a local run may read: the current folder and the `--data-root` folders given.
fn local_serve_roots(request: &SubmitRunRequest) -> anyhow::Result<ServeRoots> {
    let mut folders = vec![
        std::env::current_dir().context("cannot read the current folder")?,
        PathBuf::from(&request.data_root),
    ];
    folders.extend(request.data_roots.values().map(PathBuf::from));
    ServeRoots::new(&folders).map_err(anyhow::Error::msg)
}

/// The first Ctrl-C of a local run: stop leasing, keep what the workers stored, mark the run
/// cancelled (reusable, so the same command continues where it stopped) and say so; a second
/// Ctrl-C exits at once.
async fn interrupted_local(
    store: &dyn dfbench_store::Store,
    cluster: LocalCluster,
    run_id: &str,
) -> anyhow::Result<ExitCode> {
    eprintln!(
        "interrupt: stopping run {run_id}; what is stored is kept (Ctrl-C again to quit at once)"
    );
    tokio::spawn(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("second interrupt: quitting now");
            std::process::exit(130);
        }
    });
    let id = dfbench_store::RunId(run_id.to_string());
    store
        .cancel_run(&id, dfbench_store::now_ms())
        .await
        .with_context(|| format!("cannot mark run {run_id} cancelled"))?;
    cluster.stop().await?;
    store
        .index_ended_runs()
        .await
        .context("cannot index the interrupted run's predictions for reuse")?;
    let progress = store.run_progress(&id).await?;
    // Clip outcomes are named only when the run has clip detectors.
    let clips = if progress.clips_expected > 0 {
        format!(
            " and {} of {} clip outcomes",
            progress.clips, progress.clips_expected
        )
    } else {
        String::new()
    };
    eprintln!(
        "run {run_id} interrupted and cancelled: {} of {} predictions{clips} stored; run the \
         same command again to continue (stored work is reused, not recomputed)",
        progress.predictions, progress.predictions_expected,
    );
    Ok(ExitCode::from(130))
}

async fn run_remote(
    args: &RunArgs,
    url: &str,
    request: SubmitRunRequest,
) -> anyhow::Result<ExitCode> {
    let mut client = args.coordinator.connect(url).await?;
    let started = Instant::now();
    let run_id = submit(&mut client, request).await?;
    let last = tokio::select! {
        last = progress::follow(&mut client, &run_id) => last?,
        _ = tokio::signal::ctrl_c() => {
            eprintln!(
                "interrupt: stopped following run {run_id}; it goes on at {url}. Follow it with \
                 `dfbench status`, cancel it with `dfbench cancel --run {run_id} --coordinator {url}`"
            );
            return Ok(ExitCode::from(130));
        }
    };
    if last.store_fault {
        return Ok(stopped_by_fault(None, &run_id, &last).await);
    }
    eprintln!(
        "run {run_id} {} in {:.1}s",
        last.status,
        started.elapsed().as_secs_f64()
    );
    match &args.store.database_url {
        Some(_) => {
            let store = args.store.open().await?;
            finish(store.as_ref(), &run_id, &last, args).await
        }
        None => {
            outln!("run {run_id}: {}", last.status);
            eprintln!(
                "for the report: dfbench report --run {run_id} --database-url <the coordinator's database>"
            );
            Ok(status_code(&last.status))
        }
    }
}

/// A run the coordinator stopped because its database cannot take writes (disk full,
/// read-only, corrupt): says why and exits 1 without a report (writing one needs the
/// database). A local run also tries the status write itself, in case the coordinator's
/// recovery had not got to it before the cluster stopped.
async fn stopped_by_fault(
    store: Option<&dyn dfbench_store::Store>,
    run_id: &str,
    last: &dfbench_proto::v1::RunProgress,
) -> ExitCode {
    eprintln!("run {run_id} failed: {}", last.error);
    if let Some(store) = store {
        let id = dfbench_store::RunId(run_id.to_string());
        let mut delay = std::time::Duration::from_millis(250);
        let mut marked = None;
        for _ in 0..3 {
            match store
                .fail_run(&id, &last.error, dfbench_store::now_ms())
                .await
            {
                Ok(_) => {
                    marked = Some(Ok(()));
                    break;
                }
                Err(error) => marked = Some(Err(error)),
            }
            tokio::time::sleep(delay).await;
            delay *= 2;
        }
        if let Some(Err(error)) = marked {
            eprintln!(
                "the database did not take the run's `failed` status ({error}); it stays                  `running` until a coordinator on this database fails it (no worker seen)"
            );
        }
    }
    ExitCode::from(1)
}

async fn finish(
    store: &dyn dfbench_store::Store,
    run_id: &str,
    last: &dfbench_proto::v1::RunProgress,
    args: &RunArgs,
) -> anyhow::Result<ExitCode> {
    if last.status != "done" {
        eprintln!("run {run_id} ended {}: {}", last.status, last.error);
    }
    let report = reporting::write(store, run_id, &args.out).await?;
    outln!("{}", report.leaderboard);
    let clips = if last.clips_expected > 0 {
        format!(
            "; {} clips, {} failed ({} reused, {} computed)",
            last.clips,
            last.clip_failures,
            last.clips_reused,
            last.clips - last.clips_reused
        )
    } else {
        String::new()
    };
    outln!(
        "{} predictions, {} failed ({} reused, {} computed){clips}; report: {}",
        last.predictions,
        last.prediction_failures,
        last.predictions_reused,
        last.predictions - last.predictions_reused,
        report.folder.join("index.html").display()
    );
    let status = status_code(&last.status);
    if !args.references.check_references {
        return Ok(status);
    }
    let references = reporting::print_reference_check(&report)?;
    Ok(if last.status == "done" {
        references
    } else {
        status
    })
}

fn status_code(status: &str) -> ExitCode {
    if status == "done" {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
