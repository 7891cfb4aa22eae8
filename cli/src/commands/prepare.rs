//! `dfbench prepare VIDEOS --dataset NAME --out DIR [--faces CARD]`: videos → DeepfakeBench-layout frames
//! (whole frames, or face crops from a face-detector card),
//! `dataset_json/<NAME>.json` and a per-frame provenance manifest. The work is a run
//! (`prepare_run`): workers lease the videos a few at a time and write under the output root
//! (`dfbench_worker::prepare::leased`); this command assembles the manifest and the JSON from
//! the per-video records once the run is over. Resumable: a rerun redoes only videos without a
//! finished record.

use crate::output::outln;
use anyhow::Context;
use dfbench_benchmarks::adapter::video_files::{VIDEO_EXTENSIONS, list_videos};
use dfbench_benchmarks::card::face::ResolvedFaceCard;
use dfbench_benchmarks::roots::canonical;
use dfbench_worker::prepare::dataset_json::Splits;
use dfbench_worker::prepare::finish::{self, Job};
use dfbench_worker::prepare::job::{Crop, PREPARE_VERSION, Recipe};
use dfbench_worker::prepare::output::Layout;
use dfbench_worker::prepare::video::Sampling;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct PrepareArgs {
    /// Folder of videos; each video's first folder under it is its label group (e.g.
    /// `FF-real/000.mp4`, `FF-DF/000_003.mp4`).
    pub videos: PathBuf,
    /// Dataset name: the JSON's top key and file name, and the folder under `rgb/`.
    #[arg(long)]
    pub dataset: String,
    /// Output folder (created); must lie under --output-root.
    #[arg(long)]
    pub out: PathBuf,
    /// The only folder the workers may write under (default: --out itself). With
    /// --coordinator: the coordinator's --output-root as this machine sees it.
    #[arg(long)]
    pub output_root: Option<PathBuf>,
    /// N frames evenly spaced over each video (DeepfakeBench: 32).
    #[arg(long, default_value_t = 32, conflicts_with = "every")]
    pub frames: usize,
    /// Every k-th frame instead (DeepfakeBench's fixed_stride).
    #[arg(long)]
    pub every: Option<usize>,
    /// Output side in pixels.
    #[arg(long, default_value_t = 256)]
    pub size: u32,
    /// Face detector: a face-detector card (`dfbench import --family mtcnn`; its card.toml or
    /// folder), or `none` to write whole frames (centred square, resized; not DeepfakeBench's
    /// faces). With a card, the largest face of each frame is cropped as --align says and a
    /// frame without a face is recorded as `no_face`. Needs a build with the card's runtime.
    #[arg(long, default_value = "none", value_name = "CARD|DIR|none")]
    pub faces: String,
    /// With --faces: `dfb` (the five landmarks onto the ArcFace template, +8 x, margin 1.3:
    /// DeepfakeBench's geometry, MTCNN in place of dlib) or `box` (the largest box ×1.3,
    /// squared, resized; not DeepfakeBench's).
    #[arg(long, default_value = "dfb", value_parser = ["dfb", "box"])]
    pub align: String,
    /// Device the local workers' face detector runs on: cpu or cuda:N (with --coordinator,
    /// each worker's --device).
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Folder with FF++'s official train.json, val.json, test.json (else every video is `test`).
    #[arg(long)]
    pub splits: Option<PathBuf>,
    /// Compression level written under each split for FF++-family dataset names.
    #[arg(long, default_value = "c23")]
    pub compression: String,
    /// Local workers (without --coordinator), each preparing one video at a time.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
    #[command(flatten)]
    pub video_decoder: crate::args::VideoDecoderArgs,
    /// Videos per shard (one lease).
    #[arg(long, default_value_t = 4)]
    pub shard_videos: usize,
    /// Lease the videos to this coordinator's workers (started with --output-root) instead of
    /// local workers.
    #[command(flatten)]
    pub coordinator: crate::args::CoordinatorArgs,
    /// Without --coordinator: the store the run is recorded in.
    #[command(flatten)]
    pub store: crate::args::StoreArgs,
    /// Pause after each video (for tests that kill a job half way).
    #[arg(long, default_value_t = 0, hide = true)]
    pub video_delay_ms: u64,
}

