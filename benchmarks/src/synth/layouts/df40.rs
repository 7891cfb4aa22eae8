//! DF40 under `rgb/DF40/`: every known method in both domains (`<method>/{ff,cdf}/frames/<video>/`
//! for face swap / reenactment; EFS as a folder named after an FF++ real id in ff and as loose
//! images in cdf, both of which the release has), the nine unknown sets as
//! `<folder>/{fake,real}/` (heygen as videos, the rest as stills), and two DF40 JSONs
//! (`simswap_ff.json`, `heygen.json`) in the DeepfakeBench schema. The real side of known
//! methods is the FF++ / Celeb-DF-v2 data written by the other layouts.

use super::{FRAMES, LayoutSummary, Writer, video_entry, write_json};
use crate::adapter::df40::{KNOWN_METHODS, UNKNOWN_SETS};
use crate::synth::SynthError;
use serde_json::{Map, Value, json};
use std::path::Path;

/// Trace strength of a method: by category, varied per method.
fn strength(category: &str, index: usize) -> f64 {
    let base = match category {
        "FS" => 0.7,
        "FR" => 0.45,
        _ => 0.85,
    };
    base + 0.1 * ((index % 3) as f64 - 1.0)
}

fn frames_of(
    writer: &mut Writer,
    dir: &str,
    strength: Option<f64>,
) -> Result<Vec<String>, SynthError> {
    let mut frames = Vec::new();
    for frame in FRAMES {
        let rel = format!("{dir}/{frame}.png");
        writer.image(&rel, strength, None)?;
        frames.push(rel);
    }
    Ok(frames)
}

pub(super) fn write(rgb: &Path, json: &Path) -> Result<LayoutSummary, SynthError> {
    let mut writer = Writer::new(rgb);
    let mut simswap_frames = Vec::new();
    for (index, (method, category)) in KNOWN_METHODS.iter().enumerate() {
        let fake = Some(strength(category, index));
        if *category == "EFS" {
            frames_of(&mut writer, &format!("DF40/{method}/ff/000"), fake)?;
            for still in ["0000", "0001"] {
                writer.image(&format!("DF40/{method}/cdf/{still}.png"), fake, None)?;
            }
        } else {
            let frames = frames_of(
                &mut writer,
                &format!("DF40/{method}/ff/frames/000_003"),
                fake,
            )?;
            if *method == "simswap" {
                simswap_frames = frames;
            }
            frames_of(
                &mut writer,
                &format!("DF40/{method}/cdf/frames/id0_id1_0000"),
                fake,
            )?;
        }
    }
    let mut heygen = Map::new();
    for (index, (set, folder)) in UNKNOWN_SETS.iter().enumerate() {
        let fake = Some(0.35 + 0.06 * index as f64);
        if *set == "heygen" {
            let fakes = frames_of(&mut writer, &format!("DF40/{folder}/fake/clip_0001"), fake)?;
            let reals = frames_of(&mut writer, &format!("DF40/{folder}/real/clip_0002"), None)?;
            heygen.insert(
                "heygen_Fake".into(),
                json!({ "test": { "clip_0001": video_entry("heygen_Fake", &fakes) } }),
            );
            heygen.insert(
                "heygen_Real".into(),
                json!({ "test": { "clip_0002": video_entry("heygen_Real", &reals) } }),
            );
            continue;
        }
        for still in ["0000", "0001"] {
            writer.image(&format!("DF40/{folder}/fake/{still}.png"), fake, None)?;
            writer.image(&format!("DF40/{folder}/real/{still}.png"), None, None)?;
        }
    }
    let real_frames: Vec<String> = FRAMES
        .iter()
        .map(|frame| {
            format!("FaceForensics++/original_sequences/youtube/c23/frames/000/{frame}.png")
        })
        .collect();
    let split = |video: &str, label: &str, frames: &[String]| {
        let entry = json!({ video: video_entry(label, frames) });
        json!({ "train": entry.clone(), "val": entry.clone(), "test": entry })
    };
    let simswap = json!({ "simswap_ff": {
        "simswap_Fake": split("000_003", "simswap_Fake", &simswap_frames),
        "simswap_Real": split("000", "simswap_Real", &real_frames),
    }});
    write_json(json, "simswap_ff", &simswap)?;
    let mut top = Map::new();
    top.insert("heygen".to_string(), Value::Object(heygen));
    write_json(json, "heygen", &Value::Object(top))?;
    Ok(LayoutSummary {
        name: "df40".to_string(),
        root: rgb.to_path_buf(),
        images: writer.images,
        note: "DF40/ beside FaceForensics++/ and Celeb-DF-v2/ (format df40; root = rgb/), plus DF40 JSONs".to_string(),
    })
}
