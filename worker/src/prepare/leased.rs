//! A prepare run's shard on a worker: the lease's videos prepared one by one on a thread of
//! their own, each becoming one outcome for the run — the share of its sampled frames that
//! were written (1.0 when every one was; a stored score must lie in [0, 1], and this one is a
//! share, not a probability of fake) or the video's typed failure (`decode_error`,
//! `video_too_short`, `file_unreadable`, …). A video an earlier
//! attempt finished (same recipe, same video bytes) is not redone. Per-frame failures
//! (`no_face`, `forward_error`) stay in the video's record.
//!
//! Before anything is written, the output folder the lease names is resolved against this
//! worker's own `--output-root` and refused (`output_refused`) unless it lies inside it.
//!
//! Must not touch: anything outside this worker's output root, or the network (the pull loop
//! sends what this produces).

use super::finish::finished_record;
use super::job::{Crop, Cropper, FaceAlign, FrameRecord, Recipe, prepare_video};
use super::output::Layout;
use super::video::VideoDecoder;
use crate::scoring::{PipelineStopped, ScoredChunk};
use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::card::face::ResolvedFaceCard;
use dfbench_benchmarks::prepare_lease::{PrepareLease, check_relative_out};
use dfbench_proto::v1::{self as pb, prediction::Outcome};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Why a worker will not prepare a lease at all: the shard is given back, not retried (every
/// attempt on a worker set up alike would meet the same).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    pub kind: FailureKind,
    pub message: String,
}

fn refuse(kind: FailureKind, message: String) -> Refusal {
    Refusal { kind, message }
}

/// Whether `lease` is a prepare run's (its one detector is a prepare recipe).
pub fn is_prepare_lease(lease: &pb::ShardLease) -> bool {
    lease
        .detectors
        .iter()
        .any(|spec| spec.kind == dfbench_benchmarks::suite::PREPARE_KIND)
}

/// `out` under `output_root`, created, when it stays inside it (symlinks resolved); else the
/// refusal that says why.
pub fn resolve_output(output_root: Option<&Path>, out: &str) -> Result<PathBuf, Refusal> {
    let outside = |message: String| refuse(FailureKind::OutputRefused, message);
    let Some(root) = output_root else {
        return Err(outside(
            "this worker was started without --output-root, so it writes no prepare output; \
             start it with --output-root DIR (the coordinator's output root as this machine sees it)"
                .to_string(),
        ));
    };
    check_relative_out(out)
        .map_err(|problem| outside(format!("{problem} ({})", root.display())))?;
    let folder = root.join(out);
    std::fs::create_dir_all(&folder).map_err(|error| {
        outside(format!(
            "cannot create the output folder {}: {error}",
            folder.display()
        ))
    })?;
    let canonical = |path: &Path| {
        path.canonicalize()
            .map_err(|error| outside(format!("cannot resolve {}: {error}", path.display())))
    };
    let (root, resolved) = (canonical(root)?, canonical(&folder)?);
    if !resolved.starts_with(&root) {
        return Err(outside(format!(
            "the output folder {out} leads to {}, outside this worker's output root {} \
             (through a symlink); point it inside the root",
            resolved.display(),
            root.display()
        )));
    }
    Ok(resolved)
}

/// Everything a worker needs to prepare a lease's videos.
struct Setup {
    input: PathBuf,
    layout: Layout,
    recipe: Recipe,
    cropper: Cropper,
    spec: pb::DetectorSpec,
    decoder: VideoDecoder,
}

fn setup(
    lease: &pb::ShardLease,
    output_root: Option<&Path>,
    device: &str,
) -> Result<Setup, Refusal> {
    let bad_card = |message: String| refuse(FailureKind::BadDetectorCard, message);
    let spec = lease
        .detectors
        .iter()
        .find(|spec| spec.kind == dfbench_benchmarks::suite::PREPARE_KIND)
        .cloned()
        .ok_or_else(|| bad_card("the lease has no prepare detector".to_string()))?;
    let prepare = PrepareLease::from_json(&spec.card_toml).map_err(bad_card)?;
    let recipe: Recipe = serde_json::from_str(&prepare.recipe)
        .map_err(|error| bad_card(format!("the prepare recipe is not readable: {error}")))?;
    if recipe.fingerprint() != spec.fingerprint {
        return Err(bad_card(format!(
            "the prepare recipe's fingerprint here is {}, the run's is {}: this worker's \
             dfbench writes another recipe; run the same dfbench version as the client",
            recipe.fingerprint(),
            spec.fingerprint
        )));
    }
    let out = resolve_output(output_root, &prepare.out)?;
    let cropper = cropper(&recipe, prepare.faces.as_deref(), device)?;
    Ok(Setup {
        input: PathBuf::from(&lease.dataset_root),
        layout: Layout {
            out,
            dataset: lease.dataset_name.clone(),
        },
        recipe,
        cropper,
        spec,
        decoder: VideoDecoder::default(),
    })
}

