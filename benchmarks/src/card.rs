//! Detector cards: a TOML file per TorchScript detector saying where its weights are and how an
//! image must be prepared for it (REFERENCE §4): input size, resize/crop policy, normalisation,
//! channel order, and what the model outputs.
//!
//! ```toml
//! model = "xception.pt"        # TorchScript file, relative to the card's folder
//! input_size = 299
//! resize = "resize"            # "resize" | "shorter-crop" | "crop"
//! interpolation = "opencv:cubic"  # how resizing is done, with whose semantics (see below)
//! normalize = "half"           # "half" | "imagenet" | "clip" (or mean = [...], std = [...])
//! channel_order = "rgb"        # "rgb" | "bgr"
//! output = "two-class"         # "logit" | "probability" | "two-class"
//! batch_size = 32
//! ```
//!
//! `interpolation` names the method and the library whose output dfbench reproduces
//! (`crate::resize`): `opencv:linear`, `opencv:cubic`, `opencv:area`, `opencv:nearest`
//! (`cv2.resize`, as DeepfakeBench's loader: cubic), `pil:bilinear`, `pil:bicubic`, `pil:nearest`
//! (Pillow's `Image.resize`, as CNNSpot/UnivFD), or `image:triangle` (the `image` crate's
//! triangle filter). Without it a card keeps dfbench's historical resize, `image:triangle`, which
//! matches no detector's upstream loader, so cards for released models should always set it. An
//! interpolation other than the default is part of the preprocessing fingerprint.
//!
//! Cards written by `dfbench import` end with a `[source]` table (`family`, `checkpoint`,
//! `checkpoint_sha256`, and for families released as two files `encoder`, `encoder_sha256`):
//! provenance only, outside the fingerprint (the weights of both files are in the model file,
//! whose hash is).
//!
//! Video detectors add `input = "clip" | "thumbnail"` and their clip fields (`clip_size`,
//! `clip_stride`, `clips_per_video`, `layout`, `grid`): see [`clip`]. They enter the fingerprint
//! only when `input` is not `image`, so image cards keep the fingerprints they had.
//!
//! A second kind of card, `kind = "face-detector"` ([`face`]), describes a face detector for
//! `dfbench prepare` (boxes and five landmarks, not a score); [`DetectorCard::parse`] refuses it
//! by name, so `dfbench run` never tries to score with one.

pub mod clip;
pub mod face;
mod lenient;

use crate::resize::Interpolation;
use clip::{ClipLayout, ClipsPerVideo, Grid, InputKind};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error("detector card {path} cannot be read: {source}; check the `card` path in the suite")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("detector card {origin} is not valid: {message}")]
    Parse { origin: String, message: String },
    #[error(
        "detector card {origin} is a face-detector card (kind = \"face-detector\"): it finds faces \
         and landmarks for `dfbench prepare` and cannot score samples; name a scoring card \
         (model, input_size, output, ...) here, and use this one with `dfbench faces --card`"
    )]
    FaceDetector { origin: String },
    #[error("detector card {origin} has {} problem(s):\n  - {}", problems.len(), problems.join("\n  - "))]
    Invalid {
        origin: String,
        problems: Vec<String>,
    },
    #[error("detector card {card}: {outside}")]
    Outside {
        card: PathBuf,
        outside: crate::roots::Outside,
    },
    #[error("model file {path} named by card {card} cannot be read: {source}")]
    Model {
        card: PathBuf,
        path: PathBuf,
        source: std::io::Error,
    },
}

