//! A sample is one image (a still or a video frame) with everything the reports need to slice it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Ground truth of a sample: 0 real, 1 fake (DeepfakeBench clamps every label ≥ 1 to fake).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Label {
    Real,
    Fake,
}

impl Label {
    pub fn as_i64(self) -> i64 {
        match self {
            Label::Real => 0,
            Label::Fake => 1,
        }
    }

    /// Any value ≥ 1 is fake, as in DeepfakeBench `get_test_metrics`.
    pub fn from_i64(value: i64) -> Label {
        if value >= 1 { Label::Fake } else { Label::Real }
    }

    pub fn is_fake(self) -> bool {
        self == Label::Fake
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Label::Real => write!(f, "real"),
            Label::Fake => write!(f, "fake"),
        }
    }
}

/// One image of a dataset. Identity is (dataset, rel_path).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// Name of the dataset as declared in the suite.
    pub dataset: String,
    /// Test set inside the dataset (a CNNSpot generator folder, a DFB test set name).
    pub subset: String,
    /// Path relative to the dataset root, always with `/` separators.
    pub rel_path: String,
    pub label: Label,
    /// e.g. `FF-DF`, or `<subset>/real` for folder layouts.
    pub label_group: String,
    /// Manipulation method or generator; `real` for real samples.
    pub method: String,
    pub split: String,
    pub compression: String,
    /// `dataset/label_group/method/compression/video_name`; for stills the image itself.
    pub video_key: String,
    pub frame_index: Option<u32>,
    /// Which detectors read this frame under the dataset's frame selection (`uniform:N` picks
    /// different frames for image and clip detectors). Absent in samples stored before it
    /// existed, which every detector read.
    #[serde(default, skip_serializing_if = "FrameReads::is_both")]
    pub reads: FrameReads,
    /// The MD5 its release publishes for this file (GenImage's `checksums.csv`), when it
    /// publishes one: planning verifies it whenever it reads the file, and a file that does not
    /// match is a recorded `checksum_mismatch`, never scored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_md5: Option<String>,
}

/// Which kinds of detector read a sample: both (every still, and every frame under `all` and
/// `first:N`), or only one kind under `uniform:N` (a frame among the first N but not among the
/// evenly spaced picks is read only by clip detectors, and the other way round).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FrameReads {
    #[default]
    Both,
    ImageOnly,
    ClipOnly,
}

impl FrameReads {
    /// Read by image detectors (which owe it a prediction each).
    pub fn image(self) -> bool {
        self != FrameReads::ClipOnly
    }

    /// Read by clip detectors (part of their clips).
    pub fn clip(self) -> bool {
        self != FrameReads::ImageOnly
    }

    pub fn is_both(&self) -> bool {
        *self == FrameReads::Both
    }

    /// The marks of a frame that `image` and `clip` readers read; `None` when neither does.
    pub fn of(image: bool, clip: bool) -> Option<FrameReads> {
        match (image, clip) {
            (true, true) => Some(FrameReads::Both),
            (true, false) => Some(FrameReads::ImageOnly),
            (false, true) => Some(FrameReads::ClipOnly),
            (false, false) => None,
        }
    }
}
