//! Per-set real/fake folder layouts of the newer image benchmarks (REFERENCE §1.12): a set is
//! one generator (GenImage, Community Forensics) or one test subset (AIGIBench) whose folder
//! holds one folder of real images and one of fakes, each set with its own reals. Each set
//! becomes its own dataset `<name>/<set>` with the set as `subset` and as the fakes' `method`
//! (`real` for the reals), so every report slices by generator.
//!
//! A folder inside a set other than the two label folders is an error naming it (its images'
//! label would be a guess); files beside the label folders are recorded, not read.

use super::walk::{Kind, entries_sorted, images_under, skipped_file, subdir_names};
use super::{AdapterError, DatasetBuilder, Enumerated, Video, relative_path, set_dataset_name};
use crate::sample::Label;
use crate::suite::DatasetSpec;
use std::path::{Path, PathBuf};

/// The label folder names of one layout.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LabelFolders {
    /// e.g. `GenImage`, for messages.
    pub layout: &'static str,
    pub real: &'static str,
    pub fake: &'static str,
    /// Whether every set must hold both folders (Community Forensics lets a folder hold only
    /// one label, its README says).
    pub both_required: bool,
}

/// The sets to read: the suite's `sets`, else every sub-folder of `base` (sorted) except
/// `reserved` names (files of the release kept beside the sets).
pub(crate) fn set_names(
    spec: &DatasetSpec,
    base: &Path,
    reserved: &[&str],
) -> Result<Vec<String>, AdapterError> {
    let names: Vec<String> = if spec.sets.is_empty() {
        subdir_names(&spec.name, base)?
            .into_iter()
            .filter(|name| !reserved.contains(&name.as_str()))
            .collect()
    } else {
        spec.sets.clone()
    };
    if names.is_empty() {
        return Err(AdapterError::Empty {
            dataset: spec.name.clone(),
            root: base.to_path_buf(),
            expected: "one folder per generator or subset".to_string(),
        });
    }
    Ok(names)
}

/// `base/<set>`, or the error naming the set and the sets that exist.
pub(crate) fn set_dir(
    spec: &DatasetSpec,
    base: &Path,
    set: &str,
    reserved: &[&str],
) -> Result<PathBuf, AdapterError> {
    let dir = base.join(set);
    if dir.is_dir() {
        return Ok(dir);
    }
    Err(AdapterError::UnknownSet {
        dataset: spec.name.clone(),
        set: set.to_string(),
        known: subdir_names(&spec.name, base)?
            .into_iter()
            .filter(|name| !reserved.contains(&name.as_str()))
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// Reads set `set` from `dir` (which holds the label folders) as dataset `<name>/<set>`;
/// every sample gets `split`.
pub(crate) fn read_set(
    spec: &DatasetSpec,
    root: &Path,
    set: &str,
    dir: &Path,
    split: &str,
    folders: LabelFolders,
) -> Result<Enumerated, AdapterError> {
    let name = set_dataset_name(&spec.name, set);
    let mut builder = DatasetBuilder::new(&name, root, spec.frame_selection(), false);
    let mut found = Vec::new();
    for entry in entries_sorted(&spec.name, dir)? {
        let file_name = entry
            .path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default()
            .to_string();
        if entry.kind != Kind::Dir {
            skipped_file(builder.inventory(), &entry.path, false);
            continue;
        }
        let label = if file_name == folders.real {
            Label::Real
        } else if file_name == folders.fake {
            Label::Fake
        } else {
            return Err(AdapterError::UnknownLabel {
                dataset: spec.name.clone(),
                location: entry.path.display().to_string(),
                label: file_name,
                hint: format!(
                    "a {} set holds `{}` (real) and `{}` (fake) only; rename or move the folder",
                    folders.layout, folders.real, folders.fake
                ),
            });
        };
        found.push(label);
        let images = images_under(&spec.name, &entry.path, builder.inventory())?;
        for image in images {
            let method = match label {
                Label::Real => "real".to_string(),
                Label::Fake => set.to_string(),
            };
            builder.add(Video {
                subset: set.to_string(),
                label_group: format!("{set}/{label}"),
                method,
                label,
                split: split.to_string(),
                compression: "raw".to_string(),
                name: None,
                frames: vec![relative_path(&spec.name, root, &image)?],
            })?;
        }
    }
    let wanted = [(Label::Real, folders.real), (Label::Fake, folders.fake)];
    let lacking: Vec<&str> = wanted
        .iter()
        .filter(|(label, _)| !found.contains(label))
        .map(|(_, folder)| *folder)
        .collect();
    if (folders.both_required && !lacking.is_empty()) || lacking.len() == 2 {
        return Err(AdapterError::MissingLayout {
            dataset: spec.name.clone(),
            what: format!("{} label folder", folders.layout),
            path: dir.join(lacking[0]),
            hint: format!(
                "each set must hold `{}` and `{}`; check `root`, `split` and the set name",
                folders.real, folders.fake
            ),
        });
    }
    builder.finish()
}
