//! FaceForensics++ preprocessed folders without a JSON (REFERENCE §1.1, §1.3, §1.7):
//! `original_sequences/{youtube,actors}/<comp>/frames/<video>/<NNN>.png` and
//! `manipulated_sequences/<Method>/<comp>/frames/<target>_<source>/<NNN>.png`.
//!
//! Sets use DeepfakeBench's names and label groups, so this adapter and `dfb-json` give the same
//! samples: `FaceForensics++` (real + the four methods), `FF-DF`, `FF-F2F`, `FF-FS`, `FF-NT`,
//! `FaceShifter`, `DeepFakeDetection`, each also as `<set>_c40`. The split comes from the
//! official pair lists `<root>/{train,val,test}.json` (a real `a` or fake `a_b` / `b_a` belongs to
//! the split of pair [a, b]); DeepFakeDetection is in every split, as DFB copies it. Without the
//! pair lists every video is used and its split is recorded as `unsplit`.

use super::inventory;
use super::walk::media_in;
use super::{AdapterError, DatasetBuilder, Enumerated, Video, relative_path, set_dataset_name};
use crate::sample::Label;
use crate::suite::DatasetSpec;
use std::collections::BTreeSet;
use std::path::Path;

/// The FF++ sets this adapter knows (each also with `_c40`).
pub const FFPP_SETS: &[&str] = &[
    "FaceForensics++",
    "FF-DF",
    "FF-F2F",
    "FF-FS",
    "FF-NT",
    "FaceShifter",
    "DeepFakeDetection",
];

/// (label group, folder under the FF++ root with `{comp}` for the compression).
fn members(set: &str) -> Option<Vec<(&'static str, &'static str)>> {
    const REAL: (&str, &str) = ("FF-real", "original_sequences/youtube/{comp}/frames");
    const DF: (&str, &str) = ("FF-DF", "manipulated_sequences/Deepfakes/{comp}/frames");
    const F2F: (&str, &str) = ("FF-F2F", "manipulated_sequences/Face2Face/{comp}/frames");
    const FS: (&str, &str) = ("FF-FS", "manipulated_sequences/FaceSwap/{comp}/frames");
    const NT: (&str, &str) = (
        "FF-NT",
        "manipulated_sequences/NeuralTextures/{comp}/frames",
    );
    Some(match set {
        "FaceForensics++" => vec![REAL, DF, F2F, FS, NT],
        "FF-DF" => vec![REAL, DF],
        "FF-F2F" => vec![REAL, F2F],
        "FF-FS" => vec![REAL, FS],
        "FF-NT" => vec![REAL, NT],
        "FaceShifter" => vec![
            REAL,
            ("FF-FH", "manipulated_sequences/FaceShifter/{comp}/frames"),
        ],
        "DeepFakeDetection" => vec![
            ("DFD_real", "original_sequences/actors/{comp}/frames"),
            (
                "DFD_fake",
                "manipulated_sequences/DeepFakeDetection/{comp}/frames",
            ),
        ],
        _ => return None,
    })
}

pub fn enumerate(spec: &DatasetSpec, root: &Path) -> Result<Vec<Enumerated>, AdapterError> {
    let default_sets = ["FaceForensics++".to_string()];
    let sets: &[String] = if spec.sets.is_empty() {
        &default_sets
    } else {
        &spec.sets
    };
    let split = spec.split_name();
    let pairs = PairSplit::load(&spec.name, root, split)?;
    let mut datasets = Vec::new();
    for set in sets {
        let (base, compression) = match set.strip_suffix("_c40") {
            Some(base) => (base, "c40"),
            None => (set.as_str(), spec.compression_name()),
        };
        let members = members(base).ok_or_else(|| AdapterError::UnknownSet {
            dataset: spec.name.clone(),
            set: set.clone(),
            known: format!("{} (each also with _c40)", FFPP_SETS.join(", ")),
        })?;
        let name = set_dataset_name(&spec.name, set);
        let mut builder =
            DatasetBuilder::new(&name, root, spec.frame_selection(), spec.legacy_video_key);
        for (group, folder) in members {
            let label = if group.ends_with("real") {
                Label::Real
            } else {
                Label::Fake
            };
            let dir = root.join(folder.replace("{comp}", compression));
            if !dir.is_dir() {
                return Err(AdapterError::MissingLayout {
                    dataset: name,
                    what: format!("folder of `{group}` at {compression}"),
                    path: dir,
                    hint:
                        "check `root` (the FaceForensics++ folder), `compression` and the set name"
                            .to_string(),
                });
            }
            let every_split = group.starts_with("DFD");
            let split_name = if every_split || pairs.is_some() {
                split
            } else {
                "unsplit"
            };
            let media = media_in(&spec.name, &dir, builder.inventory())?;
            // The frames of an FF++ folder are in video folders; a loose image is not read.
            for still in &media.stills {
                builder
                    .inventory()
                    .unread(still, inventory::file_kind(still));
            }
            for (video, files) in media.videos {
                if let Some(pairs) = &pairs
                    && !every_split
                    && !pairs.contains(&video)
                {
                    continue;
                }
                let frames = files
                    .iter()
                    .map(|file| relative_path(&spec.name, root, file))
                    .collect::<Result<Vec<_>, _>>()?;
                builder.add(Video {
                    subset: set.clone(),
                    label_group: group.to_string(),
                    method: super::labels::method_of(group, label),
                    label,
                    split: split_name.to_string(),
                    compression: compression.to_string(),
                    name: Some(video),
                    frames,
                })?;
            }
        }
        datasets.push(builder.finish()?);
    }
    Ok(datasets)
}

/// The videos of one split by the official pair list: `a`, `b`, `a_b` and `b_a` per pair.
pub(crate) struct PairSplit {
    videos: BTreeSet<String>,
}

impl PairSplit {
    /// Reads `<root>/<split>.json`; `None` when the file does not exist.
    pub(crate) fn load(
        dataset: &str,
        root: &Path,
        split: &str,
    ) -> Result<Option<PairSplit>, AdapterError> {
        let file = root.join(format!("{split}.json"));
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                tracing::warn!(dataset, file = %file.display(), "no FF++ split pair list: every video is used, split recorded as `unsplit`");
                return Ok(None);
            }
            Err(source) => {
                return Err(AdapterError::Io {
                    dataset: dataset.to_string(),
                    path: file,
                    source,
                });
            }
        };
        let malformed = |json_path: String, found: String| AdapterError::MalformedJson {
            dataset: dataset.to_string(),
            file: file.clone(),
            json_path,
            expected: "a list of video-id pairs like [[\"953\", \"974\"], …]".to_string(),
            found,
        };
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|error| AdapterError::JsonSyntax {
                dataset: dataset.to_string(),
                file: file.clone(),
                message: error.to_string(),
            })?;
        let list = value
            .as_array()
            .ok_or_else(|| malformed("$".to_string(), value.to_string()))?;
        let mut videos = BTreeSet::new();
        for (index, pair) in list.iter().enumerate() {
            let ids: Option<Vec<&str>> = pair
                .as_array()
                .map(|items| items.iter().filter_map(|item| item.as_str()).collect());
            let Some([a, b]) = ids.as_deref() else {
                return Err(malformed(format!("$[{index}]"), pair.to_string()));
            };
            videos.extend([
                a.to_string(),
                b.to_string(),
                format!("{a}_{b}"),
                format!("{b}_{a}"),
            ]);
        }
        Ok(Some(PairSplit { videos }))
    }

    pub(crate) fn contains(&self, video: &str) -> bool {
        self.videos.contains(video)
    }
}
