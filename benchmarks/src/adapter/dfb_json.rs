//! DeepfakeBench dataset JSONs exactly as released (REFERENCE §1.3): one `<DatasetName>.json`
//! per set, nested dataset → label group → split → [compression →] video → {label, frames[, masks]}.
//!
//! - `root` is DeepfakeBench's rgb folder: the JSON's frame paths are relative to it. Paths may
//!   use backslashes, a leading `./`, or a leading `datasets/rgb/` (stripped), or be absolute
//!   under the root.
//! - A set `X_c40` reads `X.json` at compression `c40` (DFB's pseudo-names); FF++-family JSONs
//!   (`FaceForensics++`, `FF-DF`, …, `FaceShifter`, `DeepFakeDetection`) have the compression
//!   level, others not (a split object keyed only by raw/c23/c40 is read as one too). DF40 JSONs
//!   (`simswap_ff`, `FSAll_cdf`, `heygen`, …) have the same schema without compression.
//! - Labels come from each video's `label` through the suite's `label_map` and the DFB rule.

use super::json_shape::{At, key_list};
use super::labels::{self, how_to_map};
use super::{AdapterError, DatasetBuilder, SpecEnumeration, Video, set_dataset_name};
use crate::roots::DataRoots;
use crate::suite::DatasetSpec;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// Dataset names whose JSON has a compression level under the split (DFB `FFpp_pool`).
const FF_FAMILY: &[&str] = &[
    "FaceForensics++",
    "FF-DF",
    "FF-F2F",
    "FF-FS",
    "FF-NT",
    "DeepFakeDetection",
    "FaceShifter",
];
const COMPRESSIONS: &[&str] = &["raw", "c23", "c40"];

/// Whether DeepfakeBench's JSON of dataset `name` has a compression level under the split (the
/// FF++ family); `dfbench prepare` writes its JSONs by the same rule.
pub fn has_compression_level(name: &str) -> bool {
    FF_FAMILY.contains(&name)
}

pub fn enumerate(
    spec: &DatasetSpec,
    root: &Path,
    roots: &DataRoots,
) -> Result<SpecEnumeration, AdapterError> {
    let json_dir_text = spec.json_dir.as_deref().unwrap_or_default();
    let json_dir = roots.resolve(&spec.name, "json_dir", json_dir_text)?;
    let mut used = BTreeSet::new();
    let mut label_problems = Vec::new();
    let mut datasets = Vec::new();
    for set in &spec.sets {
        let (base, compression) = match set.strip_suffix("_c40") {
            Some(base) => (base, "c40"),
            None => (set.as_str(), spec.compression_name()),
        };
        let file = json_dir.join(format!("{base}.json"));
        let name = set_dataset_name(&spec.name, set);
        let mut builder =
            DatasetBuilder::new(&name, root, spec.frame_selection(), spec.legacy_video_key);
        let context = SetContext {
            spec,
            set,
            base,
            compression,
            root,
        };
        read_json(
            &context,
            &file,
            &mut builder,
            &mut used,
            &mut label_problems,
        )?;
        datasets.push(builder.finish()?);
    }
    label_problems.extend(super::unused_label_map_entries(spec, &used));
    Ok(SpecEnumeration {
        label_problems,
        ..super::no_problems(datasets)
    })
}

struct SetContext<'a> {
    spec: &'a DatasetSpec,
    set: &'a str,
    base: &'a str,
    compression: &'a str,
    root: &'a Path,
}

