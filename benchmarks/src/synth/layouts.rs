//! The benchmark layouts `write_demo_dataset` writes beside `cnnspot/`, at tiny scale: every
//! image is 64 px, videos have two frames named by their "original" frame index (`000`, `015`),
//! except `DemoClips` (`clips`), sixteen consecutive frames per video for clip detectors.
//! Fakes carry the up-sampling trace of the CNNSpot demo at a strength that differs per method
//! (and per dataset), so detectors score methods differently. Seeds come from each file's path,
//! so the bytes never change between runs.

pub mod clips;
mod cross;
mod df40;
mod df40_json;
mod dire_csv;
mod ffpp;
pub mod released;

use super::{Rng, Subset, SynthError, encode, render_fake, render_real};
use image::codecs::jpeg::JpegEncoder;
use image::{ExtendedColorType, ImageEncoder};
use std::path::{Path, PathBuf};

/// Side of every layout image (even, so half-resolution content up-samples exactly).
const SIDE: usize = 64;
/// Frame names of every synthetic video.
pub(crate) const FRAMES: [&str; 2] = ["000", "015"];

/// One written layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutSummary {
    /// e.g. `ffpp`, `df40`.
    pub name: String,
    /// The folder a suite root points at.
    pub root: PathBuf,
    pub images: usize,
    /// What it is and which `format` reads it.
    pub note: String,
}

/// Writes every layout under `out`.
pub fn write_all(out: &Path) -> Result<Vec<LayoutSummary>, SynthError> {
    let rgb = out.join("rgb");
    let json = out.join("dataset_json");
    Ok(vec![
        ffpp::write(&rgb, &json)?,
        cross::write(&rgb, &json)?,
        df40::write(&rgb, &json)?,
        dire_csv::write_dire(&out.join("DiffusionForensics"))?,
        dire_csv::write_csv(&out.join("custom"))?,
        clips::write(&rgb, &json)?,
        released::write_genimage(&out.join("GenImage"))?,
        released::write_community_forensics(&out.join("CommunityForensics"))?,
        released::write_aigibench(&out.join("AIGIBench"))?,
    ])
}

pub(super) fn readme_text(out: &Path, layouts: &[LayoutSummary]) -> String {
    let mut text = String::from("\nBenchmark layouts (64 px; 2 frames per video, DemoClips 16):\n");
    for layout in layouts {
        text.push_str(&format!(
            "  {} ({} images) at {}: {}\n",
            layout.name,
            layout.images,
            layout
                .root
                .strip_prefix(out)
                .unwrap_or(&layout.root)
                .display(),
            layout.note
        ));
    }
    text
}

/// Writes images and text files under one base folder and counts the images.
pub(crate) struct Writer {
    base: PathBuf,
    pub images: usize,
}

impl Writer {
    pub fn new(base: &Path) -> Writer {
        Writer {
            base: base.to_path_buf(),
            images: 0,
        }
    }

    /// A 64 px PNG at `rel`: real content when `fake_strength` is `None`, else a fake with that
    /// trace strength in [0, 1]; `jpeg` first degrades it through JPEG at that quality (c40).
    pub fn image(
        &mut self,
        rel: &str,
        fake_strength: Option<f64>,
        jpeg: Option<u8>,
    ) -> Result<(), SynthError> {
        let path = self.base.join(rel);
        let mut rng = Rng::new(seed_of(rel));
        let mut pixels = match fake_strength {
            None => render_real(&mut rng, SIDE),
            Some(strength) => render_fake(&mut rng, SIDE, &trace(strength)),
        };
        if let Some(quality) = jpeg {
            pixels = jpeg_round_trip(&pixels, quality, &path)?;
        }
        let bytes = encode(&pixels, SIDE, None, &path)?;
        self.write_image(rel, &bytes)
    }

    /// Writes an encoded image at `rel` and counts it.
    pub fn write_image(&mut self, rel: &str, bytes: &[u8]) -> Result<(), SynthError> {
        self.bytes(rel, bytes)?;
        self.images += 1;
        Ok(())
    }

    pub fn text(&self, rel: &str, text: &str) -> Result<(), SynthError> {
        self.bytes(rel, text.as_bytes())
    }

    fn bytes(&self, rel: &str, bytes: &[u8]) -> Result<(), SynthError> {
        let path = self.base.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| SynthError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(&path, bytes).map_err(|source| SynthError::Write { path, source })
    }
}

/// The up-sampling trace at `strength` (1 strongest): phase-gain mismatch, nearest-neighbour
/// weight and post-noise all scale with it.
fn trace(strength: f64) -> Subset {
    let s = strength.clamp(0.0, 1.0);
    Subset {
        name: "method",
        trace: "per-method synthetic trace",
        even_gain: 1.0 + 0.02 * s,
        odd_gain: 1.0 - 0.02 * s,
        near_weight: 0.55 + 0.45 * s,
        post_noise: (0.8 + 2.0 * (1.0 - s), 1.6 + 2.4 * (1.0 - s)),
        jpeg_quality: None,
    }
}

/// FNV-1a of the path: a stable per-file seed.
fn seed_of(rel: &str) -> u64 {
    rel.bytes().fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn jpeg_round_trip(pixels: &[u8], quality: u8, path: &Path) -> Result<Vec<u8>, SynthError> {
    let encode_error = |message: String| SynthError::Encode {
        path: path.to_path_buf(),
        message,
    };
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, quality)
        .write_image(pixels, SIDE as u32, SIDE as u32, ExtendedColorType::Rgb8)
        .map_err(|error| encode_error(error.to_string()))?;
    let decoded =
        image::load_from_memory(&bytes).map_err(|error| encode_error(error.to_string()))?;
    Ok(decoded.into_rgb8().into_raw())
}

/// A DeepfakeBench-style relative path: backslash-separated, as in the released JSONs.
pub(crate) fn backslashed(rel: &str) -> String {
    rel.replace('/', "\\")
}

/// The JSON entry of one video: `{label, frames}` with backslash paths.
pub(crate) fn video_entry(label: &str, frames: &[String]) -> serde_json::Value {
    let frames: Vec<String> = frames.iter().map(|f| backslashed(f)).collect();
    serde_json::json!({ "label": label, "frames": frames, "masks": [] })
}

/// Writes `value` as pretty JSON to `dir/name.json`.
pub(crate) fn write_json(
    dir: &Path,
    name: &str,
    value: &serde_json::Value,
) -> Result<(), SynthError> {
    let path = dir.join(format!("{name}.json"));
    let text = serde_json::to_string_pretty(value).map_err(|error| SynthError::Encode {
        path: path.clone(),
        message: error.to_string(),
    })?;
    Writer::new(dir).text(&format!("{name}.json"), &text)
}
