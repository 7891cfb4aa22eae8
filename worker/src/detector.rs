//! The detector interface every runtime (built-in, TorchScript) implements.

use dfbench_benchmarks::image_io::RgbImage;

/// Why one detector could not score one sample. `kind` is stored as the typed failure reason.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct DetectorFailure {
    pub kind: &'static str,
    pub message: String,
}

impl DetectorFailure {
    pub fn new(kind: &'static str, message: impl Into<String>) -> Self {
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
}