/// How an image is brought to `input_size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResizePolicy {
    /// Resize to input_size × input_size (aspect ratio not kept), as DeepfakeBench and NPR.
    Resize,
    /// Shorter side to `resize_shorter` (default 256), then centre crop, as CNNSpot/DIRE.
    ShorterCrop,
    /// Centre crop only, as UnivFD.
    Crop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChannelOrder {
    Rgb,
    Bgr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutputKind {
    /// One logit per image; P(fake) = sigmoid(logit).
    Logit,
    /// One probability per image, already in [0, 1].
    Probability,
    /// Two logits per image; P(fake) = softmax(logits)[1].
    TwoClass,
}

/// A detector card as written in the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectorCard {
    pub model: PathBuf,
    pub input_size: u32,
    pub resize: ResizePolicy,
    #[serde(default = "default_shorter")]
    pub resize_shorter: u32,
    /// How resizing is done; `image:triangle` (dfbench's historical resize) when absent.
    #[serde(default, skip_serializing_if = "is_default_interpolation")]
    pub interpolation: Interpolation,
    /// Preset: `half` (0.5/0.5), `imagenet`, `clip`; ignored when `mean` and `std` are given.
    #[serde(default)]
    pub normalize: Option<String>,
    #[serde(default)]
    pub mean: Option<[f32; 3]>,
    #[serde(default)]
    pub std: Option<[f32; 3]>,
    #[serde(default = "default_channel_order")]
    pub channel_order: ChannelOrder,
    pub output: OutputKind,
    #[serde(default = "default_batch_size")]
    pub batch_size: u32,
    /// `image` (the default), `clip` or `thumbnail`; the fields below apply to the last two.
    #[serde(default, skip_serializing_if = "InputKind::is_image")]
    pub input: InputKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clip_size: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clip_stride: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clips_per_video: Option<ClipsPerVideo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<ClipLayout>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid: Option<Grid>,
    /// Where the weights came from (`dfbench import` writes it). Not part of the fingerprint:
    /// the model file's own hash already is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<CardSource>,
}

/// The `[source]` table of an imported card: the family and the released checkpoint it was
/// exported from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardSource {
    /// The `dfbench import --family` name.
    pub family: String,
    /// The checkpoint's file name as given to `dfbench import`.
    pub checkpoint: String,
    /// sha256 of the checkpoint file, hex.
    pub checkpoint_sha256: String,
    /// The separately released encoder's file name (`dfbench import --encoder`; UnivFD's CLIP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoder: Option<String>,
    /// sha256 of the encoder file, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoder_sha256: Option<String>,
}

fn default_shorter() -> u32 {
    256
}

fn is_default_interpolation(method: &Interpolation) -> bool {
    *method == Interpolation::default()
}

fn default_channel_order() -> ChannelOrder {
    ChannelOrder::Rgb
}

fn default_batch_size() -> u32 {
    32
}

pub const IMAGENET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
pub const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];
pub const CLIP_MEAN: [f32; 3] = [0.481_454_66, 0.457_827_5, 0.408_210_73];
pub const CLIP_STD: [f32; 3] = [0.268_629_54, 0.261_302_6, 0.275_777_1];

