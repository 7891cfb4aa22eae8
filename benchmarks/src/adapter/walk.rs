//! Directory walking shared by the folder adapters: sorted listings, image filters (unsupported
//! image formats are listed too, to fail as `unsupported_format`), symlink checks, and the
//! "a folder is a video, a loose image is a still" rule.

use super::{AdapterError, IMAGE_EXTENSIONS, WalkInventory};
use std::path::{Path, PathBuf};

/// Whether a folder layout lists `path` as a sample: a PNG/JPEG, or an image in a format
/// dfbench does not decode (recorded as an `unsupported_format` failure, never dropped unseen).
pub(crate) fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .map(|ext| IMAGE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
        .unwrap_or(false)
        || crate::image_io::unsupported_extension(path).is_some()
}

/// Entries of `dir`, sorted by path.
pub(crate) fn read_dir_sorted(dataset: &str, dir: &Path) -> Result<Vec<PathBuf>, AdapterError> {
    Ok(entries_sorted(dataset, dir)?
        .into_iter()
        .map(|entry| entry.path)
        .collect())
}

/// What a directory entry is, symlinks resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Dir,
    File,
    /// A broken link, a socket, a FIFO, …
    Other,
}

/// One entry of a folder: its path, what it is (a link: what it leads to) and whether it is a
/// symlink. The type comes from the directory listing; only symlinks cost a `stat`.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub path: PathBuf,
    pub kind: Kind,
    pub link: bool,
}

/// Entries of `dir` with their kinds, sorted by path.
pub(crate) fn entries_sorted(dataset: &str, dir: &Path) -> Result<Vec<Entry>, AdapterError> {
    let io_error = |source| AdapterError::Io {
        dataset: dataset.to_string(),
        path: dir.to_path_buf(),
        source,
    };
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io_error)? {
        let entry = entry.map_err(io_error)?;
        let file_type = entry.file_type().map_err(io_error)?;
        let path = entry.path();
        let link = file_type.is_symlink();
        let kind = if link {
            match std::fs::metadata(&path) {
                Ok(metadata) if metadata.is_dir() => Kind::Dir,
                Ok(metadata) if metadata.is_file() => Kind::File,
                _ => Kind::Other,
            }
        } else if file_type.is_dir() {
            Kind::Dir
        } else if file_type.is_file() {
            Kind::File
        } else {
            Kind::Other
        };
        entries.push(Entry { path, kind, link });
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(entries)
}

/// Records a file a folder layout does not list: an image where the layout reads none goes to
/// `unread`, anything else is not an image.
pub(crate) fn skipped_file(inventory: &mut WalkInventory, path: &Path, image_place: bool) {
    if !image_place && is_image(path) {
        inventory.unread(path, super::inventory::file_kind(path));
    } else {
        inventory.not_image(path);
    }
}

/// Records a symlinked folder the walk follows (its target resolved for the report).
pub(crate) fn followed(
    dataset: &str,
    inventory: &mut WalkInventory,
    link: &Path,
) -> Result<PathBuf, AdapterError> {
    let target = link.canonicalize().map_err(|source| AdapterError::Io {
        dataset: dataset.to_string(),
        path: link.to_path_buf(),
        source,
    })?;
    tracing::info!(dataset, link = %link.display(), target = %target.display(), "following a symlinked folder");
    inventory.link(link, &target);
    Ok(target)
}

/// Records `dir` when it is itself a symlinked folder (a label or frames folder stored
/// elsewhere): one `lstat` per walked folder, none per file.
fn followed_if_link(
    dataset: &str,
    inventory: &mut WalkInventory,
    dir: &Path,
) -> Result<(), AdapterError> {
    let metadata = std::fs::symlink_metadata(dir).map_err(|source| AdapterError::Io {
        dataset: dataset.to_string(),
        path: dir.to_path_buf(),
        source,
    })?;
    if metadata.file_type().is_symlink() {
        followed(dataset, inventory, dir)?;
    }
    Ok(())
}

/// Image files directly inside `dir`, sorted; other files and sub-folders go to `inventory`.
pub(crate) fn images_in(
    dataset: &str,
    dir: &Path,
    inventory: &mut WalkInventory,
) -> Result<Vec<PathBuf>, AdapterError> {
    inventory.walked = true;
    let mut images = Vec::new();
    for entry in entries_sorted(dataset, dir)? {
        match entry.kind {
            Kind::File if is_image(&entry.path) => images.push(entry.path),
            Kind::Dir => inventory.unread(&entry.path, "folder".to_string()),
            _ => inventory.not_image(&entry.path),
        }
    }
    Ok(images)
}

