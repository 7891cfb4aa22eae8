//! `dfbench bench detector` on a clip card (TorchScript or ONNX): the frames (a folder, or
//! generated PNGs) in order, cut into consecutive clips of the card's `clip_size`, measured in
//! clips per second three ways in one run: forward only on clip tensors prepared beforehand,
//! dfbench end to end (the worker's shard pipeline: each frame decoded once, clips scored as
//! their frames arrive), and for a TorchScript card the plain PyTorch loop (PIL decode, stacking)
//! of anchor.py.

use super::DetectorArgs;
use super::anchor::python_anchor;
use super::image_bench::median;
use super::inputs::{Scratch, list_images, write_images};
use super::subject::Subject;
use crate::output::outln;
use anyhow::Context;
use dfbench_benchmarks::card::ResolvedCard;
use dfbench_benchmarks::image_io::{RgbImage, decode_rgb};
use dfbench_benchmarks::perturb::Perturbation;
use dfbench_proto::v1::{self as pb, clip_prediction::Outcome};
use dfbench_worker::Detector;
use dfbench_worker::detector::ClipFrames;
use dfbench_worker::scoring::{LoadedDetector, ShardInput, ShardScoring};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

pub async fn execute(args: DetectorArgs, resolved: ResolvedCard) -> anyhow::Result<ExitCode> {
    let card = resolved.card.clone();
    let spec = card
        .clip_spec()
        .map_err(|problems| anyhow::anyhow!("{}: {}", args.card.display(), problems.join("; ")))?
        .context("not a clip card")?;
    let clip_size = spec.clip_size as usize;
    let generated = Scratch::new()?;
    let (root, files, source) = match &args.images {
        Some(folder) => (
            folder.clone(),
            list_images(folder)?,
            format!("frames in {}", folder.display()),
        ),
        None => {
            let files = write_images(generated.0.as_path(), args.count, card.input_size)?;
            let side = card.input_size;
            let root = generated.0.as_path().to_path_buf();
            (root, files, format!("generated {side}x{side} PNG frames"))
        }
    };
    let clip_count = files.len() / clip_size;
    anyhow::ensure!(
        clip_count > 0,
        "{} holds {} frame(s), fewer than one clip of {clip_size}; give more (--count or --images)",
        root.display(),
        files.len()
    );
    let files = &files[..clip_count * clip_size];
    let subject = Subject::load(&args.card, &resolved, &args.device)?;
    outln!(
        "dfbench bench detector {}: {clip_count} clips of {clip_size} ({} {source}), input {}, batch {} clips, {} threads, device {}, {}",
        args.card.display(),
        files.len(),
        spec.input,
        card.batch_size,
        args.threads,
        args.device,
        subject.runtime.describe()
    );

    // Clip tensors prepared once, outside the timing of the forward-only measurement.
    let frames: Vec<RgbImage> = files
        .iter()
        .map(|file| decode_rgb(&root.join(file)))
        .collect::<Result<_, _>>()?;
    let clips: Vec<ClipFrames> = frames
        .chunks(clip_size)
        .map(|clip| clip.iter().collect())
        .collect();
    let batch = card.batch_size.max(1) as usize;
    let prepared: Vec<(Vec<f32>, usize)> = clips
        .chunks(batch)
        .map(|chunk| (subject.preprocessing.prepare_clip_batch(chunk), chunk.len()))
        .collect();
    let forward_only = || {
        let batches = prepared.clone();
        let started = Instant::now();
        for (input, size) in batches {
            subject.forward(input, size)?;
        }
        anyhow::Ok(clip_count as f64 / started.elapsed().as_secs_f64())
    };
    let shard = Shard::new(&root, files, clip_size);
    let (mut forward_rates, mut end_to_end_rates) = (Vec::new(), Vec::new());
    for round in 0..=args.rounds.max(1) {
        let forward = forward_only()?;
        let end_to_end = shard
            .end_to_end(Arc::clone(&subject.detector), batch)
            .await?;
        if round > 0 {
            forward_rates.push(forward);
            end_to_end_rates.push(end_to_end);
        }
    }
    let (forward, end_to_end) = (median(forward_rates), median(end_to_end_rates));
    outln!("  forward only            {forward:>9.1} clips/s");
    outln!("  dfbench end to end      {end_to_end:>9.1} clips/s");
    outln!("  end to end / forward    {:>9.3}", end_to_end / forward);

    let paths: Vec<PathBuf> = files.iter().map(|file| root.join(file)).collect();
    let Some(anchor) = python_anchor(subject.runtime, &args, &card, &paths, &generated.0)? else {
        return Ok(ExitCode::SUCCESS);
    };
    outln!(
        "  pytorch clip loop       {:>9.1} clips/s   (DataLoader with {} workers, PIL, torch.stack)",
        anchor.end_to_end,
        args.loader_workers
    );
    outln!(
        "  dfbench / pytorch       {:>9.3}   (target >= 1.2)",
        end_to_end / anchor.end_to_end
    );
    Ok(ExitCode::SUCCESS)
}

/// The frames as one shard's samples and its consecutive clips.
struct Shard {
    root: PathBuf,
    samples: Vec<pb::SampleRef>,
    clips: Vec<pb::ClipRef>,
}

impl Shard {
    fn new(root: &Path, files: &[String], clip_size: usize) -> Shard {
        let samples: Vec<pb::SampleRef> = files
            .iter()
            .enumerate()
            .map(|(index, path)| pb::SampleRef {
                sample_id: index as i64,
                path: path.clone(),
                clip_only: false,
            })
            .collect();
        let clips = samples
            .chunks(clip_size)
            .enumerate()
            .map(|(index, frames)| pb::ClipRef {
                detector: "bench".to_string(),
                video_key: "bench".to_string(),
                clip_index: index as u32,
                sample_ids: frames.iter().map(|frame| frame.sample_id).collect(),
            })
            .collect();
        Shard {
            root: root.to_path_buf(),
            samples,
            clips,
        }
    }

    /// Clips per second of one pass of the worker's pipeline (chunks of `batch` clips' frames);
    /// fails on any clip that was not scored.
    async fn end_to_end(&self, detector: Arc<dyn Detector>, batch: usize) -> anyhow::Result<f64> {
        let started = Instant::now();
        let detectors = Arc::new(vec![LoadedDetector::Ready(detector)]);
        let frames_per_clip = self.samples.len() / self.clips.len().max(1);
        let input = ShardInput {
            root: self.root.clone(),
            samples: self.samples.clone(),
            clips: self.clips.clone(),
            perturbation: Perturbation::none(),
            decode: Default::default(),
        };
        let mut scoring = ShardScoring::start_shard(input, detectors, batch * frames_per_clip);
        let mut scored = 0;
        while let Some(chunk) = scoring.next_chunk().await {
            for clip in chunk?.clips {
                match clip.outcome {
                    Some(Outcome::Score(_)) => scored += 1,
                    other => anyhow::bail!("clip {} was not scored: {other:?}", clip.clip_index),
                }
            }
        }
        Ok(f64::from(scored) / started.elapsed().as_secs_f64())
    }
}
