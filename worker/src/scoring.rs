//! Scoring one chunk of a shard: decode its images once, in parallel, then hand the decoded
//! batch to every image detector, and turn every outcome — score, undecodable file, detector
//! error or panic — into a prediction. Clip detectors get the same decoded frames through
//! [`crate::clips::ClipTracker`], which scores each clip as soon as its frames are decoded.
//!
//! `ShardScoring` runs that for a whole shard as a pipeline of two threads joined by a bounded
//! queue: the next chunk is decoded on the CPU while the detectors (and the device behind a model
//! runtime) score the previous one.

use crate::budget::{DEFAULT_DECODE_BUDGET, DecodeBudget};
use crate::clips::ClipTracker;
pub use crate::decode::{DecodedSample, decode_chunk, decode_chunk_with};
use crate::detector::{Detector, DetectorFailure};
use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::card::clip::InputKind;
use dfbench_benchmarks::image_io::{DecodeOptions, ExifOrientation, RgbImage, declared_pixels};
use dfbench_benchmarks::perturb::Perturbation;
use dfbench_proto::v1::{self as pb, prediction::Outcome};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// A detector of the run, or the reason this worker cannot run it.
pub enum LoadedDetector {
    Ready(Arc<dyn Detector>),
    Unavailable {
        name: String,
        /// What the detector would read (from its spec): an unavailable clip detector fails its
        /// clips, an unavailable image detector its samples.
        input: InputKind,
        /// Typed failure reason recorded for each of its predictions, e.g. `model_load_error`.
        kind: FailureKind,
        reason: String,
    },
}

impl LoadedDetector {
    pub fn name(&self) -> &str {
        match self {
            LoadedDetector::Ready(detector) => detector.name(),
            LoadedDetector::Unavailable { name, .. } => name,
        }
    }

    /// Images, or clips (`clip`, `thumbnail`).
    pub fn input(&self) -> InputKind {
        match self {
            LoadedDetector::Ready(detector) => detector.input(),
            LoadedDetector::Unavailable { input, .. } => *input,
        }
    }

    pub(crate) fn fingerprint(&self) -> String {
        match self {
            LoadedDetector::Ready(detector) => detector.fingerprint(),
            LoadedDetector::Unavailable { .. } => String::new(),
        }
    }
}

/// Why no item of a batch has a result of its own: (kind, message).
pub(crate) type BatchFailure = (FailureKind, String);

/// Runs `score` on a whole batch of `len` items with `loaded`: one result per item and the
/// per-item latency (µs), or the failure every item of the batch shares (detector unavailable,
/// panicked, or returned the wrong number of results).
pub(crate) fn run_batch(
    loaded: &LoadedDetector,
    len: usize,
    what: &str,
    score: impl FnOnce(&dyn Detector) -> Vec<Result<f64, DetectorFailure>>,
) -> Result<(Vec<Result<f64, DetectorFailure>>, u32), BatchFailure> {
    let detector = match loaded {
        LoadedDetector::Ready(detector) => detector,
        LoadedDetector::Unavailable { kind, reason, .. } => {
            return Err((kind.clone(), reason.clone()));
        }
    };
    if len == 0 {
        return Ok((Vec::new(), 0));
    }
    let started = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| score(detector.as_ref())));
    let per_item = started.elapsed().as_micros() / len as u128;
    let latency_us = per_item.min(u128::from(u32::MAX)) as u32;
    match outcome {
        Ok(results) if results.len() == len => Ok((results, latency_us)),
        Ok(results) => Err((
            FailureKind::DetectorError,
            format!(
                "detector returned {} results for a batch of {len} {what}",
                results.len()
            ),
        )),
        Err(_) => Err((
            FailureKind::DetectorPanic,
            "detector panicked on this batch".to_string(),
        )),
    }
}

