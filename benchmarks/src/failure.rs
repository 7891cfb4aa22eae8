//! Why a sample has no score: the one list of typed failure reasons.
//!
//! Every prediction ends as a score or a failure with one of these kinds. The worker sets them,
//! the store writes them as text (`failure_kind`), reuse decides on them, and reports count them.
//! The stored spelling of each kind is fixed forever: rows written by any earlier dfbench read
//! back as the same kind, and a kind this build does not know reads as [`FailureKind::Other`]
//! instead of failing the read.

use std::fmt;

/// A typed failure reason. Stored as its [`FailureKind::as_str`] spelling.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FailureKind {
    /// The file was read but is not a decodable image (truncated, wrong format, zero-sized).
    DecodeError,
    /// The file could not be read at all (missing, permissions, I/O error).
    FileUnreadable,
    /// The file is an image in a format dfbench does not decode (e.g. `.webp`, `.gif`); listed
    /// by folder layouts so it is counted, never dropped unseen.
    UnsupportedFormat,
    /// The image's header declares more pixels than the decode limit (a decompression bomb, or
    /// an image far above any benchmark's size); refused before any pixel is allocated.
    ImageTooLarge,
    /// The PNG or JPEG ends before its image data does (premature end of data); refused
    /// rather than scored on a padded image, as Pillow refuses it.
    TruncatedImage,
    /// The test-time perturbation could not be applied to the decoded image.
    PerturbationError,
    /// The detector's model file could not be loaded (unreadable, changed, not TorchScript).
    ModelLoadError,
    /// The detector's card could not be read or is invalid.
    BadDetectorCard,
    /// A built-in detector refused the image (e.g. too small for its analysis).
    DetectorError,
    /// The worker has no runtime for the detector's kind (e.g. built without `torch`).
    DetectorUnavailable,
    /// The device the detector was asked to run on does not exist on the worker.
    DeviceUnavailable,
    /// The model's forward pass failed.
    ForwardError,
    /// The model's output has a shape its card does not describe.
    BadOutputShape,
    /// The model produced NaN or an infinity.
    NonFiniteOutput,
    /// The detector returned a number that is not a probability in [0, 1].
    InvalidScore,
    /// A detector panicked while scoring this sample.
    DetectorPanic,
    /// The worker gave the shard back for a reason of its own.
    WorkerError,
    /// The worker's scoring threads died before finishing the shard (given back for a retry).
    WorkerCrash,
    /// The shard's leases expired too many times (workers died or went silent).
    LeaseExpired,
    /// The run had no live worker for longer than the grace period.
    NoWorkers,
    /// A clip detector's video has fewer selected frames than one clip (`clip_size`).
    /// DeepfakeBench skips such a video with a print; dfbench records it once per video and
    /// detector so reports count it. Retried by later runs, like every non-reusable kind.
    VideoTooShort,
    /// A stored prediction with neither a score nor a failure kind (should never be written;
    /// reports count it rather than drop it).
    MissingScore,
    /// `dfbench prepare`: the face detector found no face in a sampled frame, so no crop was
    /// written for it (recorded once per frame, never skipped unseen).
    NoFace,
    /// The file decodes but its bytes do not match the checksum its dataset release lists (a
    /// partial or altered download); recorded instead of scoring what may not be the image.
    ChecksumMismatch,
    /// A prepare run's output folder lies outside the worker's `--output-root` (or the worker
    /// has none): the worker refused to write there.
    OutputRefused,
    /// A stored kind this build does not know (written by a newer dfbench).
    Other(String),
}

impl FailureKind {
    /// Every kind this build knows, in documentation order.
    pub const KNOWN: [FailureKind; 25] = [
        FailureKind::DecodeError,
        FailureKind::FileUnreadable,
        FailureKind::UnsupportedFormat,
        FailureKind::ImageTooLarge,
        FailureKind::TruncatedImage,
        FailureKind::PerturbationError,
        FailureKind::ModelLoadError,
        FailureKind::BadDetectorCard,
        FailureKind::DetectorError,
        FailureKind::DetectorUnavailable,
        FailureKind::DeviceUnavailable,
        FailureKind::ForwardError,
        FailureKind::BadOutputShape,
        FailureKind::NonFiniteOutput,
        FailureKind::InvalidScore,
        FailureKind::DetectorPanic,
        FailureKind::WorkerError,
        FailureKind::WorkerCrash,
        FailureKind::LeaseExpired,
        FailureKind::NoWorkers,
        FailureKind::VideoTooShort,
        FailureKind::MissingScore,
        FailureKind::NoFace,
        FailureKind::ChecksumMismatch,
        FailureKind::OutputRefused,
    ];

