//! Dataset adapters: each turns an on-disk layout into a sorted list of samples.

pub mod cnnspot;

use crate::sample::Sample;
use crate::suite::{DatasetSpec, Suite};
use std::path::{Path, PathBuf};

/// File extensions the decoder reads.
pub const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg"];

#[derive(Debug, thiserror::Error)]
pub enum AdapterError {
    #[error(
        "dataset `{dataset}`: root {root} does not exist or is not a folder; run `dfbench synth --out DIR` for demo data or fix `root` in the suite"
    )]
    MissingRoot { dataset: String, root: PathBuf },
    #[error("dataset `{dataset}`: cannot read {path}: {source}")]
    Io {
        dataset: String,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "dataset `{dataset}`: no images found under {root} (expected {expected}); check the root and the format"
    )]
    Empty {
        dataset: String,
        root: PathBuf,
        expected: String,
    },
    #[error("dataset `{dataset}`: unknown format `{format}`; use one of {}", crate::suite::DATASET_FORMATS.join(", "))]
    UnknownFormat { dataset: String, format: String },
    #[error("dataset `{dataset}`: path {path} is not valid UTF-8; rename it")]
    NonUtf8Path { dataset: String, path: PathBuf },
}

/// A dataset enumerated from disk: its samples (sorted by path) and each file's size.
#[derive(Debug, Clone)]
pub struct Enumerated {
    pub root: PathBuf,
    pub samples: Vec<Sample>,
    pub sizes: Vec<u64>,
}

impl Enumerated {
    pub fn fingerprint(&self) -> String {
        crate::fingerprint::dataset_fingerprint(&self.samples, &self.sizes)
    }
}

/// Enumerates one dataset of a suite with the adapter its `format` names.
pub fn enumerate(spec: &DatasetSpec, data_root: &Path) -> Result<Enumerated, AdapterError> {
    let root = Suite::resolve_root(spec, data_root);
    if !root.is_dir() {
        return Err(AdapterError::MissingRoot {
            dataset: spec.name.clone(),
            root,
        });
    }
    match spec.format.as_str() {
        "cnnspot" => cnnspot::enumerate(&spec.name, &root),
        other => Err(AdapterError::UnknownFormat {
            dataset: spec.name.clone(),
            format: other.to_string(),
        }),
    }
}

pub(crate) fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .map(|ext| IMAGE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
        .unwrap_or(false)
}
