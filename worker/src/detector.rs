//! The detector interface every runtime (built-in, TorchScript) implements.
//!
//! Scoring hands a detector every decoded image of a chunk at once through `score_batch`.
//! Per-image detectors only implement `score`; the default `score_batch` runs it on the rayon
//! pool, one image per task. Model runtimes override `score_batch` to run real batches.

use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::image_io::RgbImage;
use rayon::prelude::*;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Why one detector could not score one sample. `kind` is stored as the typed failure reason.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct DetectorFailure {
    pub kind: FailureKind,
    pub message: String,
}

impl DetectorFailure {
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        DetectorFailure {
            kind,
            message: message.into(),
        }
    }
}

/// A scoring function image → P(fake) in [0, 1].
pub trait Detector: Send + Sync {
    /// The name the suite gave this detector.
    fn name(&self) -> &str;
    /// Identity of the implementation and its preprocessing; stored with every prediction.
    fn fingerprint(&self) -> String;
    /// P(fake) for one decoded image; must be finite and within [0, 1].
    fn score(&self, image: &RgbImage) -> Result<f64, DetectorFailure>;

    /// P(fake) for each image, in order: exactly one result per image. The default scores the
    /// images in parallel with `score`; a panic fails only the image it happened on.
    fn score_batch(&self, images: &[&RgbImage]) -> Vec<Result<f64, DetectorFailure>> {
        images
            .par_iter()
            .map(|image| {
                catch_unwind(AssertUnwindSafe(|| self.score(image))).unwrap_or_else(|_| {
                    Err(DetectorFailure::new(
                        FailureKind::DetectorPanic,
                        format!("detector {} panicked", self.name()),
                    ))
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Panics on images narrower than 2 pixels, scores the rest by width.
    struct Fussy;

    impl Detector for Fussy {
        fn name(&self) -> &str {
            "fussy"
        }
        fn fingerprint(&self) -> String {
            "fussy:v1".to_string()
        }
        fn score(&self, image: &RgbImage) -> Result<f64, DetectorFailure> {
            assert!(image.width() >= 2, "too narrow");
            Ok(f64::from(image.width()) / 100.0)
        }
    }

    #[test]
    fn default_batch_keeps_order_and_isolates_a_panic() {
        let images: Vec<RgbImage> = [5, 1, 7].iter().map(|&w| RgbImage::new(w, 3)).collect();
        let refs: Vec<&RgbImage> = images.iter().collect();
        let results = Fussy.score_batch(&refs);
        assert_eq!(results.len(), 3);
        assert_eq!(results[0], Ok(0.05));
        assert_eq!(
            results[1].as_ref().map_err(|f| f.kind.clone()),
            Err(FailureKind::DetectorPanic)
        );
        assert_eq!(results[2], Ok(0.07));
    }
}
