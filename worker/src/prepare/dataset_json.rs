//! The DeepfakeBench dataset JSON of a prepared dataset (REFERENCE §1.3), assembled from the
//! video records: dataset → label group (the video's first folder) → split → [compression →]
//! video stem → {label, frames}. Frame paths are relative to the `rgb` folder, as the `dfb-json`
//! adapter reads them.
//!
//! Splits: with FF++'s official split files (`train.json`, `val.json`, `test.json`, each a
//! list of `[a, b]` pairs) a video `a`, `b`, `a_b` or `b_a` gets its pair's split, as
//! DeepfakeBench's `rearrange.py` does (every group has all three splits, empty where no video
//! falls); a video in no pair is listed by
//! [`DatasetJson::unsplit`]. Without split files every video is in `test`.
//!
//! Must not touch: frames or records on disk (the caller reads and writes them).

use super::job::VideoRecord;
use dfbench_benchmarks::adapter::dfb_json::has_compression_level;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;

/// Official split of each video name.
#[derive(Debug, Clone, Default)]
pub struct Splits {
    of: BTreeMap<String, String>,
}

impl Splits {
    /// Reads `train.json`, `val.json` and `test.json` from `dir`.
    pub fn read(dir: &Path) -> Result<Splits, String> {
        let mut of = BTreeMap::new();
        for split in ["train", "val", "test"] {
            let file = dir.join(format!("{split}.json"));
            let text = std::fs::read_to_string(&file).map_err(|error| {
                format!("split file {} cannot be read: {error}; --splits names the folder with FF++'s train.json, val.json and test.json", file.display())
            })?;
            let pairs: Vec<[String; 2]> = serde_json::from_str(&text).map_err(|error| {
                format!(
                    "split file {}: {error}; expected a list of [\"000\", \"003\"] pairs",
                    file.display()
                )
            })?;
            for [a, b] in pairs {
                for name in [a.clone(), b.clone(), format!("{a}_{b}"), format!("{b}_{a}")] {
                    of.insert(name, split.to_string());
                }
            }
        }
        Ok(Splits { of })
    }

    fn split_of(&self, video: &str) -> Option<&str> {
        self.of.get(video).map(String::as_str)
    }
}

/// The assembled JSON and the videos it could not place.
pub struct DatasetJson {
    pub value: Value,
    /// Videos with frames that no split file lists (left out of the JSON, kept in the manifest).
    pub unsplit: Vec<String>,
}

/// The JSON of `dataset` over `records` (videos without a written frame are left out).
pub fn assemble(
    dataset: &str,
    records: &[VideoRecord],
    splits: Option<&Splits>,
    compression: &str,
) -> DatasetJson {
    let mut groups: BTreeMap<&str, BTreeMap<&str, BTreeMap<&str, Value>>> = BTreeMap::new();
    let mut unsplit = Vec::new();
    for record in records {
        let frames: Vec<String> = record
            .frames
            .iter()
            .filter_map(|frame| frame.path.as_deref()?.strip_prefix("rgb/"))
            .map(str::to_string)
            .collect();
        if frames.is_empty() {
            continue;
        }
        let group = record.video.split('/').next().unwrap_or_default();
        let file = record.video.rsplit('/').next().unwrap_or_default();
        let name = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
        let split = match splits {
            Some(splits) => match splits.split_of(name) {
                Some(split) => split,
                None => {
                    unsplit.push(record.video.clone());
                    continue;
                }
            },
            None => "test",
        };
        // Every group has all three splits (empty where no video falls), as DeepfakeBench's
        // rearrange.py writes them, so any split a suite selects is there.
        let splits = groups.entry(group).or_insert_with(|| {
            ["train", "val", "test"]
                .map(|split| (split, BTreeMap::new()))
                .into()
        });
        splits
            .entry(split)
            .or_default()
            .insert(name, json!({"label": group, "frames": frames}));
    }
    let nest = |videos: BTreeMap<&str, Value>| match has_compression_level(dataset) {
        true => json!({ compression: videos }),
        false => json!(videos),
    };
    let groups: BTreeMap<&str, BTreeMap<&str, Value>> = groups
        .into_iter()
        .map(|(group, splits)| {
            (
                group,
                splits.into_iter().map(|(s, v)| (s, nest(v))).collect(),
            )
        })
        .collect();
    DatasetJson {
        value: json!({ dataset: groups }),
        unsplit,
    }
}
