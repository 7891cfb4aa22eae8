//! CSV manifest for any other data: a header row with `path` and `label`, and optionally
//! `video`, `method`, `split`, `subset`. Paths are relative to `root` (backslashes allowed).
//! `label` is `0`/`1`, `real`/`fake`, or a label name resolved like DeepfakeBench names
//! (suite `label_map` first). Rows sharing a `video` form one video (frame selection applies);
//! rows without one are stills. `subset` defaults to the dataset name, `split` to `test`.

use super::dfb_json::normalize_listed_path;
use super::labels::{self, how_to_map};
use super::{AdapterError, DatasetBuilder, SpecEnumeration, Video};
use crate::roots::DataRoots;
use crate::sample::Label;
use crate::suite::DatasetSpec;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub fn enumerate(
    spec: &DatasetSpec,
    root: &Path,
    roots: &DataRoots,
) -> Result<SpecEnumeration, AdapterError> {
    let file = match &spec.manifest {
        Some(manifest) => roots.resolve(&spec.name, "manifest", manifest)?,
        None => root.join("manifest.csv"),
    };
    let manifest_error = |location: String, message: String| AdapterError::Manifest {
        dataset: spec.name.clone(),
        file: file.clone(),
        location,
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(&file)
        .map_err(|error| {
            manifest_error(
                "opening".to_string(),
                format!("{error}; set `manifest` in the suite"),
            )
        })?;
    let headers = reader
        .headers()
        .map_err(|error| manifest_error("header row".to_string(), error.to_string()))?
        .clone();
    let column = |name: &str| headers.iter().position(|header| header == name);
    let (Some(path_column), Some(label_column)) = (column("path"), column("label")) else {
        return Err(manifest_error(
            "header row".to_string(),
            // The columns found are not quoted: this error may go to a remote client, which
            // must not learn what the coordinator's files hold.
            format!(
                "needs columns `path` and `label` (optional: video, method, split, subset); \
                 the header row ({} column(s)) lacks {}",
                headers.len(),
                match (column("path"), column("label")) {
                    (None, None) => "both",
                    (None, Some(_)) => "`path`",
                    _ => "`label`",
                }
            ),
        ));
    };
    let optional = [
        column("video"),
        column("method"),
        column("split"),
        column("subset"),
    ];
    let mut used = BTreeSet::new();
    let mut videos: BTreeMap<(String, String, String, String, String), Video> = BTreeMap::new();
    let mut builder = DatasetBuilder::new(
        &spec.name,
        root,
        spec.frame_selection(),
        spec.legacy_video_key,
    );
    for (index, record) in reader.records().enumerate() {
        let line = format!("line {}", index + 2);
        let record = record.map_err(|error| manifest_error(line.clone(), error.to_string()))?;
        let field = |column: Option<usize>| {
            column
                .and_then(|c| record.get(c))
                .filter(|value| !value.is_empty())
                .map(str::to_string)
        };
        let raw_path = field(Some(path_column))
            .ok_or_else(|| manifest_error(line.clone(), "empty `path`".to_string()))?;
        let label_text = field(Some(label_column))
            .ok_or_else(|| manifest_error(line.clone(), "empty `label`".to_string()))?;
        let (label, label_group) =
            parse_label(&label_text, spec).ok_or_else(|| AdapterError::UnknownLabel {
                dataset: spec.name.clone(),
                location: format!("{} {line}", file.display()),
                label: label_text.clone(),
                hint: format!("use 0/1 or real/fake, or {}", how_to_map(&label_text)),
            })?;
        used.insert(label_text.clone());
        let rel_path = normalize_listed_path(&raw_path, root)
            .map_err(|message| manifest_error(line.clone(), message))?;
        let [video, method, split, subset] = optional.map(field);
        let method = method.unwrap_or_else(|| labels::method_of(&label_group, label));
        let split = split.unwrap_or_else(|| "test".to_string());
        let subset = subset.unwrap_or_else(|| spec.name.clone());
        let template = Video {
            subset: subset.clone(),
            label_group: label_group.clone(),
            method: method.clone(),
            label,
            split: split.clone(),
            compression: "raw".to_string(),
            name: video.clone(),
            frames: vec![rel_path],
        };
        match video {
            None => builder.add(template)?,
            Some(video) => {
                let key = (video, label_group, method, split, subset);
                match videos.get_mut(&key) {
                    Some(existing) => existing.frames.extend(template.frames),
                    None => {
                        videos.insert(key, template);
                    }
                }
            }
        }
    }
    for video in videos.into_values() {
        builder.add(video)?;
    }
    Ok(SpecEnumeration {
        label_problems: super::unused_label_map_entries(spec, &used),
        ..super::no_problems(vec![builder.finish()?])
    })
}

/// (label, label group) of a manifest label cell.
fn parse_label(text: &str, spec: &DatasetSpec) -> Option<(Label, String)> {
    match text {
        "0" | "real" => Some((Label::Real, "real".to_string())),
        "1" | "fake" => Some((Label::Fake, "fake".to_string())),
        name => labels::label_of(name, &spec.label_map).map(|label| (label, name.to_string())),
    }
}