    /// The stored spelling.
    pub fn as_str(&self) -> &str {
        match self {
            FailureKind::Other(kind) => kind,
            known => known.known_spelling().unwrap_or_default(),
        }
    }

    /// The spelling of a kind this build knows; `None` for [`FailureKind::Other`].
    pub fn known_spelling(&self) -> Option<&'static str> {
        let spelling = match self {
            FailureKind::DecodeError => "decode_error",
            FailureKind::FileUnreadable => "file_unreadable",
            FailureKind::UnsupportedFormat => "unsupported_format",
            FailureKind::ImageTooLarge => "image_too_large",
            FailureKind::TruncatedImage => "truncated_image",
            FailureKind::PerturbationError => "perturbation_error",
            FailureKind::ModelLoadError => "model_load_error",
            FailureKind::BadDetectorCard => "bad_detector_card",
            FailureKind::DetectorError => "detector_error",
            FailureKind::DetectorUnavailable => "detector_unavailable",
            FailureKind::DeviceUnavailable => "device_unavailable",
            FailureKind::ForwardError => "forward_error",
            FailureKind::BadOutputShape => "bad_output_shape",
            FailureKind::NonFiniteOutput => "non_finite_output",
            FailureKind::InvalidScore => "invalid_score",
            FailureKind::DetectorPanic => "detector_panic",
            FailureKind::WorkerError => "worker_error",
            FailureKind::WorkerCrash => "worker_crash",
            FailureKind::LeaseExpired => "lease_expired",
            FailureKind::NoWorkers => "no_workers",
            FailureKind::VideoTooShort => "video_too_short",
            FailureKind::MissingScore => "missing_score",
            FailureKind::NoFace => "no_face",
            FailureKind::ChecksumMismatch => "checksum_mismatch",
            FailureKind::OutputRefused => "output_refused",
            FailureKind::Other(_) => return None,
        };
        Some(spelling)
    }

    /// Reads a stored spelling; an unknown one is kept as [`FailureKind::Other`].
    pub fn parse(stored: &str) -> FailureKind {
        FailureKind::KNOWN
            .iter()
            .find(|kind| kind.as_str() == stored)
            .cloned()
            .unwrap_or_else(|| FailureKind::Other(stored.to_string()))
    }

    /// A property of the file and the detector alone, so a later run with the same detector
    /// fingerprint and file may reuse it; every other kind is a fault of the infrastructure
    /// (or unknown) and is retried by the next run.
    pub fn is_reusable(&self) -> bool {
        matches!(
            self,
            FailureKind::DecodeError | FailureKind::TruncatedImage | FailureKind::DetectorError
        )
    }

    /// The stored spellings of the reusable kinds, for SQL filters.
    pub fn reusable_spellings() -> Vec<&'static str> {
        FailureKind::KNOWN
            .iter()
            .filter(|kind| kind.is_reusable())
            .filter_map(FailureKind::known_spelling)
            .collect()
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for FailureKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for FailureKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(FailureKind::from)
    }
}

impl From<&str> for FailureKind {
    fn from(stored: &str) -> FailureKind {
        FailureKind::parse(stored)
    }
}

impl From<String> for FailureKind {
    fn from(stored: String) -> FailureKind {
        FailureKind::parse(&stored)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_kind_round_trips_through_its_spelling() {
        let mut seen = std::collections::HashSet::new();
        for kind in &FailureKind::KNOWN {
            let spelling = kind.known_spelling().unwrap_or_default();
            assert!(!spelling.is_empty() && seen.insert(spelling), "{kind:?}");
            assert_eq!(kind.as_str(), spelling);
            assert_eq!(FailureKind::parse(spelling), *kind);
        }
    }

    #[test]
    fn unknown_spellings_read_as_other() {
        let kind = FailureKind::parse("gpu_on_fire");
        assert_eq!(kind, FailureKind::Other("gpu_on_fire".into()));
        assert_eq!(kind.as_str(), "gpu_on_fire");
        assert!(!kind.is_reusable());
    }

    #[test]
    fn video_too_short_keeps_its_stored_spelling_and_is_retried() {
        let kind = FailureKind::parse("video_too_short");
        assert_eq!(kind, FailureKind::VideoTooShort);
        assert_eq!(kind.as_str(), "video_too_short");
        assert!(!kind.is_reusable());
    }

    #[test]
    fn only_file_and_detector_properties_are_reusable() {
        assert_eq!(
            FailureKind::reusable_spellings(),
            vec!["decode_error", "truncated_image", "detector_error"]
        );
    }
}