pub async fn execute(args: PrepareArgs) -> anyhow::Result<ExitCode> {
    let absolute = |path: &PathBuf| {
        std::path::absolute(path)
            .map(|path| canonical(&path))
            .with_context(|| format!("cannot resolve {}", path.display()))
    };
    let output_root = absolute(args.output_root.as_ref().unwrap_or(&args.out))?;
    let out = absolute(&args.out)?;
    let input = absolute(&args.videos)?;
    let Some(relative_out) = relative_to(&out, &output_root) else {
        anyhow::bail!(
            "--out {} is outside the output root {}: prepare writes only under its output root; \
             pick an --out under it",
            out.display(),
            output_root.display()
        );
    };
    if args.coordinator.coordinator.is_some() && args.output_root.is_none() {
        anyhow::bail!(
            "--coordinator needs --output-root: the coordinator's output root as this machine \
             sees it (the workers write --out relative to it)"
        );
    }
    let sampling = match args.every {
        Some(0) => anyhow::bail!("--every 0 is not a stride: use --every K with K ≥ 1"),
        Some(step) => Sampling::Every(step),
        None if args.frames == 0 => anyhow::bail!("--frames 0: use --frames N with N ≥ 1"),
        None => Sampling::Evenly(args.frames),
    };
    let splits = match &args.splits {
        Some(dir) => Some(Splits::read(dir).map_err(anyhow::Error::msg)?),
        None => None,
    };
    let videos = list_videos(&input).map_err(anyhow::Error::msg)?;
    if videos.is_empty() {
        anyhow::bail!(
            "no videos ({}) under {}",
            VIDEO_EXTENSIONS.join(", "),
            args.videos.display()
        );
    }
    let faces = face_card(&args.faces)?;
    let crop = match (&faces, args.align.as_str()) {
        (None, _) => Crop::WholeFrame,
        (Some(_), "box") => Crop::Box,
        (Some(_), _) => Crop::Dfb,
    };
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let job = Job {
        input: input.clone(),
        layout: Layout {
            out,
            dataset: args.dataset.clone(),
        },
        recipe: Recipe {
            sampling,
            size: args.size,
            crop,
            detector: faces.as_ref().map(|(_, card)| card.fingerprint.clone()),
            version: PREPARE_VERSION,
        },
        splits,
        compression: args.compression.clone(),
    };
    let already_done = videos.len() - finish::unfinished(&job, &videos)?.len();
    let run = super::prepare_run::PrepareRun {
        input: &input,
        dataset: &args.dataset,
        recipe_json: serde_json::to_string(&job.recipe).context("cannot write the recipe")?,
        out: relative_out,
        output_root: &output_root,
        faces: faces.as_ref().map(|(path, _)| path.as_path()),
    };
    let (run_id, last) = super::prepare_run::run(&args, &run).await?;
    let unfinished = finish::unfinished(&job, &videos)?;
    if !unfinished.is_empty() {
        eprintln!(
            "run {run_id} {}: {} of {} videos have no finished record (their outcomes: `dfbench \
             export --run {run_id}`); the manifest and dataset JSON are not written. Run the \
             same command again to redo them:",
            last.status,
            unfinished.len(),
            videos.len()
        );
        for video in &unfinished {
            eprintln!("  {video}");
        }
        return Ok(ExitCode::FAILURE);
    }
    let summary = finish::finish(&job, &videos)?;
    outln!(
        "prepared {} videos ({} already done) into {}: {} frames written (run {run_id})",
        summary.videos,
        already_done,
        job.layout.out.display(),
        summary.frames_written
    );
    for (kind, count) in &summary.failed_videos {
        outln!("  {count} videos failed: {kind} (see manifest.jsonl)");
    }
    for (kind, count) in &summary.failed_frames {
        outln!("  {count} frames failed: {kind} (see manifest.jsonl)");
    }
    for video in &summary.unsplit {
        outln!("  {video}: in no split file, left out of the dataset JSON");
    }
    Ok(ExitCode::SUCCESS)
}

/// `path` relative to `root`, `/`-separated (`.` for the root itself); `None` outside it.
fn relative_to(path: &Path, root: &Path) -> Option<String> {
    let rest = path.strip_prefix(root).ok()?;
    let parts: Vec<String> = rest
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    })
}

/// The face-detector card `--faces` names (a card.toml or the folder holding one), with its
/// absolute path (the workers load it); `None` for `none`.
fn face_card(faces: &str) -> anyhow::Result<Option<(PathBuf, ResolvedFaceCard)>> {
    if faces == "none" {
        return Ok(None);
    }
    let given = PathBuf::from(faces);
    let path = if given.is_dir() {
        given.join("card.toml")
    } else {
        given
    };
    let path = std::path::absolute(&path).unwrap_or(path);
    ResolvedFaceCard::load(&path)
        .map(|card| Some((path, card)))
        .with_context(|| format!("--faces {faces}: not a face-detector card (use `none` for whole frames, or a card from `dfbench import --family mtcnn`)"))
}
