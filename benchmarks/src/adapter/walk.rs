//! Directory walking shared by the folder adapters: sorted listings, image filters, and the
//! "a folder is a video, a loose image is a still" rule.

use super::{AdapterError, IMAGE_EXTENSIONS};
use std::path::{Path, PathBuf};

pub(crate) fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .map(|ext| IMAGE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
        .unwrap_or(false)
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

/// Image files anywhere under `dir`, sorted.
pub(crate) fn images_under(dataset: &str, dir: &Path) -> Result<Vec<PathBuf>, AdapterError> {
    let mut out = Vec::new();
    for path in read_dir_sorted(dataset, dir)? {
        if path.is_dir() {
            out.extend(images_under(dataset, &path)?);
        } else if is_image(&path) {
            out.push(path);
        }
    }
    Ok(out)
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