fn read_json(
    context: &SetContext<'_>,
    file: &Path,
    builder: &mut DatasetBuilder,
    used: &mut BTreeSet<String>,
    label_problems: &mut Vec<String>,
) -> Result<(), AdapterError> {
    let dataset = context.spec.name.as_str();
    let text = std::fs::read_to_string(file).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => AdapterError::MissingLayout {
            dataset: dataset.to_string(),
            what: "dataset JSON".to_string(),
            path: file.to_path_buf(),
            hint: format!(
                "set `{}` reads `{}.json` from json_dir (a `_c40` set reads its base JSON); check json_dir and the set name",
                context.set, context.base
            ),
        },
        _ => AdapterError::Io {
            dataset: dataset.to_string(),
            path: file.to_path_buf(),
            source,
        },
    })?;
    let value: Value = serde_json::from_str(&text).map_err(|error| AdapterError::JsonSyntax {
        dataset: dataset.to_string(),
        file: file.to_path_buf(),
        message: error.to_string(),
    })?;
    let at = At { dataset, file };
    let top = at.object(&value, "$", "an object keyed by the dataset name")?;
    let single = if top.len() == 1 {
        top.iter().next()
    } else {
        None
    };
    let Some((top_key, groups_value)) = top.get_key_value(context.base).or(single) else {
        return Err(AdapterError::MalformedJson {
            dataset: dataset.to_string(),
            file: file.to_path_buf(),
            json_path: "$".to_string(),
            expected: format!("key \"{}\" (the dataset name)", context.base),
            found: format!("keys {}", key_list(top)),
        });
    };
    let groups_path = format!("$[\"{top_key}\"]");
    let groups = at.object(groups_value, &groups_path, "an object of label groups")?;
    let split = context.spec.split_name();
    for (group, splits_value) in groups {
        used.insert(group.clone());
        let group_path = format!("{groups_path}[\"{group}\"]");
        let splits = at.object(
            splits_value,
            &group_path,
            "an object of splits (train/val/test)",
        )?;
        let split_path = format!("{group_path}[\"{split}\"]");
        let split_value = at.key(splits, split, &group_path, "the split the suite selects")?;
        let split_object = at.object(split_value, &split_path, "an object of videos")?;
        let has_compression = has_compression_level(context.base)
            || (!split_object.is_empty()
                && split_object
                    .iter()
                    .all(|(k, v)| COMPRESSIONS.contains(&k.as_str()) && v.get("frames").is_none()));
        let (videos_value, videos_path, compression) = if has_compression {
            let value = at.key(
                split_object,
                context.compression,
                &split_path,
                "the compression level",
            )?;
            let path = format!("{split_path}[\"{}\"]", context.compression);
            (value, path, context.compression)
        } else {
            (split_value, split_path, "raw")
        };
        let videos = at.object(videos_value, &videos_path, "an object of videos")?;
        for (video, entry) in videos {
            let video_path = format!("{videos_path}[\"{video}\"]");
            let entry = at.object(
                entry,
                &video_path,
                "a video entry {\"label\": …, \"frames\": […]}",
            )?;
            let label_value = at.key(entry, "label", &video_path, "the video's label name")?;
            let label_name = label_value.as_str().ok_or_else(|| {
                at.malformed(
                    &format!("{video_path}.label"),
                    "a label name (string)",
                    label_value,
                )
            })?;
            used.insert(label_name.to_string());
            let label = labels::label_of(label_name, &context.spec.label_map).ok_or_else(|| {
                AdapterError::UnknownLabel {
                    dataset: dataset.to_string(),
                    location: format!("{} at {video_path}.label", file.display()),
                    label: label_name.to_string(),
                    hint: how_to_map(label_name),
                }
            })?;
            if let Some(group_label) = labels::label_of(group, &context.spec.label_map)
                && group_label != label
            {
                label_problems.push(format!(
                    "dataset `{}`: {} at {video_path}: label `{label_name}` is {label} but its group `{group}` is {group_label}; fix the JSON or label_map",
                    builder.name(),
                    file.display()
                ));
            }
            let frames_path = format!("{video_path}.frames");
            let frames_value = at.key(entry, "frames", &video_path, "the list of frame paths")?;
            let list = frames_value.as_array().ok_or_else(|| {
                at.malformed(
                    &frames_path,
                    "a list of frame paths (strings)",
                    frames_value,
                )
            })?;
            let mut frames = Vec::with_capacity(list.len());
            for (index, item) in list.iter().enumerate() {
                let item_path = format!("{frames_path}[{index}]");
                let raw = item
                    .as_str()
                    .ok_or_else(|| at.malformed(&item_path, "a frame path (string)", item))?;
                let rel = normalize_listed_path(raw, context.root).map_err(|message| {
                    AdapterError::Manifest {
                        dataset: dataset.to_string(),
                        file: file.to_path_buf(),
                        location: item_path.clone(),
                        message,
                    }
                })?;
                frames.push(rel);
            }
            if frames.is_empty() {
                continue;
            }
            builder.add(Video {
                subset: context.set.to_string(),
                label_group: group.clone(),
                method: labels::method_of(group, label),
                label,
                split: split.to_string(),
                compression: compression.to_string(),
                name: Some(video.clone()),
                frames,
            })?;
        }
    }
    Ok(())
}

/// A listed frame path made relative to `root` with `/` separators.
pub(crate) fn normalize_listed_path(raw: &str, root: &Path) -> Result<String, String> {
    let mut path = raw.trim().replace('\\', "/");
    if path.starts_with('/') {
        let root_text = root.to_string_lossy().trim_end_matches('/').to_string();
        match path.strip_prefix(&format!("{root_text}/")) {
            Some(rest) => path = rest.to_string(),
            None => {
                return Err(format!(
                    "absolute path {raw} is not under the dataset root {}; set `root` to the folder the paths are under",
                    root.display()
                ));
            }
        }
    }
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.to_string();
    }
    for prefix in ["datasets/rgb/", "datasets/"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            path = rest.to_string();
            break;
        }
    }
    let parts: Vec<&str> = path
        .split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect();
    if parts.is_empty() || parts.contains(&"..") {
        return Err(format!(
            "path \"{raw}\" is empty or leaves the dataset root (`..`)"
        ));
    }
    Ok(parts.join("/"))
}