/// Image files anywhere under `dir`, sorted; other files go to `inventory`. A symlinked folder
/// is followed only when it leads inside `dir` (the images under `dir` get its label, so a link
/// may not import another label's images) and to a folder not walked yet (no cycle, no image
/// listed twice); otherwise the walk stops with an error naming the link. Followed links are
/// recorded in `inventory`.
pub(crate) fn images_under(
    dataset: &str,
    dir: &Path,
    inventory: &mut WalkInventory,
) -> Result<Vec<PathBuf>, AdapterError> {
    let io_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| AdapterError::Io {
            dataset: dataset.to_string(),
            path,
            source,
        }
    };
    inventory.walked = true;
    followed_if_link(dataset, inventory, dir)?;
    let root = dir.canonicalize().map_err(io_error(dir))?;
    let mut walk = Walk {
        dataset,
        root,
        visited: std::collections::HashSet::new(),
        out: Vec::new(),
        inventory,
    };
    walk.visited.insert(folder_id(dir).map_err(io_error(dir))?);
    walk.folder(dir)?;
    Ok(walk.out)
}

/// One `images_under` walk: the folders seen so far, by device and inode.
struct Walk<'a> {
    dataset: &'a str,
    root: PathBuf,
    visited: std::collections::HashSet<(u64, u64)>,
    out: Vec<PathBuf>,
    inventory: &'a mut WalkInventory,
}

impl Walk<'_> {
    fn folder(&mut self, dir: &Path) -> Result<(), AdapterError> {
        for Entry { path, kind, link } in entries_sorted(self.dataset, dir)? {
            if kind != Kind::Dir {
                if is_image(&path) {
                    self.out.push(path);
                } else {
                    self.inventory.not_image(&path);
                }
                continue;
            }
            let io_error = |source| AdapterError::Io {
                dataset: self.dataset.to_string(),
                path: path.clone(),
                source,
            };
            if link {
                let target = path.canonicalize().map_err(io_error)?;
                if !target.starts_with(&self.root) {
                    return Err(AdapterError::LinkOutsideFolder {
                        dataset: self.dataset.to_string(),
                        link: path,
                        target,
                        folder: self.root.clone(),
                    });
                }
            }
            if !self.visited.insert(folder_id(&path).map_err(io_error)?) {
                let target = path.canonicalize().unwrap_or_else(|_| path.clone());
                return Err(AdapterError::SymlinkCycle {
                    dataset: self.dataset.to_string(),
                    link: path,
                    target,
                });
            }
            if link {
                followed(self.dataset, self.inventory, &path)?;
            }
            self.folder(&path)?;
        }
        Ok(())
    }
}

/// (device, inode) of the folder `path` leads to.
fn folder_id(path: &Path) -> std::io::Result<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let metadata = std::fs::metadata(path)?;
    Ok((metadata.dev(), metadata.ino()))
}

/// What a media folder holds: sub-folders are videos (their images are frames), loose images
/// are stills.
pub(crate) struct MediaFolder {
    /// (video name, frame files) per sub-folder that holds images.
    pub videos: Vec<(String, Vec<PathBuf>)>,
    pub stills: Vec<PathBuf>,
}

/// The videos and stills of `dir`; other files, folders inside video folders and followed
/// symlinked video folders go to `inventory`.
pub(crate) fn media_in(
    dataset: &str,
    dir: &Path,
    inventory: &mut WalkInventory,
) -> Result<MediaFolder, AdapterError> {
    inventory.walked = true;
    followed_if_link(dataset, inventory, dir)?;
    let mut folder = MediaFolder {
        videos: Vec::new(),
        stills: Vec::new(),
    };
    for entry in entries_sorted(dataset, dir)? {
        let path = entry.path;
        match entry.kind {
            Kind::Dir => {
                if entry.link {
                    followed(dataset, inventory, &path)?;
                }
                let frames = images_in(dataset, &path, inventory)?;
                let name = path
                    .file_name()
                    .and_then(|name| name.to_str())
                    .ok_or_else(|| AdapterError::NonUtf8Path {
                        dataset: dataset.to_string(),
                        path: path.clone(),
                    })?
                    .to_string();
                if !frames.is_empty() {
                    folder.videos.push((name, frames));
                }
            }
            _ if is_image(&path) => folder.stills.push(path),
            _ => inventory.not_image(&path),
        }
    }
    Ok(folder)
}

