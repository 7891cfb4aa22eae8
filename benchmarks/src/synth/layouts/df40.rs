//! DF40 as released (REFERENCE §1.8), under `rgb/`:
//!
//! - `DF40/`, the test tree: every known method in both domains
//!   (`<method>/{ff,cdf}/frames/<video>/` for face swap / reenactment; EFS as a folder named
//!   after an FF++ real id in ff and as loose images in cdf, both of which the release has), and
//!   the unknown sets the release has as `<folder>/{fake,real}/` (heygen as videos, the rest as
//!   stills). `deepfacelab`, which the paper names but the release lacks, is not written.
//! - `DF40_train/`, the training tree: FF domain only, one fake video per known method, made
//!   from the FF++ train pair.
//! - DF40's JSONs in `dataset_json/` for every set of P1–P4 ([`super::df40_json`]).
//!
//! The real side of known methods is the FF++ / Celeb-DF-v2 data written by the other layouts.

use super::{FRAMES, LayoutSummary, Writer, df40_json};
use crate::adapter::df40::release::NOT_IN_RELEASE;
use crate::adapter::df40::{KNOWN_METHODS, UNKNOWN_SETS};
use crate::synth::SynthError;
use std::path::Path;

/// One video or still: (entry name, frame paths relative to `rgb/`).
pub(super) type Entry = (String, Vec<String>);

/// The fakes written for one known method.
pub(super) struct KnownFakes {
    pub method: &'static str,
    pub category: &'static str,
    /// `DF40/<method>/ff/`.
    pub test_ff: Vec<Entry>,
    /// `DF40/<method>/cdf/`.
    pub test_cdf: Vec<Entry>,
    /// `DF40_train/<method>/ff/`.
    pub train_ff: Vec<Entry>,
}

/// One unknown set as written: its test name, fakes and reals.
pub(super) struct UnknownSet {
    pub set: &'static str,
    pub fakes: Vec<Entry>,
    pub reals: Vec<Entry>,
}

/// Trace strength of a method: by category, varied per method.
fn strength(category: &str, index: usize) -> f64 {
    let base = match category {
        "FS" => 0.7,
        "FR" => 0.45,
        _ => 0.85,
    };
    base + 0.1 * ((index % 3) as f64 - 1.0)
}

/// A video of two frames under `dir` (its last component names it).
fn video(writer: &mut Writer, dir: &str, strength: Option<f64>) -> Result<Entry, SynthError> {
    let mut frames = Vec::new();
    for frame in FRAMES {
        let rel = format!("{dir}/{frame}.png");
        writer.image(&rel, strength, None)?;
        frames.push(rel);
    }
    let name = dir.rsplit('/').next().unwrap_or(dir).to_string();
    Ok((name, frames))
}

/// Two loose stills `0000.png`, `0001.png` under `dir`, each its own entry.
fn stills(writer: &mut Writer, dir: &str, strength: Option<f64>) -> Result<Vec<Entry>, SynthError> {
    let mut entries = Vec::new();
    for still in ["0000", "0001"] {
        let rel = format!("{dir}/{still}.png");
        writer.image(&rel, strength, None)?;
        entries.push((still.to_string(), vec![rel]));
    }
    Ok(entries)
}

fn write_known(writer: &mut Writer) -> Result<Vec<KnownFakes>, SynthError> {
    let mut known = Vec::new();
    for (index, (method, category)) in KNOWN_METHODS.iter().enumerate() {
        let fake = Some(strength(category, index));
        let (test_ff, test_cdf, train_ff) = if *category == "EFS" {
            (
                video(writer, &format!("DF40/{method}/ff/000"), fake)?,
                stills(writer, &format!("DF40/{method}/cdf"), fake)?,
                video(writer, &format!("DF40_train/{method}/ff/004"), fake)?,
            )
        } else {
            let ff = format!("DF40/{method}/ff/frames/000_003");
            let cdf = format!("DF40/{method}/cdf/frames/id0_id1_0000");
            let train = format!("DF40_train/{method}/ff/frames/004_005");
            (
                video(writer, &ff, fake)?,
                vec![video(writer, &cdf, fake)?],
                video(writer, &train, fake)?,
            )
        };
        known.push(KnownFakes {
            method,
            category,
            test_ff: vec![test_ff],
            test_cdf,
            train_ff: vec![train_ff],
        });
    }
    Ok(known)
}

fn write_unknown(writer: &mut Writer) -> Result<Vec<UnknownSet>, SynthError> {
    let mut unknown = Vec::new();
    for (index, (set, folder)) in UNKNOWN_SETS.iter().enumerate() {
        if NOT_IN_RELEASE.contains(set) {
            continue;
        }
        let fake = Some(0.35 + 0.06 * index as f64);
        let (fakes, reals) = if *set == "heygen" {
            let fakes = video(writer, &format!("DF40/{folder}/fake/clip_0001"), fake)?;
            let reals = video(writer, &format!("DF40/{folder}/real/clip_0002"), None)?;
            (vec![fakes], vec![reals])
        } else {
            (
                stills(writer, &format!("DF40/{folder}/fake"), fake)?,
                stills(writer, &format!("DF40/{folder}/real"), None)?,
            )
        };
        unknown.push(UnknownSet { set, fakes, reals });
    }
    Ok(unknown)
}

pub(super) fn write(rgb: &Path, json: &Path) -> Result<LayoutSummary, SynthError> {
    let mut writer = Writer::new(rgb);
    let known = write_known(&mut writer)?;
    let unknown = write_unknown(&mut writer)?;
    df40_json::write(json, &known, &unknown)?;
    Ok(LayoutSummary {
        name: "df40".to_string(),
        root: rgb.to_path_buf(),
        images: writer.images,
        note: "DF40/ and DF40_train/ beside FaceForensics++/ and Celeb-DF-v2/ as released, without deepfacelab (format df40; root = rgb/), plus DF40's JSONs for every set of P1-P4 (format dfb-json)".to_string(),
    })
}