/// One detector result as stored: the score when it is a probability, else the typed failure.
pub(crate) fn checked(result: &Result<f64, DetectorFailure>) -> Result<f64, BatchFailure> {
    match result {
        Ok(score) if score.is_finite() && (0.0..=1.0).contains(score) => Ok(*score),
        Ok(score) => Err((
            FailureKind::InvalidScore,
            format!("detector returned {score}, not a probability in [0, 1]"),
        )),
        Err(failure) => Err((failure.kind.clone(), failure.message.clone())),
    }
}

fn failure(
    sample_id: i64,
    detector: &LoadedDetector,
    kind: &FailureKind,
    message: String,
) -> pb::Prediction {
    pb::Prediction {
        sample_id,
        detector: detector.name().to_string(),
        outcome: Some(Outcome::Failure(pb::Failure {
            kind: kind.to_string(),
            message,
        })),
        latency_us: 0,
        detector_fingerprint: detector.fingerprint(),
    }
}

/// What one chunk of a shard produced: a prediction per (sample, image detector), and the
/// outcome of every clip whose frames were all decoded by the end of this chunk.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScoredChunk {
    pub predictions: Vec<pb::Prediction>,
    pub clips: Vec<pb::ClipPrediction>,
}

/// Scores `samples` (id, path relative to `root`), unperturbed, with every image detector.
/// Returns one prediction per (image-read sample, image detector), sample-major, in sample
/// order.
pub fn score_chunk(
    root: &Path,
    samples: &[pb::SampleRef],
    detectors: &[LoadedDetector],
) -> Vec<pb::Prediction> {
    score_decoded(
        &decode_chunk(root, samples, &Perturbation::none()),
        detectors,
    )
}

/// Scores `samples` as one chunk, unperturbed: image detectors per sample, and every clip of
/// `clips` (whose frames must be among `samples`) with its clip detector.
pub fn score_chunk_with_clips(
    root: &Path,
    samples: &[pb::SampleRef],
    clips: Vec<pb::ClipRef>,
    detectors: &[LoadedDetector],
) -> ScoredChunk {
    let decoded = decode_chunk(root, samples, &Perturbation::none());
    let predictions = score_decoded(&decoded, detectors);
    let mut tracker = ClipTracker::new(clips, samples, detectors);
    let mut clips = tracker.absorb(decoded, detectors);
    clips.extend(tracker.finish(detectors));
    ScoredChunk { predictions, clips }
}

/// Runs every image detector on the decoded images of one chunk, one `score_batch` call each;
/// clip detectors are left out (they score clips, see [`ClipTracker`]), and so are clip-only
/// samples (no image detector reads them, no prediction is owed for them).
pub fn score_decoded(
    decoded: &[DecodedSample],
    detectors: &[LoadedDetector],
) -> Vec<pb::Prediction> {
    let decoded: Vec<&DecodedSample> = decoded.iter().filter(|sample| !sample.clip_only).collect();
    let mut images = Vec::with_capacity(decoded.len());
    let mut image_of_sample = Vec::with_capacity(decoded.len());
    for sample in &decoded {
        image_of_sample.push(sample.image.as_ref().ok().map(|image| {
            images.push(image);
            images.len() - 1
        }));
    }
    let per_detector: Vec<Vec<pb::Prediction>> = detectors
        .iter()
        .filter(|loaded| loaded.input().is_image())
        .map(|loaded| score_with(loaded, &decoded, &images, &image_of_sample))
        .collect();
    (0..decoded.len())
        .flat_map(|index| per_detector.iter().map(move |column| column[index].clone()))
        .collect()
}