/// The named sub-folder names of `dir` (sorted).
pub(crate) fn subdir_names(dataset: &str, dir: &Path) -> Result<Vec<String>, AdapterError> {
    Ok(read_dir_sorted(dataset, dir)?
        .into_iter()
        .filter(|path| path.is_dir())
        .filter_map(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .map(str::to_string)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tmp");
        for rel in ["real/a.png", "real/sub/b.png", "adm/c.png"] {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, b"png").expect("write");
        }
        dir
    }

    #[test]
    fn a_link_back_to_the_parent_is_an_error_naming_it_not_fakes_labelled_real() {
        let dir = tree();
        symlink("..", dir.path().join("real/back")).expect("link");
        let error = images_under("d", &dir.path().join("real"), &mut WalkInventory::default())
            .expect_err("refused");
        assert!(
            matches!(&error, AdapterError::LinkOutsideFolder { link, .. } if link.ends_with("real/back")),
            "{error}"
        );
        assert!(error.to_string().contains("real/back"), "{error}");
    }

    #[test]
    fn a_cycle_inside_the_folder_is_an_error_and_a_plain_link_is_followed_once() {
        let dir = tree();
        symlink("..", dir.path().join("real/sub/loop")).expect("link");
        let error = images_under("d", &dir.path().join("real"), &mut WalkInventory::default())
            .expect_err("cycle");
        assert!(
            matches!(&error, AdapterError::SymlinkCycle { link, .. } if link.ends_with("sub/loop")),
            "{error}"
        );
        std::fs::remove_file(dir.path().join("real/sub/loop")).expect("unlink");
        let shared = dir.path().join("real/elsewhere");
        std::fs::create_dir_all(shared.join("deep")).expect("mkdir");
        std::fs::write(shared.join("deep/d.png"), b"png").expect("write");
        symlink("elsewhere/deep", dir.path().join("real/zlink")).expect("link");
        let error = images_under("d", &dir.path().join("real"), &mut WalkInventory::default())
            .expect_err("second path");
        assert!(
            matches!(error, AdapterError::SymlinkCycle { .. }),
            "{error}"
        );
        std::fs::remove_file(dir.path().join("real/zlink")).expect("unlink");
        symlink("../adm", dir.path().join("real/zlink")).expect("link");
        assert!(
            images_under("d", &dir.path().join("real"), &mut WalkInventory::default()).is_err()
        );
        std::fs::remove_file(dir.path().join("real/zlink")).expect("unlink");
        let images = images_under("d", &dir.path().join("real"), &mut WalkInventory::default())
            .expect("plain tree");
        assert_eq!(images.len(), 3);
    }

    #[test]
    fn the_walks_record_links_non_images_and_unread_folders_not_only_samples() {
        let dir = tree();
        let store = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(store.path().join("fakes")).expect("mkdir");
        std::fs::write(store.path().join("fakes/e.png"), b"png").expect("write");
        std::fs::write(store.path().join("fakes/notes.txt"), b"txt").expect("write");
        symlink(store.path().join("fakes"), dir.path().join("sd")).expect("link");
        std::fs::write(dir.path().join("real/.DS_Store"), b"x").expect("write");
        std::fs::write(dir.path().join("real/sub/f.webp"), b"x").expect("write");
        let mut inventory = WalkInventory::default();
        let images = images_under("d", &dir.path().join("real"), &mut inventory).expect("walk");
        assert_eq!(images.len(), 3, "{images:?}");
        assert!(inventory.walked && inventory.links == 0);
        assert_eq!(inventory.not_images.count, 1);
        assert_eq!(inventory.not_images.by_kind["hidden"], 1);
        let images = images_under("d", &dir.path().join("sd"), &mut inventory).expect("walk");
        assert_eq!(images.len(), 1);
        assert_eq!(inventory.links, 1);
        assert!(inventory.first_links[0].0.ends_with("sd"));
        assert_eq!(inventory.not_images.by_kind[".txt"], 1);

        let mut inventory = WalkInventory::default();
        std::fs::create_dir_all(dir.path().join("real/sub/nested")).expect("mkdir");
        symlink("real/sub", dir.path().join("video")).expect("link");
        let media = media_in("d", dir.path(), &mut inventory).expect("media");
        let videos: Vec<&str> = media.videos.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(videos, ["adm", "real", "sd", "video"]);
        assert_eq!(inventory.links, 2, "{inventory:?}");
        assert_eq!(inventory.unread.count, 2, "real/sub and video/nested");
        assert_eq!(inventory.not_images.count, 2, "{inventory:?}");
    }
}
