//! Raw video files (format `videos`), the input of a prepare run (`dfbench prepare`): every
//! video file under the root is one sample, its path relative to the root; its label group is
//! its first folder (`FF-real/000.mp4`, `FF-DF/000_003.mp4`), labelled by the suite's
//! `label_map` and the DeepfakeBench rule, as the prepared dataset JSON will label it. A video
//! is a sample of its own (no frame index): a prepare run leases whole videos.
//!
//! Must not touch: the videos' contents (planning lists and sizes files; workers decode).

use super::labels::{label_of, method_of};
use super::{AdapterError, DatasetBuilder, SpecEnumeration, Video, no_problems};
use crate::adapter::frames::FrameSelection;
use crate::suite::DatasetSpec;
use std::path::Path;

/// File extensions read as videos.
pub const VIDEO_EXTENSIONS: &[&str] = &["mp4", "avi", "mov", "mkv", "webm", "m4v"];

/// The videos under `input`, as sorted `/`-separated relative paths.
pub fn list_videos(input: &Path) -> Result<Vec<String>, String> {
    let mut found = Vec::new();
    let mut pending = vec![input.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir)
            .map_err(|error| format!("video folder {} cannot be read: {error}", dir.display()))?;
        for entry in entries {
            let path = entry
                .map_err(|error| format!("video folder {}: {error}", dir.display()))?
                .path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| VIDEO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
                && let Ok(rel) = path.strip_prefix(input)
            {
                let parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                found.push(parts.join("/"));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// One sample per video under `root`; a video whose group has no label is a label problem.
pub fn enumerate(spec: &DatasetSpec, root: &Path) -> Result<SpecEnumeration, AdapterError> {
    let videos = list_videos(root).map_err(|message| AdapterError::Io {
        dataset: spec.name.clone(),
        path: root.to_path_buf(),
        source: std::io::Error::other(message),
    })?;
    let mut builder = DatasetBuilder::new(&spec.name, root, FrameSelection::All, false);
    let mut problems = Vec::new();
    for video in videos {
        let group = match video.split_once('/') {
            Some((group, _)) => group.to_string(),
            None => {
                problems.push(format!(
                    "dataset `{}`: video {video} is in no folder; put each video under a folder \
                     named after its label group (e.g. FF-real/, FF-DF/)",
                    spec.name
                ));
                continue;
            }
        };
        let Some(label) = label_of(&group, &spec.label_map) else {
            problems.push(format!(
                "dataset `{}`: label group `{group}` (folder of {video}) is neither a \
                 DeepfakeBench label nor *_real / *_fake; rename the folder, or map it with \
                 label_map = {{ \"{group}\" = 1 }} (0 real, 1 fake)",
                spec.name
            ));
            continue;
        };
        builder.add(Video {
            subset: spec.name.clone(),
            method: method_of(&group, label),
            label_group: group,
            label,
            split: spec.split_name().to_string(),
            compression: String::new(),
            name: None,
            frames: vec![video],
        })?;
    }
    let mut enumeration = no_problems(vec![builder.finish()?]);
    enumeration.label_problems = problems;
    Ok(enumeration)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(root: &Path) -> DatasetSpec {
        let text = format!(
            "name = \"v\"\nformat = \"videos\"\nroot = \"{}\"\n",
            root.display()
        );
        toml::from_str(&text).expect("spec")
    }

    #[test]
    fn lists_one_sample_per_video_labelled_by_its_first_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (path, bytes) in [
            ("FF-real/000.mp4", &b"ab"[..]),
            ("FF-DF/000_003.MP4", b"abc"),
            ("FF-DF/notes.txt", b"x"),
            ("odd/001.mp4", b"x"),
        ] {
            let file = dir.path().join(path);
            std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
            std::fs::write(file, bytes).expect("write");
        }
        let enumeration = enumerate(&spec(dir.path()), dir.path()).expect("enumerate");
        let dataset = &enumeration.datasets[0];
        let listed: Vec<(&str, i64, Option<u32>)> = dataset
            .samples
            .iter()
            .map(|s| (s.rel_path.as_str(), s.label.as_i64(), s.frame_index))
            .collect();
        assert_eq!(
            listed,
            [("FF-DF/000_003.MP4", 1, None), ("FF-real/000.mp4", 0, None)]
        );
        assert_eq!(dataset.sizes, [3, 2]);
        assert_eq!(enumeration.label_problems.len(), 1, "{enumeration:?}");
        assert!(enumeration.label_problems[0].contains("`odd`"));
    }
}
