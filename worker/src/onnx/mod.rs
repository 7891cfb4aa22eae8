//! ONNX detectors through ONNX Runtime (the `ort` crate, API 1.31), behind the worker's `onnx`
//! feature.
//!
//! The library is opened at run time from `ORT_DYLIB_PATH` (set by `scripts/setup-onnx.sh`),
//! once per process; a missing or too old library is a clear error when the worker starts
//! ([`runtime`]), never a crash. Sessions are resident like TorchScript models: cached by
//! detector fingerprint and device ([`crate::model_file::ModelCache`]), batched by the shared
//! [`crate::batching`] code with the shared preprocessing.

pub mod model;

use crate::batching::{ModelDetector, loaded_detector};
use crate::model_file::{LoadError, ModelCache};
use crate::scoring::LoadedDetector;
use dfbench_proto::v1 as pb;
use model::OnnxModel;
use ort::ep::ExecutionProvider;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// The ONNX Runtime library this process uses, opened once.
pub struct OnnxRuntime {
    pub environment: ort::environment::Environment,
    pub library: PathBuf,
    /// From the library's file name (`libonnxruntime.so.1.31.1` → `1.31.1`).
    pub version: String,
    /// Execution providers this build of ONNX Runtime offers (of those dfbench uses).
    pub providers: Vec<&'static str>,
}

/// The process's ONNX Runtime, or why it cannot be used (said the same way every time).
pub fn runtime() -> Result<&'static OnnxRuntime, String> {
    static RUNTIME: OnceLock<Result<OnnxRuntime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(open_runtime)
        .as_ref()
        .map_err(Clone::clone)
}

fn open_runtime() -> Result<OnnxRuntime, String> {
    let fix = "run `eval \"$(scripts/setup-onnx.sh)\"` (it sets ORT_DYLIB_PATH to the onnxruntime 1.31 wheel's library)";
    let library = match std::env::var_os("ORT_DYLIB_PATH") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => {
            return Err(format!(
                "ORT_DYLIB_PATH is not set, so ONNX Runtime cannot be found; {fix}"
            ));
        }
    };
    if !library.is_file() {
        return Err(format!(
            "ORT_DYLIB_PATH names {}, which is not a file; {fix}",
            library.display()
        ));
    }
    let environment = ort::init_from(&library)
        .map_err(|error| {
            format!(
                "ONNX Runtime at {} cannot be used: {error}; {fix}",
                library.display()
            )
        })?
        .with_name("dfbench")
        .build()
        .map_err(|error| {
            format!(
                "ONNX Runtime at {} cannot start: {error}",
                library.display()
            )
        })?;
    let version = library
        .file_name()
        .and_then(|name| name.to_str())
        .and_then(|name| name.split_once(".so."))
        .map_or_else(
            || format!("1.{}+", ort::MINOR_VERSION),
            |(_, version)| version.to_string(),
        );
    let mut providers = vec!["CPUExecutionProvider"];
    if ort::ep::CUDA::is_available().unwrap_or(false) {
        providers.push("CUDAExecutionProvider");
    }
    Ok(OnnxRuntime {
        environment,
        library,
        version,
        providers,
    })
}

/// Runtime, version and execution providers for the worker's start-up log.
pub fn describe() -> String {
    match runtime() {
        Ok(runtime) => format!(
            "onnxruntime {} ({}); execution providers: {}",
            runtime.version,
            runtime.library.display(),
            runtime.providers.join(", ")
        ),
        Err(error) => format!("onnxruntime unavailable: {error}"),
    }
}

/// `cpu` → None, `cuda` / `cuda:N` → Some(N), for the CUDA execution provider.
pub fn parse_device(device: &str) -> Result<Option<i32>, LoadError> {
    let unusable = |reason: String| LoadError::Device {
        device: device.to_string(),
        reason,
    };
    match device {
        "cpu" => Ok(None),
        "cuda" => Ok(Some(0)),
        other => match other.strip_prefix("cuda:").map(str::parse::<i32>) {
            Some(Ok(index)) if index >= 0 => Ok(Some(index)),
            _ => Err(unusable("expected cpu or cuda:N".to_string())),
        },
    }
}

/// The session of `spec` on `device`, loaded on first use and kept for the life of the process.
pub fn load_model(spec: &pb::DetectorSpec, device: &str) -> Result<Arc<OnnxModel>, LoadError> {
    static CACHE: OnceLock<ModelCache<OnnxModel>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| ModelCache::new("onnx"));
    cache.get_or_load(spec, device, || {
        let cuda = parse_device(device)?;
        let runtime = runtime().map_err(LoadError::Runtime)?;
        OnnxModel::load(runtime, &spec.card_toml, &spec.fingerprint, cuda)
    })
}

/// A lease's onnx detector, ready or with the typed reason it cannot run.
pub fn load_cached(spec: &pb::DetectorSpec, device: &str) -> LoadedDetector {
    loaded_detector(&spec.name, load_model(spec, device))
}

/// A resident ONNX Runtime session under the name one suite gave it.
pub type OnnxDetector = ModelDetector<OnnxModel>;
