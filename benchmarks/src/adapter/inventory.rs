//! What a folder walk saw besides the samples it listed: the symlinked folders it followed, the
//! files it did not list because they are not images, and the entries where the layout reads
//! nothing.
//! `dfbench datasets check` prints it, so nothing under a walked folder is dropped unseen.
//!
//! Bounded: counts, a few first paths and a per-extension tally, never every path, so a walk of
//! millions of frames keeps its memory. Filled from what the walker already knows (directory
//! entries and their types), so it costs no extra file-system call per file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How many paths of each kind are kept (and printed).
pub const FIRST_KEPT: usize = 5;
/// How many distinct extensions are tallied; the rest are counted under `other`.
const KINDS_KEPT: usize = 32;

/// A count with the first few paths and, for files, a tally by extension.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub count: usize,
    /// The first [`FIRST_KEPT`] paths, in walk order (sorted within each folder).
    pub first: Vec<PathBuf>,
    /// `.txt`, `hidden` (a name starting with `.`), `no extension`, … → count.
    pub by_kind: BTreeMap<String, usize>,
}

impl Tally {
    pub(crate) fn add(&mut self, path: &Path, kind: Option<String>) {
        self.count += 1;
        if self.first.len() < FIRST_KEPT {
            self.first.push(path.to_path_buf());
        }
        if let Some(kind) = kind {
            let kind = if self.by_kind.len() >= KINDS_KEPT && !self.by_kind.contains_key(&kind) {
                "other".to_string()
            } else {
                kind
            };
            *self.by_kind.entry(kind).or_insert(0) += 1;
        }
    }

    fn merge(&mut self, other: &Tally) {
        self.count += other.count;
        let room = FIRST_KEPT.saturating_sub(self.first.len());
        self.first.extend(other.first.iter().take(room).cloned());
        for (kind, count) in &other.by_kind {
            *self.by_kind.entry(kind.clone()).or_insert(0) += count;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// What one dataset's folder walk saw besides its samples.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalkInventory {
    /// Whether the layout walks folders (`cnnspot`, `dire`, `df40`, `ffpp`). Manifest layouts
    /// (`csv`, `dfb-json`) list their files and walk nothing: files under their root that no
    /// row names are not part of the dataset and are not counted.
    pub walked: bool,
    /// Symlinked folders followed: the count and the first (link, target) pairs.
    pub links: usize,
    pub first_links: Vec<(PathBuf, PathBuf)>,
    /// Files in walked folders that are not images (neither PNG/JPEG nor an unsupported image
    /// format, which is listed and fails as `unsupported_format`): not part of the dataset.
    pub not_images: Tally,
    /// Entries where the layout reads nothing, not part of the dataset: folders it does not
    /// enter (a folder inside a CNNSpot label folder or inside a video's frame folder) and images
    /// outside the folders it reads (beside CNNSpot's label folders, loose in a folder of
    /// videos). Tallied as `folder` or by extension.
    pub unread: Tally,
}

impl WalkInventory {
    /// An empty inventory of a layout that walks folders.
    pub fn walked() -> WalkInventory {
        WalkInventory {
            walked: true,
            ..WalkInventory::default()
        }
    }

    pub(crate) fn link(&mut self, link: &Path, target: &Path) {
        self.links += 1;
        if self.first_links.len() < FIRST_KEPT {
            self.first_links
                .push((link.to_path_buf(), target.to_path_buf()));
        }
    }

    pub(crate) fn not_image(&mut self, path: &Path) {
        self.not_images.add(path, Some(file_kind(path)));
    }

    pub(crate) fn unread(&mut self, path: &Path, kind: String) {
        self.unread.add(path, Some(kind));
    }

    /// Adds what another walk of the same dataset saw (e.g. the real folder DiffusionForensics
    /// generators share).
    pub fn merge(&mut self, other: &WalkInventory) {
        self.walked |= other.walked;
        self.links += other.links;
        let room = FIRST_KEPT.saturating_sub(self.first_links.len());
        self.first_links
            .extend(other.first_links.iter().take(room).cloned());
        self.not_images.merge(&other.not_images);
        self.unread.merge(&other.unread);
    }
}

/// How a file is tallied: `hidden` for a name starting with `.` (`.DS_Store`, `._a.txt`),
/// otherwise its lowercase extension with the dot, or `no extension`.
pub fn file_kind(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy())
        .unwrap_or_default();
    if name.starts_with('.') {
        return "hidden".to_string();
    }
    match path.extension() {
        Some(extension) => format!(".{}", extension.to_string_lossy().to_ascii_lowercase()),
        None => "no extension".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_counts_and_only_the_first_paths() {
        let mut inventory = WalkInventory::walked();
        for index in 0..10 {
            inventory.not_image(Path::new(&format!("d/{index}.txt")));
        }
        inventory.not_image(Path::new("d/.DS_Store"));
        inventory.not_image(Path::new("d/README"));
        assert_eq!(inventory.not_images.count, 12);
        assert_eq!(inventory.not_images.first.len(), FIRST_KEPT);
        assert_eq!(inventory.not_images.by_kind[".txt"], 10);
        assert_eq!(inventory.not_images.by_kind["hidden"], 1);
        assert_eq!(inventory.not_images.by_kind["no extension"], 1);
        let mut other = WalkInventory::walked();
        other.link(Path::new("a"), Path::new("b"));
        other.not_image(Path::new("e/x.TXT"));
        inventory.merge(&other);
        assert_eq!(inventory.links, 1);
        assert_eq!(inventory.not_images.by_kind[".txt"], 11);
        assert_eq!(inventory.not_images.first.len(), FIRST_KEPT);
    }
}
