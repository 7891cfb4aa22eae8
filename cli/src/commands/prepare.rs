//! `dfbench prepare VIDEOS --dataset NAME --out DIR [--faces CARD]`: videos → DeepfakeBench-layout frames
//! (whole frames, or face crops from a face-detector card),
//! `dataset_json/<NAME>.json` and a per-frame provenance manifest (the work itself is in
//! `dfbench_worker::prepare`). Resumable: a rerun redoes only videos without a finished record.

use crate::output::outln;
use anyhow::Context;
use dfbench_benchmarks::card::face::ResolvedFaceCard;
use dfbench_benchmarks::roots::canonical;
use dfbench_worker::prepare::dataset_json::Splits;
use dfbench_worker::prepare::job::{Crop, Cropper, FaceAlign, PREPARE_VERSION, Recipe};
use dfbench_worker::prepare::output::Layout;
use dfbench_worker::prepare::pool::{self, Job};
use dfbench_worker::prepare::video::Sampling;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

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
    /// The only folder this command may write under (default: --out itself).
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
    /// Device the face detector runs on: cpu or cuda:N.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Folder with FF++'s official train.json, val.json, test.json (else every video is `test`).
    #[arg(long)]
    pub splits: Option<PathBuf>,
    /// Compression level written under each split for FF++-family dataset names.
    #[arg(long, default_value = "c23")]
    pub compression: String,
    /// Worker threads.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
    /// Pause after each video (for tests that kill a job half way).
    #[arg(long, default_value_t = 0, hide = true)]
    pub video_delay_ms: u64,
}

pub fn execute(args: PrepareArgs) -> anyhow::Result<ExitCode> {
    let absolute = |path: &PathBuf| {
        std::path::absolute(path)
            .map(|path| canonical(&path))
            .with_context(|| format!("cannot resolve {}", path.display()))
    };
    let output_root = absolute(args.output_root.as_ref().unwrap_or(&args.out))?;
    let out = absolute(&args.out)?;
    if !out.starts_with(&output_root) {
        anyhow::bail!(
            "--out {} is outside the output root {}: prepare writes only under its output root; \
             pick an --out under it",
            out.display(),
            output_root.display()
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
    let videos = pool::list_videos(&args.videos).map_err(anyhow::Error::msg)?;
    if videos.is_empty() {
        anyhow::bail!(
            "no videos ({}) under {}",
            pool::VIDEO_EXTENSIONS.join(", "),
            args.videos.display()
        );
    }
    let faces = face_card(&args.faces)?;
    let (crop, align) = match (&faces, args.align.as_str()) {
        (None, _) => (Crop::WholeFrame, FaceAlign::Dfb),
        (Some(_), "box") => (Crop::Box, FaceAlign::Box),
        (Some(_), _) => (Crop::Dfb, FaceAlign::Dfb),
    };
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let job = Job {
        input: args.videos.clone(),
        layout: Layout {
            out,
            dataset: args.dataset.clone(),
        },
        recipe: Recipe {
            sampling,
            size: args.size,
            crop,
            detector: faces.as_ref().map(|card| card.fingerprint.clone()),
            version: PREPARE_VERSION,
        },
        splits,
        compression: args.compression.clone(),
        threads: args.workers,
        pause_after_video: Duration::from_millis(args.video_delay_ms),
    };
    // Each worker thread loads its own detector (the nets are not shared across threads).
    let cropper = || match &faces {
        None => Ok(Cropper::WholeFrame),
        Some(card) => dfbench_worker::faces::load_detector(card, &args.device)
            .map(|detector| Cropper::Faces(detector, align))
            .map_err(|error| {
                format!(
                    "cannot load the face detector of --faces {}: {error}",
                    args.faces
                )
            }),
    };
    let done = |record: &dfbench_worker::prepare::job::VideoRecord, reused: bool| {
        let what = match (&record.failure, reused) {
            (Some(kind), _) => format!("failed: {kind}"),
            (None, true) => "already done".to_string(),
            (None, false) => format!("{} frames", record.frames.len()),
        };
        tracing::info!(video = %record.video, "{what}");
    };
    let summary = pool::run(&job, &videos, &cropper, &done)?;
    outln!(
        "prepared {} videos ({} already done) into {}: {} frames written",
        summary.videos,
        summary.reused,
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

/// The face-detector card `--faces` names (a card.toml or the folder holding one); `None` for
/// `none`.
fn face_card(faces: &str) -> anyhow::Result<Option<ResolvedFaceCard>> {
    if faces == "none" {
        return Ok(None);
    }
    let given = PathBuf::from(faces);
    let path = if given.is_dir() {
        given.join("card.toml")
    } else {
        given
    };
    ResolvedFaceCard::load(&path)
        .map(Some)
        .with_context(|| format!("--faces {faces}: not a face-detector card (use `none` for whole frames, or a card from `dfbench import --family mtcnn`)"))
}
