//! What every model runtime (TorchScript, ONNX) shares before a model is built: parsing the card
//! shipped with the lease, reading the model file, checking it is the file the coordinator
//! fingerprinted at planning, and the typed reasons a model cannot be loaded.

use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::card::DetectorCard;
use dfbench_proto::v1 as pb;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Why a model detector cannot be loaded; every prediction of it records `kind()`.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LoadError {
    #[error("the detector card shipped with the lease is not valid: {0}")]
    Card(String),
    #[error(
        "device `{device}` is not usable: {reason}; run the worker with --device cpu or on a host with that GPU"
    )]
    Device { device: String, reason: String },
    #[error(
        "model file {path} cannot be read: {message}; the file must be readable on every worker"
    )]
    Unreadable { path: PathBuf, message: String },
    #[error(
        "model file {path} has changed since the run was planned (sha256 {actual}, planned {planned}); re-run the suite so predictions match the weights"
    )]
    Changed {
        path: PathBuf,
        actual: String,
        planned: String,
    },
    #[error(
        "model file {path} is not {format} model that can be loaded on {device}: {message}; {hint}"
    )]
    NotAModel {
        path: PathBuf,
        /// With its article: `a TorchScript`, `an ONNX`.
        format: &'static str,
        device: String,
        message: String,
        hint: &'static str,
    },
    #[error("{0}")]
    Runtime(String),
}

impl LoadError {
    /// Stable failure reason stored with each prediction of the detector.
    pub fn kind(&self) -> FailureKind {
        match self {
            LoadError::Card(_) => FailureKind::BadDetectorCard,
            LoadError::Device { .. } => FailureKind::DeviceUnavailable,
            LoadError::Runtime(_) => FailureKind::DetectorUnavailable,
            LoadError::Unreadable { .. }
            | LoadError::Changed { .. }
            | LoadError::NotAModel { .. } => FailureKind::ModelLoadError,
        }
    }
}

/// Parses `card_toml` (model path already absolute) and reads the model file, checked against
/// the `sha256:<hex>:…` fingerprint when one is given.
pub fn read_checked(
    card_toml: &str,
    fingerprint: &str,
) -> Result<(DetectorCard, Vec<u8>), LoadError> {
    let card = DetectorCard::parse(card_toml, "lease card")
        .map_err(|error| LoadError::Card(error.to_string()))?;
    let bytes = std::fs::read(&card.model).map_err(|error| LoadError::Unreadable {
        path: card.model.clone(),
        message: error.to_string(),
    })?;
    let actual = hex::encode(Sha256::digest(&bytes));
    if let Some(planned) = fingerprint
        .strip_prefix("sha256:")
        .and_then(|rest| rest.split(':').next())
        && planned != actual
    {
        return Err(LoadError::Changed {
            path: card.model.clone(),
            actual,
            planned: planned.to_string(),
        });
    }
    Ok((card, bytes))
}

/// (detector identity, device).
type CacheKey = (String, String);

/// Resident models of one runtime, loaded on first use and kept for the life of the process,
/// keyed by the detector fingerprint (weights + preprocessing; the card text when the lease has
/// none) and the device. A model that cannot be loaded is cached as its typed failure, so a
/// broken file is read once, not once per shard.
pub struct ModelCache<T> {
    runtime: &'static str,
    models: Mutex<HashMap<CacheKey, Result<Arc<T>, LoadError>>>,
}

impl<T> ModelCache<T> {
    /// `runtime` names the runtime in log lines (`torchscript`, `onnx`).
    pub fn new(runtime: &'static str) -> ModelCache<T> {
        ModelCache {
            runtime,
            models: Mutex::new(HashMap::new()),
        }
    }

    /// The model of `spec` on `device`, built by `load` the first time.
    pub fn get_or_load(
        &self,
        spec: &pb::DetectorSpec,
        device: &str,
        load: impl FnOnce() -> Result<T, LoadError>,
    ) -> Result<Arc<T>, LoadError> {
        let identity = if spec.fingerprint.is_empty() {
            spec.card_toml.clone()
        } else {
            spec.fingerprint.clone()
        };
        let key = (identity, device.to_string());
        let mut models = match self.models.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(cached) = models.get(&key) {
            return cached.clone();
        }
        let started = std::time::Instant::now();
        let loaded = load().map(Arc::new);
        let runtime = self.runtime;
        match &loaded {
            Ok(_) => {
                tracing::info!(detector = %spec.name, %device, elapsed = ?started.elapsed(), "{runtime} model loaded")
            }
            Err(error) => {
                tracing::warn!(detector = %spec.name, %device, %error, "{runtime} model cannot be loaded")
            }
        }
        models.insert(key, loaded.clone());
        loaded
    }
}

/// Native errors (libtorch, ONNX Runtime) can carry long backtraces after the first line.
pub fn first_line(message: &str) -> String {
    message
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_and_missing_files_are_typed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let model = dir.path().join("m.onnx");
        std::fs::write(&model, b"weights").expect("model");
        let card = format!(
            "model = {:?}\ninput_size = 8\nresize = \"resize\"\nnormalize = \"half\"\noutput = \"logit\"\n",
            model.display().to_string()
        );
        let (_, bytes) = read_checked(&card, "").expect("no fingerprint, no check");
        assert_eq!(bytes, b"weights");
        let error = read_checked(&card, "sha256:00:11").expect_err("changed");
        assert_eq!(error.kind(), FailureKind::ModelLoadError);
        assert!(error.to_string().contains("re-run the suite"), "{error}");
        std::fs::remove_file(&model).expect("remove");
        let error = read_checked(&card, "").expect_err("missing");
        assert!(matches!(error, LoadError::Unreadable { .. }), "{error}");
        let error = read_checked("model = 3", "").expect_err("bad card");
        assert_eq!(error.kind(), FailureKind::BadDetectorCard);
    }
}
