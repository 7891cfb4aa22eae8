//! FaceForensics++ preprocessed folders (c23 and c40), the official split pair lists, and the
//! DeepfakeBench JSONs of the FF++ family: `FaceForensics++`, `FF-DF`, `FF-F2F`, `FF-FS`,
//! `FF-NT`, `FaceShifter`, `DeepFakeDetection`. Fake video names repeat across methods
//! (`000_003` under every method), as in the real dataset.

use super::{FRAMES, LayoutSummary, Writer, video_entry, write_json};
use crate::synth::SynthError;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::Path;

const SPLITS: [&str; 3] = ["train", "val", "test"];
/// Official-style pair lists: test 2 pairs, train 1, val none.
pub(crate) const PAIRS: [(&str, &[(&str, &str)]); 3] = [
    ("train", &[("004", "005")]),
    ("val", &[]),
    ("test", &[("000", "003"), ("001", "002")]),
];
/// (label group, method folder, trace strength).
pub(crate) const METHODS: [(&str, &str, f64); 5] = [
    ("FF-DF", "Deepfakes", 0.9),
    ("FF-F2F", "Face2Face", 0.55),
    ("FF-FS", "FaceSwap", 0.75),
    ("FF-NT", "NeuralTextures", 0.3),
    ("FF-FH", "FaceShifter", 0.45),
];
const COMPRESSIONS: [(&str, Option<u8>); 2] = [("c23", None), ("c40", Some(40))];

/// group → split → compression → video → entry.
type Groups = BTreeMap<String, BTreeMap<String, BTreeMap<String, Map<String, Value>>>>;

fn split_of(video: &str) -> Vec<&'static str> {
    for (split, pairs) in PAIRS {
        for (a, b) in pairs {
            let names = [
                a.to_string(),
                b.to_string(),
                format!("{a}_{b}"),
                format!("{b}_{a}"),
            ];
            if names.iter().any(|name| name == video) {
                return vec![split];
            }
        }
    }
    Vec::new()
}

struct Ffpp<'a> {
    writer: Writer,
    groups: Groups,
    json: &'a Path,
}

impl Ffpp<'_> {
    /// Writes a video's frames and records it in `group` for `splits`.
    #[allow(clippy::too_many_arguments)]
    fn video(
        &mut self,
        group: &str,
        label: &str,
        folder: &str,
        video: &str,
        strength: Option<f64>,
        compression: (&str, Option<u8>),
        splits: &[&str],
    ) -> Result<(), SynthError> {
        let (comp, jpeg) = compression;
        let mut frames = Vec::new();
        for frame in FRAMES {
            let rel = format!(
                "FaceForensics++/{}/frames/{video}/{frame}.png",
                folder.replace("{comp}", comp)
            );
            self.writer.image(&rel, strength, jpeg)?;
            frames.push(rel);
        }
        let entry = video_entry(label, &frames);
        let by_split = self.groups.entry(group.to_string()).or_default();
        for split in SPLITS {
            let videos = by_split
                .entry(split.to_string())
                .or_default()
                .entry(comp.to_string())
                .or_default();
            if splits.contains(&split) {
                videos.insert(video.to_string(), entry.clone());
            }
        }
        Ok(())
    }

    fn json(&self, name: &str, groups: &[&str]) -> Result<(), SynthError> {
        let mut selected = Map::new();
        for group in groups {
            if let Some(value) = self.groups.get(*group) {
                selected.insert(group.to_string(), json!(value));
            }
        }
        let mut top = Map::new();
        top.insert(name.to_string(), Value::Object(selected));
        write_json(self.json, name, &Value::Object(top))
    }
}

pub(super) fn write(rgb: &Path, json: &Path) -> Result<LayoutSummary, SynthError> {
    let mut ffpp = Ffpp {
        writer: Writer::new(rgb),
        groups: Groups::new(),
        json,
    };
    let reals = ["000", "001", "002", "003", "004", "005"];
    for compression in COMPRESSIONS {
        for video in reals {
            let splits = split_of(video);
            ffpp.video(
                "FF-real",
                "FF-real",
                "original_sequences/youtube/{comp}",
                video,
                None,
                compression,
                &splits,
            )?;
        }
        for (group, method, strength) in METHODS {
            let folder = format!("manipulated_sequences/{method}/{{comp}}");
            for (_, pairs) in PAIRS {
                for (a, b) in pairs {
                    for video in [format!("{a}_{b}"), format!("{b}_{a}")] {
                        let splits = split_of(&video);
                        ffpp.video(
                            group,
                            group,
                            &folder,
                            &video,
                            Some(strength),
                            compression,
                            &splits,
                        )?;
                    }
                }
            }
        }
        for video in ["01__talking", "02__walking"] {
            ffpp.video(
                "DFD_real",
                "DFD_real",
                "original_sequences/actors/{comp}",
                video,
                None,
                compression,
                &SPLITS,
            )?;
        }
        for video in ["01_02__talking__X7K2", "02_01__walking__Q9ZP"] {
            let folder = "manipulated_sequences/DeepFakeDetection/{comp}";
            ffpp.video(
                "DFD_fake",
                "DFD_fake",
                folder,
                video,
                Some(0.65),
                compression,
                &SPLITS,
            )?;
        }
    }
    for (split, pairs) in PAIRS {
        let list: Vec<[&str; 2]> = pairs.iter().map(|(a, b)| [*a, *b]).collect();
        ffpp.writer.text(
            &format!("FaceForensics++/{split}.json"),
            &json!(list).to_string(),
        )?;
    }
    ffpp.json(
        "FaceForensics++",
        &["FF-real", "FF-DF", "FF-F2F", "FF-FS", "FF-NT"],
    )?;
    for (group, _, _) in METHODS.iter().take(4) {
        ffpp.json(group, &["FF-real", group])?;
    }
    ffpp.json("FaceShifter", &["FF-real", "FF-FH"])?;
    ffpp.json("DeepFakeDetection", &["DFD_real", "DFD_fake"])?;
    Ok(LayoutSummary {
        name: "ffpp".to_string(),
        root: rgb.join("FaceForensics++"),
        images: ffpp.writer.images,
        note: "FF++ folders (format ffpp; root = this folder) and FF++-family DFB JSONs in dataset_json/ (format dfb-json; root = rgb/)".to_string(),
    })
}
