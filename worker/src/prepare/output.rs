//! Where `dfbench prepare` writes, always under one output folder (REFERENCE §1.1, §1.3):
//!
//! - `rgb/<dataset>/<video's folder>/frames/<video stem>/<NNN>.png`: the crops, NNN the original
//!   frame index zero-padded to 3 digits (a trailing `videos` folder is replaced by `frames`, as
//!   DeepfakeBench writes next to each `videos/` folder);
//! - `manifest/<video path>.json`: each video's record, written last (the video's done mark);
//! - `manifest.jsonl` and `dataset_json/<dataset>.json`, assembled from the records at the end.
//!
//! Every file is written to a temporary name in its folder and renamed into place, so a killed
//! worker never leaves a half-written PNG or record under its final name.
//!
//! Must not touch: anything outside the output folder, or the input videos.

use super::job::VideoRecord;
use image::RgbImage;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write {path}: {source}; check free space and permissions of the output folder")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot encode frame {path} as PNG: {message}")]
    Encode { path: PathBuf, message: String },
    #[error("manifest record {path} is unreadable ({message}); delete it to redo that video")]
    BadRecord { path: PathBuf, message: String },
}

/// A record as one line of JSON: its file's content and its manifest line.
pub fn record_line(record: &VideoRecord) -> String {
    serde_json::to_string(record).unwrap_or_default()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Writes `bytes` to `path` through `<path>.tmp` in the same folder and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let failed = |source| OutputError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(failed)?;
    }
    // A fixed name: a rerun rewrites and renames what a killed writer left (each file has one
    // writer: one thread owns a video, and the job's own files are written after the videos).
    let mut temporary = path.as_os_str().to_os_string();
    temporary.push(".tmp");
    std::fs::write(&temporary, bytes).map_err(failed)?;
    std::fs::rename(&temporary, path).map_err(failed)
}

/// The output folder of one dataset.
#[derive(Debug, Clone)]
pub struct Layout {
    pub out: PathBuf,
    pub dataset: String,
}

impl Layout {
    /// The video's frames folder relative to `out` (`/`-separated).
    pub fn frames_dir(&self, video: &str) -> String {
        let mut parts: Vec<&str> = video.split('/').collect();
        let file = parts.pop().unwrap_or_default();
        let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
        if parts.last() == Some(&"videos") {
            parts.pop();
        }
        let mut dir = vec!["rgb", self.dataset.as_str()];
        dir.extend(parts);
        dir.extend(["frames", stem]);
        dir.join("/")
    }

    fn record_path(&self, video: &str) -> PathBuf {
        self.out.join("manifest").join(format!("{video}.json"))
    }

    /// Removes whatever an interrupted attempt left of the video (frames, temporary files, its
    /// record), so a redo starts from nothing.
    pub fn clear_video(&self, video: &str) -> Result<(), OutputError> {
        let record = self.record_path(video);
        let dir = self.out.join(self.frames_dir(video));
        for (path, result) in [
            (&record, std::fs::remove_file(&record)),
            (&dir, std::fs::remove_dir_all(&dir)),
        ] {
            if let Err(source) = result
                && source.kind() != std::io::ErrorKind::NotFound
            {
                return Err(OutputError::Write {
                    path: path.clone(),
                    source,
                });
            }
        }
        Ok(())
    }

    /// Writes one crop as `<NNN>.png`; its path relative to `out` and the file's sha256.
    pub fn write_frame(
        &self,
        video: &str,
        index: usize,
        image: &RgbImage,
    ) -> Result<(String, String), OutputError> {
        let rel = format!("{}/{index:03}.png", self.frames_dir(video));
        let path = self.out.join(&rel);
        let mut bytes = Vec::new();
        image
            .write_to(
                &mut std::io::Cursor::new(&mut bytes),
                image::ImageFormat::Png,
            )
            .map_err(|error| OutputError::Encode {
                path: path.clone(),
                message: error.to_string(),
            })?;
        write_atomic(&path, &bytes)?;
        Ok((rel, sha256_hex(&bytes)))
    }

    pub fn write_record(&self, record: &VideoRecord) -> Result<(), OutputError> {
        let path = self.record_path(&record.video);
        write_atomic(&path, record_line(record).as_bytes())
    }

    /// The video's finished record and its text (the manifest copies the text: serde_json does
    /// not read every float back to the same bits), if there is one.
    pub fn read_record(&self, video: &str) -> Result<Option<(VideoRecord, String)>, OutputError> {
        let path = self.record_path(video);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => {
                return Err(OutputError::BadRecord {
                    path,
                    message: error.to_string(),
                });
            }
        };
        serde_json::from_str(&text)
            .map(|record| Some((record, text)))
            .map_err(|error| OutputError::BadRecord {
                path,
                message: error.to_string(),
            })
    }
}
