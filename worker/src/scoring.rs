//! Scoring one chunk of a shard: decode each sample once, run every detector on it, and turn
//! every outcome — score, undecodable file, detector error or panic — into a prediction.

use crate::detector::Detector;
use dfbench_benchmarks::image_io::decode_rgb;
use dfbench_proto::v1::{self as pb, prediction::Outcome};
use rayon::prelude::*;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::Instant;

/// A detector of the run, or the reason this worker cannot run it.
pub enum LoadedDetector {
    Ready(Box<dyn Detector>),
    Unavailable { name: String, reason: String },
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
    kind: &str,
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

/// Scores `samples` (id, path relative to `root`) with every detector, in parallel on the rayon
/// pool. Returns one prediction per (sample, detector), in sample order.
pub fn score_chunk(
    root: &Path,
    samples: &[pb::SampleRef],
    detectors: &[LoadedDetector],
) -> Vec<pb::Prediction> {
    samples
        .par_iter()
        .flat_map_iter(|sample| score_sample(root, sample, detectors))
        .collect()
}

fn score_sample(
    root: &Path,
    sample: &pb::SampleRef,
    detectors: &[LoadedDetector],
) -> Vec<pb::Prediction> {
    let path = root.join(&sample.path);
    let image = match decode_rgb(&path) {
        Ok(image) => image,
        Err(error) => {
            tracing::warn!(sample_id = sample.sample_id, path = %path.display(), %error, "sample cannot be decoded");
            return detectors
                .iter()
                .map(|detector| {
                    failure(sample.sample_id, detector, error.kind(), error.to_string())
                })
                .collect();
        }
    };
    detectors
        .iter()
        .map(|loaded| {
            let detector = match loaded {
                LoadedDetector::Ready(detector) => detector,
                LoadedDetector::Unavailable { reason, .. } => {
                    return failure(
                        sample.sample_id,
                        loaded,
                        "detector_unavailable",
                        reason.clone(),
                    );
                }
            };
            let started = Instant::now();
            let outcome = catch_unwind(AssertUnwindSafe(|| detector.score(&image)));
            let latency_us = started.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
            match outcome {
                Ok(Ok(score)) if score.is_finite() && (0.0..=1.0).contains(&score) => {
                    pb::Prediction {
                        sample_id: sample.sample_id,
                        detector: detector.name().to_string(),
                        outcome: Some(Outcome::Score(score)),
                        latency_us,
                        detector_fingerprint: detector.fingerprint(),
                    }
                }
                Ok(Ok(score)) => failure(
                    sample.sample_id,
                    loaded,
                    "invalid_score",
                    format!("detector returned {score}, not a probability in [0, 1]"),
                ),
                Ok(Err(detector_failure)) => failure(
                    sample.sample_id,
                    loaded,
                    detector_failure.kind,
                    detector_failure.message,
                ),
                Err(_) => failure(
                    sample.sample_id,
                    loaded,
                    "detector_panic",
                    format!("detector panicked on {}", path.display()),
                ),
            }
        })
        .collect()
}
