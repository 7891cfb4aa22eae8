//! Turning a detector spec from a lease into something that scores images: a built-in, a
//! TorchScript model (with the `torch` feature), an ONNX model (with `onnx`), or the reason this worker cannot run it
//! (recorded as a typed failure for each of its predictions).

use crate::builtin::builtin_detector;
use crate::scoring::LoadedDetector;
use dfbench_benchmarks::FailureKind;
use dfbench_proto::v1 as pb;
use std::sync::Arc;

/// Capabilities this worker declares at registration: `builtin`, plus `torch` and `cuda` when
/// this build has TorchScript support and CUDA is usable, plus `onnx` when this build has ONNX
/// support and its ONNX Runtime library opened.
pub fn capabilities() -> Vec<String> {
    #[cfg_attr(not(any(feature = "torch", feature = "onnx")), allow(unused_mut))]
    let mut capabilities = vec!["builtin".to_string()];
    #[cfg(feature = "torch")]
    {
        capabilities.push("torch".to_string());
        if crate::torch::cuda_available() {
            capabilities.push("cuda".to_string());
        }
    }
    #[cfg(feature = "onnx")]
    if crate::onnx::runtime().is_ok() {
        capabilities.push("onnx".to_string());
    }
    capabilities
}

/// Checks at start that every runtime this build has can be used: with the `onnx` feature, that
/// ONNX Runtime opens (`ORT_DYLIB_PATH`, version 1.31 or later). The error says what to do.
pub fn check() -> Result<(), String> {
    #[cfg(feature = "onnx")]
    crate::onnx::runtime()?;
    Ok(())
}

/// One line for the start-up log: device, libtorch version and CUDA availability (`torch`),
/// ONNX Runtime version, library and execution providers (`onnx`).
pub fn describe(device: &str) -> String {
    #[cfg(feature = "torch")]
    let mut line = crate::torch::describe(device);
    #[cfg(not(feature = "torch"))]
    let mut line = format!("device {device}; no torch support in this build");
    #[cfg(feature = "onnx")]
    line.push_str(&format!("; {}", crate::onnx::describe()));
    #[cfg(not(feature = "onnx"))]
    line.push_str("; no onnx support in this build");
    line
}

/// Where this worker computes a shard, sent with its completion: device, the libtorch version
/// it was built against, CUDA availability (tch does not expose the CUDA runtime version, so
/// `cuda_version` says `available (N devices)` or stays empty) and the batch (chunk) size.
pub fn provenance(device: &str, batch_size: usize) -> pb::ShardProvenance {
    let batch_size = u32::try_from(batch_size).unwrap_or(u32::MAX);
    #[cfg(feature = "torch")]
    {
        let cuda_version = if crate::torch::cuda_available() {
            format!("available ({} devices)", tch::Cuda::device_count())
        } else {
            String::new()
        };
        pb::ShardProvenance {
            device: device.to_string(),
            libtorch_version: crate::torch::LIBTORCH_VERSION.to_string(),
            cuda_version,
            batch_size,
        }
    }
    #[cfg(not(feature = "torch"))]
    {
        pb::ShardProvenance {
            device: device.to_string(),
            libtorch_version: String::new(),
            cuda_version: String::new(),
            batch_size,
        }
    }
}

/// `device` is `cpu` or `cuda:N`; built-ins always run on the CPU.
pub fn load_detector(spec: &pb::DetectorSpec, device: &str) -> LoadedDetector {
    match spec.kind.as_str() {
        "builtin" => match builtin_detector(&spec.builtin, &spec.name) {
            Some(detector) => LoadedDetector::Ready(Arc::from(detector)),
            None => LoadedDetector::Unavailable {
                name: spec.name.clone(),
                kind: FailureKind::DetectorUnavailable,
                reason: format!("this worker has no built-in detector `{}`", spec.builtin),
            },
        },
        #[cfg(feature = "torch")]
        "torchscript" => crate::torch::load_cached(spec, device),
        #[cfg(feature = "onnx")]
        "onnx" => crate::onnx::load_cached(spec, device),
        other => {
            let _ = device;
            let feature = match other {
                "torchscript" => "torch",
                "onnx" => "onnx",
                _ => "",
            };
            let reason = if feature.is_empty() {
                format!("this worker does not know detector kind `{other}`")
            } else {
                format!(
                    "this worker cannot run `{other}` detectors (built without the `{feature}` feature); \
                     run a worker built with `--features {feature}`"
                )
            };
            LoadedDetector::Unavailable {
                name: spec.name.clone(),
                kind: FailureKind::DetectorUnavailable,
                reason,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_builtin_and_kind_are_typed_unavailable() {
        let spec = pb::DetectorSpec {
            name: "x".to_string(),
            kind: "builtin".to_string(),
            builtin: "nope".to_string(),
            ..Default::default()
        };
        let LoadedDetector::Unavailable { kind, reason, .. } = load_detector(&spec, "cpu") else {
            panic!("an unknown built-in must be unavailable");
        };
        assert_eq!(kind, FailureKind::DetectorUnavailable);
        assert!(reason.contains("nope"), "{reason}");
        let spec = pb::DetectorSpec {
            kind: "tflite".to_string(),
            ..spec
        };
        let LoadedDetector::Unavailable { reason, .. } = load_detector(&spec, "cpu") else {
            panic!("an unknown kind must be unavailable");
        };
        assert!(reason.contains("tflite"), "{reason}");
        assert!(capabilities().contains(&"builtin".to_string()));
    }
}
