//! Directory walking shared by the folder adapters: sorted listings, image filters (unsupported
//! image formats are listed too, to fail as `unsupported_format`), symlink checks, and the
//! "a folder is a video, a loose image is a still" rule.

use super::{AdapterError, IMAGE_EXTENSIONS};
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
    let io_error = |source| AdapterError::Io {
        dataset: dataset.to_string(),
        path: dir.to_path_buf(),
        source,
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io_error)? {
        paths.push(entry.map_err(io_error)?.path());
    }
    paths.sort();
    Ok(paths)
}

/// Image files directly inside `dir`, sorted.
pub(crate) fn images_in(dataset: &str, dir: &Path) -> Result<Vec<PathBuf>, AdapterError> {
    Ok(read_dir_sorted(dataset, dir)?
        .into_iter()
        .filter(|path| path.is_file() && is_image(path))
        .collect())
}

/// Image files anywhere under `dir`, sorted. A symlinked folder is followed only when it leads
/// inside `dir` (the images under `dir` get its label, so a link may not import another label's
/// images) and to a folder not walked yet (no cycle, no image listed twice); otherwise the walk
/// stops with an error naming the link.
pub(crate) fn images_under(dataset: &str, dir: &Path) -> Result<Vec<PathBuf>, AdapterError> {
    let io_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| AdapterError::Io {
            dataset: dataset.to_string(),
            path,
            source,
        }
    };
    let root = dir.canonicalize().map_err(io_error(dir))?;
    let mut walk = Walk {
        dataset,
        root,
        visited: std::collections::HashSet::new(),
        out: Vec::new(),
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
}

impl Walk<'_> {
    fn folder(&mut self, dir: &Path) -> Result<(), AdapterError> {
        for path in read_dir_sorted(self.dataset, dir)? {
            if !path.is_dir() {
                if is_image(&path) {
                    self.out.push(path);
                }
                continue;
            }
            let io_error = |source| AdapterError::Io {
                dataset: self.dataset.to_string(),
                path: path.clone(),
                source,
            };
            let linked = std::fs::symlink_metadata(&path)
                .map_err(io_error)?
                .file_type()
                .is_symlink();
            if linked {
                let target = path.canonicalize().map_err(io_error)?;
                if !target.starts_with(&self.root) {
                    return Err(AdapterError::LinkOutsideFolder {
                        dataset: self.dataset.to_string(),
                        link: path,
                        target,
                        folder: self.root.clone(),
                    });
                }
                tracing::info!(dataset = self.dataset, link = %path.display(), target = %target.display(), "following a symlinked folder");
            }
            if !self.visited.insert(folder_id(&path).map_err(io_error)?) {
                let target = path.canonicalize().unwrap_or_else(|_| path.clone());
                return Err(AdapterError::SymlinkCycle {
                    dataset: self.dataset.to_string(),
                    link: path,
                    target,
                });
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

pub(crate) fn media_in(dataset: &str, dir: &Path) -> Result<MediaFolder, AdapterError> {
    let mut folder = MediaFolder {
        videos: Vec::new(),
        stills: Vec::new(),
    };
    for path in read_dir_sorted(dataset, dir)? {
        if path.is_dir() {
            let frames = images_in(dataset, &path)?;
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
        } else if is_image(&path) {
            folder.stills.push(path);
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
        let error = images_under("d", &dir.path().join("real")).expect_err("refused");
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
        let error = images_under("d", &dir.path().join("real")).expect_err("cycle");
        assert!(
            matches!(&error, AdapterError::SymlinkCycle { link, .. } if link.ends_with("sub/loop")),
            "{error}"
        );
        std::fs::remove_file(dir.path().join("real/sub/loop")).expect("unlink");
        let shared = dir.path().join("real/elsewhere");
        std::fs::create_dir_all(shared.join("deep")).expect("mkdir");
        std::fs::write(shared.join("deep/d.png"), b"png").expect("write");
        symlink("elsewhere/deep", dir.path().join("real/zlink")).expect("link");
        let error = images_under("d", &dir.path().join("real")).expect_err("second path");
        assert!(
            matches!(error, AdapterError::SymlinkCycle { .. }),
            "{error}"
        );
        std::fs::remove_file(dir.path().join("real/zlink")).expect("unlink");
        symlink("../adm", dir.path().join("real/zlink")).expect("link");
        assert!(images_under("d", &dir.path().join("real")).is_err());
        std::fs::remove_file(dir.path().join("real/zlink")).expect("unlink");
        let images = images_under("d", &dir.path().join("real")).expect("plain tree");
        assert_eq!(images.len(), 3);
    }
}
