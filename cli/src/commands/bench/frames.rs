//! `dfbench bench frames`: what an image detector beside a clip detector costs in decoding. Runs
//! the synthetic `DemoClips` videos (16 frames each) under `frames = "uniform:N"` in local mode,
//! first with the clip detector `temporal` alone (it reads the first N frames of each video),
//! then with `temporal` and the image detector `spectral` (N evenly spaced frames): the second
//! run decodes the union of the two selections, each frame once. Prints, per run, the frames
//! decoded (the run's samples: each is decoded once per perturbation, and there is one), the
//! size of the union the selections give (computed here from
//! `FrameSelection::indices`, which must equal it), and the wall time, with the ratio of the
//! two times measured in the same process.

use super::scheduler::tempfile_dir;
use crate::args::connect;
use crate::commands::run::submit;
use crate::local::LocalCluster;
use crate::output::outln;
use crate::progress;
use anyhow::Context;
use dfbench_benchmarks::adapter::frames::{FrameReader, FrameSelection};
use dfbench_benchmarks::synth::layouts::clips::{FRAMES, NAME};
use dfbench_proto::v1::SubmitRunRequest;
use std::collections::BTreeSet;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct FramesBenchArgs {
    /// Frame budget per video: `frames = "uniform:N"` (1 to 16).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=16))]
    pub frames: u64,
    /// Local worker tasks.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
}

fn suite(frames: u64, with_image_detector: bool) -> String {
    let mut text = format!(
        "name = \"bench-frames\"\nshard_size = 64\n[[datasets]]\nname = \"clips\"\n\
         format = \"dfb-json\"\nroot = \"demo-data/rgb\"\njson_dir = \"demo-data/dataset_json\"\n\
         sets = [\"{NAME}\"]\nframes = \"uniform:{frames}\"\n\
         [[detectors]]\nname = \"temporal\"\nkind = \"builtin\"\n"
    );
    if with_image_detector {
        text.push_str("[[detectors]]\nname = \"spectral\"\nkind = \"builtin\"\n");
    }
    text
}

/// Frames per video the run's readers select together.
fn union_per_video(frames: usize, with_image_detector: bool) -> usize {
    let selection = FrameSelection::Uniform(frames);
    let mut union: BTreeSet<usize> = selection
        .indices(FRAMES, FrameReader::Clip)
        .into_iter()
        .collect();
    if with_image_detector {
        union.extend(selection.indices(FRAMES, FrameReader::Image));
    }
    union.len()
}

pub async fn execute(args: FramesBenchArgs) -> anyhow::Result<ExitCode> {
    let dir = tempfile_dir()?;
    let scratch = dir.join("frames");
    std::fs::create_dir_all(&scratch)
        .with_context(|| format!("cannot create {}", scratch.display()))?;
    let summary = dfbench_benchmarks::synth::write_demo_dataset(&scratch.join("demo-data"))?;
    let videos = summary
        .layouts
        .iter()
        .find(|layout| layout.name == "clips")
        .map_or(0, |layout| layout.images / FRAMES);
    outln!(
        "dfbench bench frames: {videos} videos of {FRAMES} frames, frames = \"uniform:{}\", {} workers",
        args.frames,
        args.workers
    );
    let mut seconds = Vec::new();
    for (label, with_image) in [("temporal alone", false), ("temporal + spectral", true)] {
        let database_url = format!(
            "sqlite:{}",
            scratch.join(format!("{with_image}.db")).display()
        );
        let store = dfbench_store::open_store(&database_url).await?;
        let mut cluster = LocalCluster::start(Arc::clone(&store), args.workers).await?;
        let mut client = connect(&cluster.coordinator.url(), None).await?;
        let request = SubmitRunRequest {
            suite_toml: suite(args.frames, with_image),
            suite_origin: "bench frames".to_string(),
            data_root: scratch.display().to_string(),
            name: "bench-frames".to_string(),
            no_reuse: true,
            ..Default::default()
        };
        let started = Instant::now();
        let run_id = submit(&mut client, request).await?;
        let last = tokio::select! {
            outcome = progress::follow(&mut client, &run_id) => outcome?,
            error = cluster.worker_failure() => return Err(error),
        };
        let elapsed = started.elapsed().as_secs_f64();
        cluster.stop().await?;
        let decoded = store
            .run(&dfbench_store::RunId(run_id.clone()))
            .await?
            .datasets
            .iter()
            .map(|dataset| dataset.samples)
            .sum::<i64>();
        let union = union_per_video(args.frames as usize, with_image) * videos;
        outln!(
            "  {label:<20} {decoded:>5} frames decoded (union of the selections: {union}), {} predictions, {} clips, {elapsed:.3} s, status {}",
            last.predictions,
            last.clips,
            last.status
        );
        seconds.push(elapsed);
    }
    outln!(
        "  time with the image detector / clip detector alone: {:.3}",
        seconds[1] / seconds[0]
    );
    // The whole per-process folder, not only this bench's part of it.
    let _ = std::fs::remove_dir_all(&dir);
    Ok(ExitCode::SUCCESS)
}
