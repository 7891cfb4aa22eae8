//! Turning a detector spec from a lease into something that scores images: a built-in, a
//! TorchScript model (with the `torch` feature), an ONNX model (with `onnx`), or the reason this worker cannot run it
//! (recorded as a typed failure for each of its predictions).

use crate::builtin::builtin_detector;
use crate::scoring::LoadedDetector;
use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::builtin_params::builtin_clip_spec;
use dfbench_benchmarks::card::DetectorCard;
use dfbench_benchmarks::card::clip::InputKind;
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

/// What the detector of `spec` reads, from its spec alone (so an unavailable clip detector
/// still fails clips, not samples): a built-in's clip spec, else the card's `input`.
pub fn spec_input(spec: &pb::DetectorSpec) -> InputKind {
    if spec.kind == "builtin" {
        return builtin_clip_spec(&spec.builtin).map_or(InputKind::Image, |clip| clip.input);
    }
    DetectorCard::parse(&spec.card_toml, "lease card").map_or(InputKind::Image, |card| card.input)
}

/// `device` is `cpu` or `cuda:N`; built-ins always run on the CPU.
pub fn load_detector(spec: &pb::DetectorSpec, device: &str) -> LoadedDetector {
    let mut loaded = load(spec, device);
    if let LoadedDetector::Unavailable { input, .. } = &mut loaded {
        *input = spec_input(spec);
    }
    loaded
}

fn load(spec: &pb::DetectorSpec, device: &str) -> LoadedDetector {
    match spec.kind.as_str() {
        "builtin" => match builtin_detector(&spec.builtin, &spec.name) {
            Some(detector) => LoadedDetector::Ready(Arc::from(detector)),
            None => LoadedDetector::Unavailable {
                name: spec.name.clone(),
                input: InputKind::Image,
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
                input: InputKind::Image,
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

    #[test]
    fn an_unavailable_clip_detector_still_reads_clips() {
        let spec = pb::DetectorSpec {
            name: "video".to_string(),
            kind: "torchscript-nope".to_string(),
            card_toml: "model = \"/nowhere/m.pt\"\ninput_size = 8\nresize = \"resize\"\n\
                        normalize = \"half\"\noutput = \"logit\"\ninput = \"clip\"\n\
                        clip_size = 4\nlayout = \"bcthw\"\n"
                .to_string(),
            ..Default::default()
        };
        let loaded = load_detector(&spec, "cpu");
        assert!(matches!(loaded, LoadedDetector::Unavailable { .. }));
        assert_eq!(loaded.input(), InputKind::Clip);
        let temporal = pb::DetectorSpec {
            name: "t".to_string(),
            kind: "builtin".to_string(),
            builtin: "temporal".to_string(),
            ..Default::default()
        };
        assert_eq!(spec_input(&temporal), InputKind::Clip);
        assert_eq!(load_detector(&temporal, "cpu").input(), InputKind::Clip);
    }
}
