//! Face-detector cards: `kind = "face-detector"`, a second card kind whose output is boxes and
//! five landmarks per face ([`crate::face::Face`]), not a score. `dfbench prepare` crops
//! through one; `dfbench run` refuses one where a scoring card is expected
//! ([`super::DetectorCard::parse`] says so by name).
//!
//! ```toml
//! kind = "face-detector"
//! detector = "mtcnn"                # the pipeline dfbench runs around the nets (worker/src/faces)
//! runtime = "torchscript"           # "torchscript" | "onnx": how the net files are run
//! pnet = "mtcnn-pnet.pt"            # the three nets, relative to the card's folder
//! rnet = "mtcnn-rnet.pt"
//! onet = "mtcnn-onet.pt"
//! thresholds = [0.6, 0.7, 0.7]      # face probability each stage keeps (P, R, O)
//! min_face_size = 20                # smallest face searched for, in pixels
//! factor = 0.709                    # scale step of the image pyramid
//!
//! [source]                          # written by `dfbench import --family mtcnn`; provenance only
//! family = "mtcnn"
//! weights = "data"                  # the folder given as --weights
//! pnet_sha256 = "…"                 # sha256 of each released file (pnet.pt, rnet.pt, onet.pt)
//! rnet_sha256 = "…"
//! onet_sha256 = "…"
//! ```
//!
//! The fingerprint hashes the three model files and the pipeline's parameters (not `[source]`).
//! This module only reads and checks cards; it runs nothing.

use super::CardError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The `kind` value of a face-detector card.
pub const FACE_DETECTOR_KIND: &str = "face-detector";

/// The pipelines dfbench runs around a face detector's nets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaceDetectorFamily {
    /// MTCNN as facenet-pytorch runs it: pyramid + PNet, RNet on 24×24 crops, ONet on 48×48.
    Mtcnn,
}

/// How the net files are run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaceRuntime {
    /// TorchScript files through tch (the worker's `torch` feature).
    #[default]
    Torchscript,
    /// ONNX files through ONNX Runtime (the worker's `onnx` feature).
    Onnx,
}

/// A face-detector card as written in the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaceDetectorCard {
    /// Always [`FACE_DETECTOR_KIND`].
    pub kind: String,
    pub detector: FaceDetectorFamily,
    #[serde(default)]
    pub runtime: FaceRuntime,
    pub pnet: PathBuf,
    pub rnet: PathBuf,
    pub onet: PathBuf,
    pub thresholds: [f64; 3],
    pub min_face_size: u32,
    pub factor: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<FaceCardSource>,
}

/// The `[source]` table of an imported face-detector card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaceCardSource {
    /// The `dfbench import --family` name.
    pub family: String,
    /// The name of the folder given as `--weights`.
    pub weights: String,
    pub pnet_sha256: String,
    pub rnet_sha256: String,
    pub onet_sha256: String,
}

/// Whether card text declares `kind = "face-detector"` (read before any strict parse, so a
/// scoring-card reader can refuse it by name).
pub fn is_face_detector_card(text: &str) -> bool {
    text.parse::<toml::Table>().is_ok_and(|table| {
        table.get("kind").and_then(toml::Value::as_str) == Some(FACE_DETECTOR_KIND)
    })
}

impl FaceDetectorCard {
    /// Parses and validates card text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<FaceDetectorCard, CardError> {
        if !is_face_detector_card(text) {
            return Err(CardError::Invalid {
                origin: origin.to_string(),
                problems: vec![format!(
                    "it has no `kind = \"{FACE_DETECTOR_KIND}\"`: it is not a face-detector card \
                     (write one with `dfbench import --family mtcnn`)"
                )],
            });
        }
        let card: FaceDetectorCard = toml::from_str(text).map_err(|error| CardError::Parse {
            origin: origin.to_string(),
            message: error.message().trim().to_string(),
        })?;
        let problems = card.problems();
        super::valid(card, problems, origin)
    }

    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.kind != FACE_DETECTOR_KIND {
            problems.push(format!(
                "`kind` is `{}`; a face-detector card has kind = \"{FACE_DETECTOR_KIND}\"",
                self.kind
            ));
        }
        for (stage, threshold) in ["P", "R", "O"].iter().zip(self.thresholds) {
            if !(0.0..=1.0).contains(&threshold) {
                problems.push(format!(
                    "`thresholds`: the {stage}-net threshold {threshold} is not a probability in [0, 1]"
                ));
            }
        }
        if !(12..=4096).contains(&self.min_face_size) {
            problems.push(format!(
                "`min_face_size` {} must be between 12 (PNet's window) and 4096 pixels",
                self.min_face_size
            ));
        }
        if !(self.factor > 0.0 && self.factor < 1.0) {
            problems.push(format!(
                "`factor` {} must be between 0 and 1 (exclusive): each pyramid level is the last one times it",
                self.factor
            ));
        }
        problems
    }

    /// The nets' paths in pipeline order (PNet, RNet, ONet).
    pub fn nets(&self) -> [&Path; 3] {
        [&self.pnet, &self.rnet, &self.onet]
    }

    /// The pipeline's parameters, hashed into the fingerprint.
    pub fn signature(&self) -> String {
        format!(
            "detector={:?};runtime={:?};thresholds={:?};min_face_size={};factor={}",
            self.detector, self.runtime, self.thresholds, self.min_face_size, self.factor
        )
    }
}

/// A face-detector card loaded from disk, its net paths made absolute, its fingerprint computed.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedFaceCard {
    pub card: FaceDetectorCard,
    /// `sha256:<the three nets>:<parameters>`.
    pub fingerprint: String,
}

impl ResolvedFaceCard {
    /// Reads `path`, resolves the nets against the card's folder and hashes them.
    pub fn load(path: &Path) -> Result<ResolvedFaceCard, CardError> {
        let text = std::fs::read_to_string(path).map_err(|source| CardError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut card = FaceDetectorCard::parse(&text, &path.display().to_string())?;
        let folder = path.parent().unwrap_or(Path::new("."));
        for net in [&mut card.pnet, &mut card.rnet, &mut card.onet] {
            if net.is_relative() {
                *net = folder.join(&*net);
            }
        }
        let mut nets = Sha256::new();
        for net in card.nets() {
            let bytes = std::fs::read(net).map_err(|source| CardError::Model {
                card: path.to_path_buf(),
                path: net.to_path_buf(),
                source,
            })?;
            nets.update(Sha256::digest(&bytes));
        }
        let fingerprint = format!(
            "sha256:{}:{}",
            hex::encode(nets.finalize()),
            &hex::encode(Sha256::digest(card.signature().as_bytes()))[..16]
        );
        Ok(ResolvedFaceCard { card, fingerprint })
    }
}

#[cfg(test)]
#[path = "face_tests.rs"]
mod tests;
