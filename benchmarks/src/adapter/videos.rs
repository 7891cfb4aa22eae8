//! Turning videos (label, method, frames) into samples: frame selection (the union of what
//! image and clip detectors read, each frame marked with who reads it), video keys, file sizes
//! and missing files, the same way for every adapter.

use super::frames::{self, FrameSelection};
use super::{AdapterError, Enumerated, WalkInventory};
use crate::sample::{FrameReads, Label, Sample};
use std::path::{Path, PathBuf};

/// One video (or one still image) of a dataset, before frame selection.
#[derive(Debug, Clone)]
pub(crate) struct Video {
    pub subset: String,
    pub label_group: String,
    pub method: String,
    pub label: Label,
    pub split: String,
    pub compression: String,
    /// Video name; `None` for a still, which is its own video.
    pub name: Option<String>,
    /// Frame paths relative to the dataset root, `/`-separated.
    pub frames: Vec<String>,
}

/// Collects the videos of one stored dataset into an [`Enumerated`].
pub(crate) struct DatasetBuilder {
    name: String,
    root: PathBuf,
    selection: FrameSelection,
    legacy_video_key: bool,
    samples: Vec<Sample>,
    inventory: WalkInventory,
}

impl DatasetBuilder {
    pub fn new(name: &str, root: &Path, selection: FrameSelection, legacy: bool) -> Self {
        DatasetBuilder {
            name: name.to_string(),
            root: root.to_path_buf(),
            selection,
            legacy_video_key: legacy,
            samples: Vec::new(),
            inventory: WalkInventory::default(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the folder walks of this dataset record what they saw besides its samples.
    pub fn inventory(&mut self) -> &mut WalkInventory {
        &mut self.inventory
    }

    pub fn add(&mut self, video: Video) -> Result<(), AdapterError> {
        let frames =
            match &video.name {
                Some(_) => frames::select_union(video.frames.clone(), &self.selection).map_err(
                    |error| AdapterError::NonNumericFrame {
                        dataset: self.name.clone(),
                        video: video.name.clone().unwrap_or_default(),
                        frame: error.frame,
                    },
                )?,
                None => video
                    .frames
                    .iter()
                    .map(|frame| (frame.clone(), FrameReads::Both))
                    .collect(),
            };
        for (rel_path, reads) in frames {
            let video_name = video.name.clone().unwrap_or_else(|| rel_path.clone());
            let video_key = if self.legacy_video_key {
                legacy_key(&rel_path)
            } else {
                format!(
                    "{}/{}/{}/{}/{}",
                    self.name, video.label_group, video.method, video.compression, video_name
                )
            };
            self.samples.push(Sample {
                published_md5: None,
                dataset: self.name.clone(),
                subset: video.subset.clone(),
                frame_index: video
                    .name
                    .as_ref()
                    .and_then(|_| frames::frame_index(&rel_path)),
                rel_path,
                label: video.label,
                label_group: video.label_group.clone(),
                method: video.method.clone(),
                split: video.split.clone(),
                compression: video.compression.clone(),
                video_key,
                reads,
            });
        }
        Ok(())
    }

    /// Sorts by path and reads each file's size; listed files that are absent are recorded.
    pub fn finish(mut self) -> Result<Enumerated, AdapterError> {
        if self.samples.is_empty() {
            return Err(AdapterError::Empty {
                dataset: self.name,
                root: self.root,
                expected: "at least one listed frame".to_string(),
            });
        }
        self.samples.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
        let mut sizes = Vec::with_capacity(self.samples.len());
        let mut missing = Vec::new();
        for (index, sample) in self.samples.iter().enumerate() {
            let path = self.root.join(&sample.rel_path);
            match std::fs::metadata(&path) {
                Ok(metadata) if metadata.is_file() => sizes.push(metadata.len()),
                Ok(_) => {
                    missing.push(index);
                    sizes.push(0);
                }
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                    missing.push(index);
                    sizes.push(0);
                }
                Err(source) => {
                    return Err(AdapterError::Io {
                        dataset: self.name,
                        path,
                        source,
                    });
                }
            }
        }
        Ok(
            Enumerated::new(self.name, self.root, self.samples, sizes, missing)
                .with_inventory(self.inventory),
        )
    }
}

/// DeepfakeBench's video key: the name of the frame's parent folder (REFERENCE §2.2).
fn legacy_key(rel_path: &str) -> String {
    let mut parts = rel_path.rsplit('/');
    parts.next();
    parts.next().unwrap_or(rel_path).to_string()
}