impl DetectorCard {
    /// Parses and validates card text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<DetectorCard, CardError> {
        if face::is_face_detector_card(text) {
            return Err(CardError::FaceDetector {
                origin: origin.to_string(),
            });
        }
        // A strict parse stops at the first unknown field or bad value; `lenient` then finds
        // every problem of the card.
        let card: DetectorCard =
            toml::from_str(text).map_err(|strict| lenient::every_problem(text, origin, &strict))?;
        let problems = card.problems();
        valid(card, problems, origin)
    }

    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.input_size == 0 || self.input_size > 4096 {
            problems.push(format!(
                "`input_size` {} must be between 1 and 4096",
                self.input_size
            ));
        }
        if self.resize == ResizePolicy::ShorterCrop && self.resize_shorter < self.input_size {
            problems.push(format!(
                "`resize_shorter` {} is smaller than `input_size` {}: the crop would not fit",
                self.resize_shorter, self.input_size
            ));
        }
        if self.batch_size == 0 {
            problems.push("`batch_size` must be at least 1".to_string());
        }
        match (&self.mean, &self.std, self.normalize.as_deref()) {
            (Some(_), Some(std), _) => {
                if std.iter().any(|value| *value <= 0.0 || !value.is_finite()) {
                    problems.push("`std` values must be positive".to_string());
                }
            }
            (Some(_), None, _) | (None, Some(_), _) => {
                problems.push("give both `mean` and `std`, or neither".to_string())
            }
            (None, None, Some("half" | "imagenet" | "clip")) => {}
            (None, None, Some(other)) => problems.push(format!(
                "unknown `normalize` preset `{other}`: use half, imagenet or clip, or give mean and std"
            )),
            (None, None, None) => problems.push(
                "no normalisation: set `normalize` (half, imagenet, clip) or `mean` and `std`"
                    .to_string(),
            ),
        }
        if let Err(clip_problems) = self.clip_spec() {
            problems.extend(clip_problems);
        }
        problems
    }

    /// (mean, std) per channel in RGB order of the preprocessed tensor.
    pub fn mean_std(&self) -> ([f32; 3], [f32; 3]) {
        if let (Some(mean), Some(std)) = (self.mean, self.std) {
            return (mean, std);
        }
        match self.normalize.as_deref() {
            Some("imagenet") => (IMAGENET_MEAN, IMAGENET_STD),
            Some("clip") => (CLIP_MEAN, CLIP_STD),
            _ => ([0.5; 3], [0.5; 3]),
        }
    }

    /// A canonical description of the preprocessing, hashed into the fingerprint. The default
    /// interpolation and an image card's (absent) clip fields are left out, so cards written
    /// before those fields keep their fingerprint.
    pub fn preprocessing_signature(&self) -> String {
        let clip = match self.clip_spec() {
            Ok(Some(spec)) => spec.signature(),
            _ => String::new(),
        };
        let (mean, std) = self.mean_std();
        let interpolation = if is_default_interpolation(&self.interpolation) {
            String::new()
        } else {
            format!(";interpolation={}", self.interpolation)
        };
        format!(
            "size={};resize={:?};shorter={}{interpolation};mean={:?};std={:?};order={:?};output={:?}{clip}",
            self.input_size,
            self.resize,
            self.resize_shorter,
            mean,
            std,
            self.channel_order,
            self.output
        )
    }
}

/// `card` when `problems` is empty, else every problem as [`CardError::Invalid`].
fn valid<T>(card: T, problems: Vec<String>, origin: &str) -> Result<T, CardError> {
    if problems.is_empty() {
        Ok(card)
    } else {
        Err(CardError::Invalid {
            origin: origin.to_string(),
            problems,
        })
    }
}

/// A card loaded from disk with its model path made absolute and its fingerprint computed.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedCard {
    pub card: DetectorCard,
    /// `sha256:<weights>:<preprocessing>`.
    pub fingerprint: String,
}

impl ResolvedCard {
    /// Reads `path`, resolves `model` against the card's folder, and hashes the weights.
    pub fn load(path: &Path) -> Result<ResolvedCard, CardError> {
        ResolvedCard::load_within(path, None)
    }

    /// As [`ResolvedCard::load`], the card and its model file confined to `serve` (when given):
    /// either outside is refused before it is read.
    pub fn load_within(
        path: &Path,
        serve: Option<&crate::roots::ServeRoots>,
    ) -> Result<ResolvedCard, CardError> {
        let confine = |file: &Path| match serve {
            Some(serve) => serve
                .check(file)
                .map(|_| ())
                .map_err(|outside| CardError::Outside {
                    card: path.to_path_buf(),
                    outside,
                }),
            None => Ok(()),
        };
        confine(path)?;
        let text = std::fs::read_to_string(path).map_err(|source| CardError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut card = DetectorCard::parse(&text, &path.display().to_string())?;
        if card.model.is_relative() {
            let folder = path.parent().unwrap_or(Path::new("."));
            card.model = folder.join(&card.model);
        }
        confine(&card.model)?;
        let weights = std::fs::read(&card.model).map_err(|source| CardError::Model {
            card: path.to_path_buf(),
            path: card.model.clone(),
            source,
        })?;
        let fingerprint = format!(
            "sha256:{}:{}",
            hex::encode(Sha256::digest(&weights)),
            &hex::encode(Sha256::digest(card.preprocessing_signature().as_bytes()))[..16]
        );
        Ok(ResolvedCard { card, fingerprint })
    }

    /// The card as TOML with the absolute model path, for shipping to workers.
    pub fn to_toml(&self) -> String {
        toml::to_string(&self.card).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests;
