//! Scoring one chunk of a shard: decode its images once, in parallel, then hand the decoded
//! batch to every detector, and turn every outcome — score, undecodable file, detector error or
//! panic — into a prediction.
//!
//! `ShardScoring` runs that for a whole shard as a pipeline of two threads joined by a bounded
//! queue: the next chunk is decoded on the CPU while the detectors (and the device behind a model
//! runtime) score the previous one.

pub use crate::decode::{DecodedSample, decode_chunk};
use crate::detector::Detector;
use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::image_io::RgbImage;
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

    fn fingerprint(&self) -> String {
        match self {
            LoadedDetector::Ready(detector) => detector.fingerprint(),
            LoadedDetector::Unavailable { .. } => String::new(),
        }
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

/// Scores `samples` (id, path relative to `root`), unperturbed, with every detector. Returns
/// one prediction per (sample, detector), sample-major, in sample order.
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

/// Runs every detector on the decoded images of one chunk, one `score_batch` call each.
pub fn score_decoded(
    decoded: &[DecodedSample],
    detectors: &[LoadedDetector],
) -> Vec<pb::Prediction> {
    let mut images = Vec::with_capacity(decoded.len());
    let mut image_of_sample = Vec::with_capacity(decoded.len());
    for sample in decoded {
        image_of_sample.push(sample.image.as_ref().ok().map(|image| {
            images.push(image);
            images.len() - 1
        }));
    }
    let per_detector: Vec<Vec<pb::Prediction>> = detectors
        .iter()
        .map(|loaded| score_with(loaded, decoded, &images, &image_of_sample))
        .collect();
    (0..decoded.len())
        .flat_map(|index| per_detector.iter().map(move |column| column[index].clone()))
        .collect()
}

/// One detector's predictions for every sample of the chunk, in sample order.
fn score_with(
    loaded: &LoadedDetector,
    decoded: &[DecodedSample],
    images: &[&RgbImage],
    image_of_sample: &[Option<usize>],
) -> Vec<pb::Prediction> {
    let batch_outcome = match loaded {
        LoadedDetector::Ready(detector) if !images.is_empty() => {
            let started = Instant::now();
            let outcome = catch_unwind(AssertUnwindSafe(|| detector.score_batch(images)));
            let per_image = started.elapsed().as_micros() / images.len() as u128;
            let latency_us = per_image.min(u128::from(u32::MAX)) as u32;
            match outcome {
                Ok(results) if results.len() == images.len() => Ok((results, latency_us)),
                Ok(results) => Err((
                    FailureKind::DetectorError,
                    format!(
                        "detector returned {} results for a batch of {} images",
                        results.len(),
                        images.len()
                    ),
                )),
                Err(_) => Err((
                    FailureKind::DetectorPanic,
                    "detector panicked on this batch".to_string(),
                )),
            }
        }
        LoadedDetector::Ready(_) => Ok((Vec::new(), 0)),
        LoadedDetector::Unavailable { kind, reason, .. } => Err((kind.clone(), reason.clone())),
    };
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
            match &results[*index] {
                Ok(score) if score.is_finite() && (0.0..=1.0).contains(score) => pb::Prediction {
                    sample_id,
                    detector: loaded.name().to_string(),
                    outcome: Some(Outcome::Score(*score)),
                    latency_us: *latency_us,
                    detector_fingerprint: loaded.fingerprint(),
                },
                Ok(score) => failure(
                    sample_id,
                    loaded,
                    &FailureKind::InvalidScore,
                    format!("detector returned {score}, not a probability in [0, 1]"),
                ),
                Err(detector_failure) => failure(
                    sample_id,
                    loaded,
                    &detector_failure.kind,
                    detector_failure.message.clone(),
                ),
            }
        })
        .collect()
}

/// The scoring threads of a shard stopped before delivering every chunk.
#[derive(Debug, thiserror::Error)]
#[error("the scoring pipeline stopped after {delivered} of {expected} chunks; see the worker log")]
pub struct PipelineStopped {
    pub delivered: usize,
    pub expected: usize,
}

/// Scores a whole shard chunk by chunk: a decode thread runs at most one chunk ahead of the
/// scoring thread (bounded queue), and the caller receives each chunk's predictions in order.
/// Dropping it stops both threads after the chunk they are working on.
pub struct ShardScoring {
    receiver: tokio::sync::mpsc::Receiver<Vec<pb::Prediction>>,
    delivered: usize,
    expected: usize,
}

impl ShardScoring {
    /// Scores the shard's images as decoded (perturbation `none`).
    pub fn start(
        root: PathBuf,
        samples: Vec<pb::SampleRef>,
        detectors: Arc<Vec<LoadedDetector>>,
        chunk_size: usize,
    ) -> ShardScoring {
        ShardScoring::start_perturbed(root, samples, Perturbation::none(), detectors, chunk_size)
    }

    /// Scores the shard's images after `perturbation`, applied once per sample on the decode
    /// thread's rayon pool before any detector sees the image.
    pub fn start_perturbed(
        root: PathBuf,
        samples: Vec<pb::SampleRef>,
        perturbation: Perturbation,
        detectors: Arc<Vec<LoadedDetector>>,
        chunk_size: usize,
    ) -> ShardScoring {
        let chunk_size = chunk_size.max(1);
        let expected = samples.len().div_ceil(chunk_size);
        let (decoded_sender, decoded_receiver) = std::sync::mpsc::sync_channel(1);
        let (sender, receiver) = tokio::sync::mpsc::channel(1);
        std::thread::spawn(move || {
            for chunk in samples.chunks(chunk_size) {
                if decoded_sender
                    .send(decode_chunk(&root, chunk, &perturbation))
                    .is_err()
                {
                    return;
                }
            }
        });
        std::thread::spawn(move || {
            for decoded in decoded_receiver {
                if sender
                    .blocking_send(score_decoded(&decoded, &detectors))
                    .is_err()
                {
                    return;
                }
            }
        });
        ShardScoring {
            receiver,
            delivered: 0,
            expected,
        }
    }

    /// The next chunk's predictions; `None` once every chunk was delivered.
    pub async fn next_chunk(&mut self) -> Option<Result<Vec<pb::Prediction>, PipelineStopped>> {
        if self.delivered == self.expected {
            return None;
        }
        match self.receiver.recv().await {
            Some(predictions) => {
                self.delivered += 1;
                Some(Ok(predictions))
            }
            None => Some(Err(PipelineStopped {
                delivered: self.delivered,
                expected: self.expected,
            })),
        }
    }
}
