//! The run behind `dfbench prepare`: a suite of one `videos` dataset (the input folder) and
//! one `prepare` detector (the recipe and the output folder relative to the output root),
//! submitted to local workers (an in-process coordinator whose output root is the job's) or
//! to `--coordinator URL`, then followed until it ends.
//!
//! Must not touch: the output folder (workers write the frames, `prepare` the manifest).

use super::prepare::PrepareArgs;
use crate::local::{LocalCluster, LocalOptions};
use anyhow::Context;
use dfbench_benchmarks::roots::ServeRoots;
use dfbench_proto::v1::{RunProgress, SubmitRunRequest};
use std::path::Path;

/// What the run is asked to do.
pub struct PrepareRun<'a> {
    pub input: &'a Path,
    pub dataset: &'a str,
    pub recipe_json: String,
    /// The output folder relative to the output root, `/`-separated (`.` for the root).
    pub out: String,
    pub output_root: &'a Path,
    pub faces: Option<&'a Path>,
}

#[derive(serde::Serialize)]
struct SuiteText<'a> {
    name: String,
    description: &'static str,
    shard_size: usize,
    datasets: [DatasetText<'a>; 1],
    detectors: [DetectorText<'a>; 1],
}

#[derive(serde::Serialize)]
struct DatasetText<'a> {
    name: &'a str,
    format: &'static str,
    root: String,
}

#[derive(serde::Serialize)]
struct DetectorText<'a> {
    name: &'static str,
    kind: &'static str,
    recipe: &'a str,
    out: &'a str,
    faces: Option<String>,
}

impl PrepareRun<'_> {
    /// The suite's name: one per output folder, so a rerun finds its interrupted run.
    pub fn suite_name(&self) -> String {
        format!("prepare {}", self.out)
    }

    fn suite_text(&self, shard_size: usize) -> anyhow::Result<String> {
        let suite = SuiteText {
            name: self.suite_name(),
            description: "written by dfbench prepare",
            shard_size,
            datasets: [DatasetText {
                name: self.dataset,
                format: "videos",
                root: self.input.display().to_string(),
            }],
            detectors: [DetectorText {
                name: "prepare",
                kind: dfbench_benchmarks::suite::PREPARE_KIND,
                recipe: &self.recipe_json,
                out: &self.out,
                faces: self.faces.map(|card| card.display().to_string()),
            }],
        };
        toml::to_string(&suite).context("cannot write the prepare run's suite")
    }

    fn request(&self, shard_size: usize) -> anyhow::Result<SubmitRunRequest> {
        Ok(SubmitRunRequest {
            suite_toml: self.suite_text(shard_size)?,
            suite_origin: "dfbench prepare".to_string(),
            data_root: self.input.display().to_string(),
            name: self.suite_name(),
            // Whether a video is done is its record's to say: the workers check it.
            no_reuse: true,
            ..SubmitRunRequest::default()
        })
    }
}

/// Submits the run and follows it to its end: its id and last progress.
pub async fn run(
    args: &PrepareArgs,
    job: &PrepareRun<'_>,
) -> anyhow::Result<(String, RunProgress)> {
    let request = job.request(args.shard_videos.max(1))?;
    match &args.coordinator.coordinator {
        Some(url) => {
            let mut client = args.coordinator.connect(url).await?;
            let run_id = super::run::submit(&mut client, request).await?;
            let last = crate::progress::follow(&mut client, &run_id).await?;
            Ok((run_id, last))
        }
        None => run_local(args, job, request).await,
    }
}

async fn run_local(
    args: &PrepareArgs,
    job: &PrepareRun<'_>,
    request: SubmitRunRequest,
) -> anyhow::Result<(String, RunProgress)> {
    let store = args.store.open().await?;
    cancel_interrupted(store.as_ref(), &job.suite_name()).await?;
    let mut readable = vec![job.input.to_path_buf()];
    readable.extend(job.faces.and_then(Path::parent).map(Path::to_path_buf));
    let options = LocalOptions {
        chunk_delay: std::time::Duration::from_millis(args.video_delay_ms),
        serve_roots: Some(ServeRoots::new(&readable).map_err(anyhow::Error::msg)?),
        output_root: Some(job.output_root.to_path_buf()),
        device: Some(args.device.clone()),
        video_decoder: args.video_decoder.video_decoder,
        ..LocalOptions::default()
    };
    let mut cluster =
        LocalCluster::start_with(std::sync::Arc::clone(&store), args.workers, options).await?;
    let mut client = crate::args::connect(&cluster.coordinator.url(), None).await?;
    let run_id = super::run::submit(&mut client, request).await?;
    let outcome = tokio::select! {
        outcome = crate::progress::follow(&mut client, &run_id) => outcome,
        error = cluster.worker_failure() => Err(error),
    };
    cluster.stop().await?;
    Ok((run_id, outcome?))
}

/// An earlier prepare of the same output folder that was killed left its run `running`: it is
/// cancelled, so its shards are never leased beside the new run's (two workers writing one
/// video). Its finished videos are kept on disk and reused.
async fn cancel_interrupted(
    store: &dyn dfbench_store::Store,
    suite_name: &str,
) -> anyhow::Result<()> {
    let runs = store.list_runs(1_000).await?;
    for run in runs.iter().filter(|run| {
        run.suite_name == suite_name && run.status == dfbench_store::RunStatus::Running
    }) {
        tracing::info!(run_id = %run.id.0, "cancelling an interrupted prepare run of the same output folder");
        store
            .cancel_run(&run.id, dfbench_store::now_ms())
            .await
            .with_context(|| format!("cannot cancel the interrupted run {}", run.id.0))?;
    }
    Ok(())
}