/// One detector's predictions for every sample of the chunk, in sample order.
fn score_with(
    loaded: &LoadedDetector,
    decoded: &[&DecodedSample],
    images: &[&RgbImage],
    image_of_sample: &[Option<usize>],
) -> Vec<pb::Prediction> {
    let batch_outcome = run_batch(loaded, images.len(), "images", |detector| {
        detector.score_batch(images)
    });
    decoded
        .iter()
        .zip(image_of_sample)
        .map(|(sample, image_index)| {
            let sample_id = sample.sample_id;
            // An undecodable or unperturbable image is that sample's failure for every detector.
            if let Err((kind, message)) = &sample.image {
                return failure(sample_id, loaded, kind, message.clone());
            }
            let Some(index) = image_index else {
                let message = "the decoded image was left out of the detector's batch".into();
                return failure(sample_id, loaded, &FailureKind::WorkerError, message);
            };
            let (results, latency_us) = match &batch_outcome {
                Ok(scored) => scored,
                Err((kind, message)) => {
                    let message = format!("{message} ({})", sample.path.display());
                    return failure(sample_id, loaded, kind, message);
                }
            };
            match checked(&results[*index]) {
                Ok(score) => pb::Prediction {
                    sample_id,
                    detector: loaded.name().to_string(),
                    outcome: Some(Outcome::Score(score)),
                    latency_us: *latency_us,
                    detector_fingerprint: loaded.fingerprint(),
                },
                Err((kind, message)) => failure(sample_id, loaded, &kind, message),
            }
        })
        .collect()
}

/// The scoring threads of a shard stopped before delivering every chunk.
#[derive(Debug, thiserror::Error)]
#[error(
    "the scoring pipeline stopped after {delivered} chunk(s), before the shard's last one; see the worker log"
)]
pub struct PipelineStopped {
    pub delivered: usize,
}

/// Scores a whole shard chunk by chunk: a decode thread runs at most one chunk ahead of the
/// scoring thread (a rendezvous channel, nothing queued), and the caller receives each chunk's predictions and clip
/// outcomes in order. A chunk holds at most `chunk_size` samples and stops growing before its
/// images' pixels (read from their headers) pass the budget's [`DecodeBudget::chunk_pixels`]
/// (default [`DEFAULT_DECODE_BUDGET`]). Decoded frames are
/// kept only while a pending clip still needs them. Dropping it stops both threads after the
/// chunk they are working on.
pub struct ShardScoring {
    receiver: tokio::sync::mpsc::Receiver<(ScoredChunk, bool)>,
    delivered: usize,
    finished: bool,
}

impl ShardScoring {
    /// Scores the shard's images as decoded (perturbation `none`), no clips.
    pub fn start(
        root: PathBuf,
        samples: Vec<pb::SampleRef>,
        detectors: Arc<Vec<LoadedDetector>>,
        chunk_size: usize,
    ) -> ShardScoring {
        ShardScoring::start_perturbed(root, samples, Perturbation::none(), detectors, chunk_size)
    }

    /// Scores the shard's images after `perturbation`, no clips.
    pub fn start_perturbed(
        root: PathBuf,
        samples: Vec<pb::SampleRef>,
        perturbation: Perturbation,
        detectors: Arc<Vec<LoadedDetector>>,
        chunk_size: usize,
    ) -> ShardScoring {
        let shard = ShardInput {
            root,
            samples,
            clips: Vec::new(),
            perturbation,
            decode: DecodeOptions::default(),
        };
        ShardScoring::start_shard(shard, detectors, chunk_size)
    }

    /// Scores a shard: its images (after the perturbation, applied once per sample on the
    /// decode thread's rayon pool before any detector sees the image) with every image
    /// detector, and its clips with their clip detectors, each sample decoded once.
    pub fn start_shard(
        shard: ShardInput,
        detectors: Arc<Vec<LoadedDetector>>,
        chunk_size: usize,
    ) -> ShardScoring {
        ShardScoring::start_shard_within(shard, detectors, chunk_size, DEFAULT_DECODE_BUDGET)
    }