/// The cropper the recipe asks for: whole frames, or the face-detector card it was made with.
fn cropper(recipe: &Recipe, faces: Option<&str>, device: &str) -> Result<Cropper, Refusal> {
    let align = match recipe.crop {
        Crop::WholeFrame => return Ok(Cropper::WholeFrame),
        Crop::Dfb => FaceAlign::Dfb,
        Crop::Box => FaceAlign::Box,
    };
    let Some(path) = faces else {
        return Err(refuse(
            FailureKind::BadDetectorCard,
            "the recipe crops faces but the lease names no face-detector card".to_string(),
        ));
    };
    let card = ResolvedFaceCard::load(Path::new(path)).map_err(|error| {
        refuse(
            FailureKind::BadDetectorCard,
            format!("face-detector card {path}: {error}"),
        )
    })?;
    if recipe.detector.as_deref() != Some(card.fingerprint.as_str()) {
        return Err(refuse(
            FailureKind::BadDetectorCard,
            format!(
                "face-detector card {path} has fingerprint {}, not the recipe's: the card changed since the run was made",
                card.fingerprint
            ),
        ));
    }
    crate::faces::load_detector(&card, device)
        .map(|detector| Cropper::Faces(detector, align))
        .map_err(|error| {
            refuse(
                FailureKind::ModelLoadError,
                format!("face detector {path}: {error}"),
            )
        })
}

/// A prepare shard in progress: one chunk (one outcome) per video, in lease order.
pub struct PrepareShard {
    receiver: tokio::sync::mpsc::Receiver<Result<ScoredChunk, String>>,
    remaining: usize,
    delivered: usize,
}

impl PrepareShard {
    /// Starts preparing `lease`'s videos, or says why this worker will not.
    pub fn start(
        lease: &pb::ShardLease,
        output_root: Option<&Path>,
        device: &str,
        decoder: VideoDecoder,
    ) -> Result<PrepareShard, Refusal> {
        let mut setup = setup(lease, output_root, device)?;
        setup.decoder = decoder;
        let samples = lease.samples.clone();
        let (sender, receiver) = tokio::sync::mpsc::channel(1);
        let remaining = samples.len();
        std::thread::spawn(move || {
            for sample in samples {
                let outcome = prepare_one(&mut setup, &sample);
                let failed = outcome.is_err();
                // The receiver is gone when the shard was dropped: stop after this video.
                if sender.blocking_send(outcome).is_err() || failed {
                    return;
                }
            }
        });
        Ok(PrepareShard {
            receiver,
            remaining,
            delivered: 0,
        })
    }

    /// The next video's outcome; `None` once every video was delivered. An error stops the
    /// shard (the output folder cannot be written, FFmpeg is missing).
    pub async fn next_chunk(&mut self) -> Option<Result<ScoredChunk, (FailureKind, String)>> {
        if self.remaining == 0 {
            return None;
        }
        match self.receiver.recv().await {
            Some(Ok(chunk)) => {
                self.remaining -= 1;
                self.delivered += 1;
                Some(Ok(chunk))
            }
            Some(Err(message)) => {
                self.remaining = 0;
                Some(Err((FailureKind::WorkerError, message)))
            }
            None => {
                self.remaining = 0;
                let stopped = PipelineStopped {
                    delivered: self.delivered,
                };
                Some(Err((FailureKind::WorkerCrash, stopped.to_string())))
            }
        }
    }
}

/// The share of a video's sampled frames that were written (frames without a face, or that
/// the face detector failed on, are not): the outcome of a video that did not fail, in [0, 1]
/// as every stored score is.
fn written_share(frames: &[FrameRecord]) -> f64 {
    if frames.is_empty() {
        return 0.0;
    }
    let written = frames.iter().filter(|frame| frame.path.is_some()).count();
    written as f64 / frames.len() as f64
}

/// One video: its finished record if an earlier attempt wrote one, else prepared now.
fn prepare_one(setup: &mut Setup, sample: &pb::SampleRef) -> Result<ScoredChunk, String> {
    let started = Instant::now();
    let video = sample.path.as_str();
    let done = finished_record(&setup.input, &setup.layout, &setup.recipe, video)
        .map_err(|error| error.to_string())?;
    let record = match done {
        Some((record, _)) => {
            tracing::info!(video, "already done");
            record
        }
        None => prepare_video(
            &setup.input,
            video,
            &setup.recipe,
            &mut setup.cropper,
            &setup.layout,
            setup.decoder,
        )
        .map_err(|error| error.to_string())?,
    };
    let outcome = match (&record.failure, &record.message) {
        (Some(kind), message) => Outcome::Failure(pb::Failure {
            kind: kind.to_string(),
            message: message.clone().unwrap_or_default(),
        }),
        (None, _) => Outcome::Score(written_share(&record.frames)),
    };
    let prediction = pb::Prediction {
        sample_id: sample.sample_id,
        detector: setup.spec.name.clone(),
        outcome: Some(outcome),
        latency_us: u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX),
        detector_fingerprint: setup.spec.fingerprint.clone(),
    };
    Ok(ScoredChunk {
        predictions: vec![prediction],
        clips: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_folders_outside_the_workers_root_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("root");
        std::fs::create_dir_all(&root).expect("root");
        let inside = resolve_output(Some(&root), "a/b").expect("inside");
        assert!(inside.ends_with("root/a/b") && inside.is_dir());
        for out in ["../escape", "/tmp/x"] {
            let refused = resolve_output(Some(&root), out).expect_err(out);
            assert_eq!(refused.kind, FailureKind::OutputRefused);
        }
        std::os::unix::fs::symlink(dir.path(), root.join("link")).expect("symlink");
        let refused = resolve_output(Some(&root), "link/out").expect_err("through a link");
        assert!(
            refused
                .message
                .contains("outside this worker's output root"),
            "{refused}"
        );
        let refused = resolve_output(None, "a").expect_err("no root");
        assert!(refused.message.contains("--output-root"), "{refused}");
    }
}
