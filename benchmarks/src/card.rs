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

use crate::resize::Interpolation;
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
    #[error("detector card {origin} has {} problem(s):\n  - {}", problems.len(), problems.join("\n  - "))]
    Invalid {
        origin: String,
        problems: Vec<String>,
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
        let card: DetectorCard = toml::from_str(text).map_err(|error| CardError::Parse {
            origin: origin.to_string(),
            message: error.to_string().trim().to_string(),
        })?;
        let problems = card.problems();
        if problems.is_empty() {
            Ok(card)
        } else {
            Err(CardError::Invalid {
                origin: origin.to_string(),
                problems,
            })
        }
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
    /// interpolation is left out, so cards written before `interpolation` keep their fingerprint.
    pub fn preprocessing_signature(&self) -> String {
        let (mean, std) = self.mean_std();
        let interpolation = if is_default_interpolation(&self.interpolation) {
            String::new()
        } else {
            format!(";interpolation={}", self.interpolation)
        };
        format!(
            "size={};resize={:?};shorter={}{interpolation};mean={:?};std={:?};order={:?};output={:?}",
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
        let text = std::fs::read_to_string(path).map_err(|source| CardError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut card = DetectorCard::parse(&text, &path.display().to_string())?;
        if card.model.is_relative() {
            let folder = path.parent().unwrap_or(Path::new("."));
            card.model = folder.join(&card.model);
        }
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
mod tests {
    use super::*;

    const CARD: &str = r#"
model = "m.pt"
input_size = 224
resize = "shorter-crop"
normalize = "imagenet"
output = "logit"
"#;

    #[test]
    fn loads_resolves_and_fingerprints() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("m.pt"), b"weights").expect("model");
        std::fs::write(dir.path().join("card.toml"), CARD).expect("card");
        let resolved = ResolvedCard::load(&dir.path().join("card.toml")).expect("load");
        assert_eq!(resolved.card.model, dir.path().join("m.pt"));
        assert_eq!(resolved.card.mean_std(), (IMAGENET_MEAN, IMAGENET_STD));
        assert!(resolved.fingerprint.starts_with("sha256:"));
        let reparsed = DetectorCard::parse(&resolved.to_toml(), "round trip").expect("round trip");
        assert_eq!(reparsed, resolved.card);
        std::fs::write(dir.path().join("m.pt"), b"other weights").expect("model");
        let changed = ResolvedCard::load(&dir.path().join("card.toml")).expect("load");
        assert_ne!(
            changed.fingerprint, resolved.fingerprint,
            "new weights, new fingerprint"
        );
    }

    #[test]
    fn reports_every_problem() {
        let text = CARD.replace("imagenet", "sepia").replace("224", "300");
        let error = DetectorCard::parse(&text, "c.toml").expect_err("invalid");
        let message = error.to_string();
        assert!(
            message.contains("sepia") && message.contains("resize_shorter"),
            "{message}"
        );
    }

    #[test]
    fn interpolation_is_parsed_fingerprinted_and_checked() {
        let plain = DetectorCard::parse(CARD, "c.toml").expect("no interpolation");
        assert_eq!(plain.interpolation, Interpolation::ImageTriangle);
        assert_eq!(
            plain.preprocessing_signature(),
            "size=224;resize=ShorterCrop;shorter=256;mean=[0.485, 0.456, 0.406];\
             std=[0.229, 0.224, 0.225];order=Rgb;output=Logit",
            "cards without `interpolation` keep the signature (and fingerprint) they had"
        );
        let text = format!("{CARD}interpolation = \"opencv:cubic\"\n");
        let cubic = DetectorCard::parse(&text, "c.toml").expect("cubic");
        assert_eq!(cubic.interpolation, Interpolation::OpencvCubic);
        assert_ne!(
            cubic.preprocessing_signature(),
            plain.preprocessing_signature()
        );
        let round_trip = toml::to_string(&cubic).expect("serialise");
        assert!(
            round_trip.contains("interpolation = \"opencv:cubic\""),
            "{round_trip}"
        );
        assert_eq!(
            DetectorCard::parse(&round_trip, "rt").expect("reparse"),
            cubic
        );
        let bad = format!("{CARD}interpolation = \"cv2:cubic\"\n");
        let message = DetectorCard::parse(&bad, "bad-card.toml")
            .expect_err("unknown interpolation")
            .to_string();
        for needle in [
            "bad-card.toml",
            "`interpolation`",
            "cv2:cubic",
            "opencv:cubic",
            "pil:bicubic",
        ] {
            assert!(message.contains(needle), "{needle} missing from: {message}");
        }
    }

    #[test]
    fn missing_model_names_both_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("card.toml"), CARD).expect("card");
        let error = ResolvedCard::load(&dir.path().join("card.toml")).expect_err("no model");
        let message = error.to_string();
        assert!(
            message.contains("m.pt") && message.contains("card.toml"),
            "{message}"
        );
    }
}