    /// As [`ShardScoring::start_shard`], holding at most `budget` of decoded pixels.
    pub fn start_shard_within(
        shard: ShardInput,
        detectors: Arc<Vec<LoadedDetector>>,
        chunk_size: usize,
        budget: DecodeBudget,
    ) -> ShardScoring {
        let chunk_pixels = budget.chunk_pixels();
        let ShardInput {
            root,
            samples,
            clips,
            perturbation,
            decode,
        } = shard;
        let chunk_size = chunk_size.max(1);
        // Nothing to deliver at all only when there are neither samples nor clips; clips of a
        // shard without samples are all malformed and still get one delivery.
        let finished = samples.is_empty() && clips.is_empty();
        let mut tracker = ClipTracker::new(clips, &samples, &detectors);
        // A rendezvous: the decode thread starts the next chunk only once the scoring thread has
        // taken this one (and dropped the one before), so two chunks at most are decoded at once.
        let (decoded_sender, decoded_receiver) = std::sync::mpsc::sync_channel(0);
        let (sender, receiver) = tokio::sync::mpsc::channel(1);
        std::thread::spawn(move || {
            let mut start = 0;
            while start < samples.len() {
                let end = chunk_end(
                    &root,
                    &samples,
                    start,
                    chunk_size,
                    chunk_pixels,
                    decode.max_pixels,
                );
                let decoded = decode_chunk_with(&root, &samples[start..end], &perturbation, decode);
                if decoded_sender
                    .send((decoded, end == samples.len()))
                    .is_err()
                {
                    return;
                }
                start = end;
            }
        });
        std::thread::spawn(move || {
            let mut any = false;
            for (decoded, last) in decoded_receiver {
                any = true;
                let predictions = score_decoded(&decoded, &detectors);
                let mut clips = tracker.absorb(decoded, &detectors);
                if last {
                    clips.extend(tracker.finish(&detectors));
                }
                if sender
                    .blocking_send((ScoredChunk { predictions, clips }, last))
                    .is_err()
                {
                    return;
                }
            }
            if !any && !finished {
                let clips = tracker.finish(&detectors);
                let chunk = ScoredChunk {
                    predictions: Vec::new(),
                    clips,
                };
                let _ = sender.blocking_send((chunk, true));
            }
        });
        ShardScoring {
            receiver,
            delivered: 0,
            finished,
        }
    }

    /// The next chunk's predictions and clip outcomes; `None` once every chunk was delivered.
    pub async fn next_chunk(&mut self) -> Option<Result<ScoredChunk, PipelineStopped>> {
        if self.finished {
            return None;
        }
        match self.receiver.recv().await {
            Some((scored, last)) => {
                self.delivered += 1;
                self.finished = last;
                Some(Ok(scored))
            }
            None => Some(Err(PipelineStopped {
                delivered: self.delivered,
            })),
        }
    }
}

/// Where the chunk starting at `start` ends: after at most `chunk_size` samples, and before the
/// sample whose pixels (from its header, without decoding) would take the chunk's total past
/// `budget` (a chunk always takes its first sample). A header that cannot be read, or declares
/// more than the dataset's decode limit `max_pixels` (refused without decoding), counts as no
/// pixels.
pub fn chunk_end(
    root: &Path,
    samples: &[pb::SampleRef],
    start: usize,
    chunk_size: usize,
    budget: u64,
    max_pixels: u64,
) -> usize {
    let limit = samples.len().min(start + chunk_size.max(1));
    let mut pixels = 0u64;
    for (index, sample) in samples.iter().enumerate().take(limit).skip(start) {
        let declared = declared_pixels(&root.join(&sample.path))
            .filter(|declared| *declared <= max_pixels)
            .unwrap_or(0);
        if index > start && pixels + declared > budget {
            return index;
        }
        pixels += declared;
    }
    limit
}

/// What a shard scores: its samples (paths relative to `root`), the clips its clip detectors
/// owe (frames among `samples`), and the perturbation every sample gets.
pub struct ShardInput {
    pub root: PathBuf,
    pub samples: Vec<pb::SampleRef>,
    pub clips: Vec<pb::ClipRef>,
    pub perturbation: Perturbation,
    /// How the dataset's images are decoded (pixel limit, EXIF rule): from the lease.
    pub decode: DecodeOptions,
}

