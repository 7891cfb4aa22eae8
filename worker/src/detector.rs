//! The detector interface every runtime (built-in, TorchScript, ONNX) implements.
//!
//! A detector reads either images or clips ([`Detector::input`]). Scoring hands an image
//! detector every decoded image of a chunk at once through `score_batch`, and a clip (or
//! thumbnail) detector every clip whose frames are decoded through `score_clips`, each clip's
//! frames in order. Per-item detectors only implement `score` (or `score_clip`); the defaults run
//! it on the rayon pool, one item per task, a panic failing only its item. Model runtimes
//! override the batch methods to run real batches.

use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::card::clip::InputKind;
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

/// One clip as a detector gets it: its frames, in order.
pub type ClipFrames<'a> = Vec<&'a RgbImage>;

/// A scoring function image (or clip) → P(fake) in [0, 1].
pub trait Detector: Send + Sync {
    /// The name the suite gave this detector.
    fn name(&self) -> &str;
    /// Identity of the implementation and its preprocessing; stored with every prediction.
    fn fingerprint(&self) -> String;
    /// P(fake) for one decoded image; must be finite and within [0, 1].
    fn score(&self, image: &RgbImage) -> Result<f64, DetectorFailure>;

    /// What the detector reads: images (the default), or clips (`clip`, `thumbnail`), which it
    /// scores with `score_clips` and never with `score_batch`.
    fn input(&self) -> InputKind {
        InputKind::Image
    }

    /// P(fake) for one clip (its frames in order). The default: this detector reads images.
    fn score_clip(&self, frames: &[&RgbImage]) -> Result<f64, DetectorFailure> {
        let _ = frames;
        Err(DetectorFailure::new(
            FailureKind::WorkerError,
            format!(
                "detector {} reads images, not clips; clips are planned only for clip detectors",
                self.name()
            ),
        ))
    }

    /// P(fake) for each image, in order: exactly one result per image. The default scores the
    /// images in parallel with `score`; a panic fails only the image it happened on.
    fn score_batch(&self, images: &[&RgbImage]) -> Vec<Result<f64, DetectorFailure>> {
        images
            .par_iter()
            .map(|image| isolated(self.name(), || self.score(image)))
            .collect()
    }

    /// P(fake) for each clip, in order: exactly one result per clip. The default scores the
    /// clips in parallel with `score_clip`; a panic fails only the clip it happened on.
    fn score_clips(&self, clips: &[ClipFrames<'_>]) -> Vec<Result<f64, DetectorFailure>> {
        clips
            .par_iter()
            .map(|frames| isolated(self.name(), || self.score_clip(frames)))
            .collect()
    }
}

/// Runs one item's scoring, turning a panic into that item's `detector_panic` failure.
fn isolated(
    name: &str,
    score: impl FnOnce() -> Result<f64, DetectorFailure>,
) -> Result<f64, DetectorFailure> {
    catch_unwind(AssertUnwindSafe(score)).unwrap_or_else(|_| {
        Err(DetectorFailure::new(
            FailureKind::DetectorPanic,
            format!("detector {name} panicked"),
        ))
    })
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
        fn score_clip(&self, frames: &[&RgbImage]) -> Result<f64, DetectorFailure> {
            assert!(frames.len() >= 2, "too short");
            Ok(frames.len() as f64 / 100.0)
        }
    }

    #[test]
    fn default_clip_batch_keeps_order_and_isolates_a_panic() {
        let image = RgbImage::new(4, 4);
        let clips: Vec<ClipFrames> = vec![vec![&image; 3], vec![&image], vec![&image; 2]];
        let results = Fussy.score_clips(&clips);
        assert_eq!(results.len(), 3);
        assert_eq!(results[0], Ok(0.03));
        assert_eq!(
            results[1].as_ref().map_err(|f| f.kind.clone()),
            Err(FailureKind::DetectorPanic)
        );
        assert_eq!(results[2], Ok(0.02));
    }

    /// Scores images only: its clips fail typed, never score.
    struct Images;

    impl Detector for Images {
        fn name(&self) -> &str {
            "images"
        }
        fn fingerprint(&self) -> String {
            "images:v1".to_string()
        }
        fn score(&self, _: &RgbImage) -> Result<f64, DetectorFailure> {
            Ok(0.5)
        }
    }

    #[test]
    fn an_image_detector_reads_images_and_fails_clips() {
        let image = RgbImage::new(4, 4);
        assert_eq!(Images.input(), InputKind::Image);
        let results = Images.score_clips(&[vec![&image, &image]]);
        let failure = results[0].clone().expect_err("not a clip detector");
        assert_eq!(failure.kind, FailureKind::WorkerError);
        assert!(failure.message.contains("images"), "{}", failure.message);
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
