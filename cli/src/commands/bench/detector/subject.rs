//! The model a card names, loaded by the runtime its model file calls for (the suite's rule:
//! a `.onnx` model runs on ONNX Runtime, anything else is TorchScript), behind one interface the
//! measurements share: forward passes on prepared batches, and the detector the worker's scoring
//! pipeline runs.

use dfbench_benchmarks::card::ResolvedCard;
use dfbench_proto::v1 as pb;
use dfbench_worker::Detector;
use dfbench_worker::batching::{BatchScores, ForwardError, ModelDetector, ResidentModel};
use dfbench_worker::preprocess::Preprocessing;
use std::path::Path;
use std::sync::Arc;

/// The runtime a card's model file calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    TorchScript,
    Onnx,
}

impl Runtime {
    /// `.onnx` (any case) → ONNX Runtime, anything else → TorchScript.
    pub fn of(model: &Path) -> Runtime {
        let is_onnx = model
            .extension()
            .is_some_and(|extension| extension.eq_ignore_ascii_case("onnx"));
        if is_onnx {
            Runtime::Onnx
        } else {
            Runtime::TorchScript
        }
    }

    /// The suite's `kind` for this runtime.
    pub fn kind(self) -> &'static str {
        match self {
            Runtime::TorchScript => "torchscript",
            Runtime::Onnx => "onnx",
        }
    }

    /// The runtime and its version, for the header line.
    pub fn describe(self) -> String {
        match self {
            #[cfg(feature = "torch")]
            Runtime::TorchScript => format!("libtorch {}", dfbench_worker::torch::LIBTORCH_VERSION),
            #[cfg(feature = "onnx")]
            Runtime::Onnx => match dfbench_worker::onnx::runtime() {
                Ok(runtime) => format!("onnxruntime {}", runtime.version),
                Err(_) => "onnxruntime (unavailable)".to_string(),
            },
            #[allow(unreachable_patterns)]
            other => format!("{} (not in this build)", other.kind()),
        }
    }
}

type Forward = dyn Fn(Vec<f32>, usize) -> Result<BatchScores, ForwardError> + Send + Sync;

/// One card's model, resident, measured the same way whatever its runtime.
pub struct Subject {
    pub runtime: Runtime,
    pub preprocessing: Preprocessing,
    forward: Box<Forward>,
    /// The detector the worker would make of the model (named `bench`).
    pub detector: Arc<dyn Detector>,
}

impl Subject {
    /// Loads `resolved`'s model on `device` with the runtime its file calls for; a runtime this
    /// build lacks is an error saying how to rebuild.
    pub fn load(card: &Path, resolved: &ResolvedCard, device: &str) -> anyhow::Result<Subject> {
        let runtime = Runtime::of(&resolved.card.model);
        let spec = pb::DetectorSpec {
            name: "bench".to_string(),
            kind: runtime.kind().to_string(),
            builtin: String::new(),
            card_toml: resolved.to_toml(),
            fingerprint: resolved.fingerprint.clone(),
        };
        let failed = |error: &dyn std::fmt::Display| {
            anyhow::anyhow!("cannot load {}: {error}", card.display())
        };
        match runtime {
            #[cfg(feature = "torch")]
            Runtime::TorchScript => dfbench_worker::torch::load_model(&spec, device)
                .map(|model| Subject::of(runtime, model))
                .map_err(|error| failed(&error)),
            #[cfg(feature = "onnx")]
            Runtime::Onnx => dfbench_worker::onnx::load_model(&spec, device)
                .map(|model| Subject::of(runtime, model))
                .map_err(|error| failed(&error)),
            #[allow(unreachable_patterns)]
            other => {
                let _ = (spec, device, failed);
                let (feature, setup) = match other {
                    Runtime::TorchScript => ("torch", "setup-torch.sh"),
                    Runtime::Onnx => ("onnx", "setup-onnx.sh"),
                };
                anyhow::bail!(
                    "{} names a {} model ({}), but this dfbench build has no `{feature}` feature: \
                     rebuild with `eval \"$(scripts/{setup})\" && cargo build --release -p dfbench --features {feature}`",
                    card.display(),
                    other.kind(),
                    resolved.card.model.display()
                )
            }
        }
    }

    fn of<M: ResidentModel>(runtime: Runtime, model: Arc<M>) -> Subject {
        let preprocessing = model.preprocessing().clone();
        let forward_model = Arc::clone(&model);
        Subject {
            runtime,
            preprocessing,
            forward: Box::new(move |input, batch| M::run(&forward_model, input, batch)),
            detector: Arc::new(ModelDetector {
                name: "bench".to_string(),
                model,
            }),
        }
    }

    /// Scores one prepared batch as the worker does (TorchScript on the process's torch thread,
    /// ONNX Runtime on its own intra-op pool).
    pub fn forward(&self, input: Vec<f32>, batch: usize) -> anyhow::Result<()> {
        (self.forward)(input, batch)
            .map(drop)
            .map_err(|error| anyhow::anyhow!("{error}"))
    }
}