/// The decode options a lease carries; the defaults where an older coordinator sent none
/// (`max_pixels` 0, `exif_orientation` empty). An unknown rule reads as `ignore` (the suite
/// was validated on the coordinator).
pub fn lease_decode_options(lease: &pb::ShardLease) -> DecodeOptions {
    let defaults = DecodeOptions::default();
    DecodeOptions {
        max_pixels: if lease.max_pixels == 0 {
            defaults.max_pixels
        } else {
            lease.max_pixels
        },
        exif_orientation: ExifOrientation::parse(&lease.exif_orientation)
            .unwrap_or(ExifOrientation::Ignore),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::load_detector;
    use dfbench_benchmarks::image_io::DEFAULT_MAX_PIXELS;

    /// A clip-only sample (`uniform:N`: read by clip detectors only) gets no image prediction;
    /// the others get one per image detector, in sample order.
    #[test]
    fn image_detectors_skip_clip_only_samples() {
        let spec = pb::DetectorSpec {
            name: "s".to_string(),
            kind: "builtin".to_string(),
            builtin: "spectral".to_string(),
            ..Default::default()
        };
        let detectors = vec![load_detector(&spec, "cpu")];
        let decoded: Vec<DecodedSample> = (0..4)
            .map(|id| DecodedSample {
                sample_id: id,
                path: PathBuf::from(format!("f{id}.png")),
                image: Ok(RgbImage::from_pixel(
                    32,
                    32,
                    image::Rgb([id as u8 * 40, 9, 0]),
                )),
                clip_only: id % 2 == 1,
            })
            .collect();
        let predictions = score_decoded(&decoded, &detectors);
        let ids: Vec<i64> = predictions.iter().map(|p| p.sample_id).collect();
        assert_eq!(ids, [0, 2]);
        assert!(
            predictions
                .iter()
                .all(|p| matches!(p.outcome, Some(Outcome::Score(_)))),
            "{predictions:?}"
        );
    }

    /// Chunks stop growing before their pixels pass the budget; a header bomb (refused without
    /// decoding) counts as nothing, and a chunk always takes its first sample.
    #[test]
    fn chunks_are_cut_by_declared_pixels() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut samples = Vec::new();
        for (index, side) in [100u32, 100, 100, 300].into_iter().enumerate() {
            let name = format!("{index}.png");
            RgbImage::new(side, side)
                .save(dir.path().join(&name))
                .expect("png");
            samples.push(name);
        }
        std::fs::write(
            dir.path().join("bomb.png"),
            dfbench_benchmarks::image_io::test_files::header_bomb_png(20_000, 20_000),
        )
        .expect("bomb");
        samples.insert(1, "bomb.png".to_string());
        let samples: Vec<pb::SampleRef> = samples
            .into_iter()
            .enumerate()
            .map(|(index, path)| pb::SampleRef {
                sample_id: index as i64,
                path,
                clip_only: false,
            })
            .collect();
        let root = dir.path();
        // 0.png, bomb.png (0), 1.png = 20_000 pixels; 2.png would make 30_000.
        assert_eq!(
            chunk_end(root, &samples, 0, 8, 25_000, DEFAULT_MAX_PIXELS),
            3
        );
        assert_eq!(
            chunk_end(root, &samples, 3, 8, 25_000, DEFAULT_MAX_PIXELS),
            4
        );
        // 3.png alone (90_000) is over the budget: taken alone all the same.
        assert_eq!(
            chunk_end(root, &samples, 4, 8, 25_000, DEFAULT_MAX_PIXELS),
            5
        );
        // The count still caps a chunk under a large budget.
        assert_eq!(
            chunk_end(root, &samples, 0, 2, u64::MAX, DEFAULT_MAX_PIXELS),
            2
        );
        assert_eq!(
            chunk_end(root, &samples, 0, 8, u64::MAX, DEFAULT_MAX_PIXELS),
            5
        );
    }
}
