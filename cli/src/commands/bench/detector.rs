//! `dfbench bench detector CARD`: throughput of one model detector (TorchScript or ONNX, by the
//! card's model file: `.onnx` runs on ONNX Runtime, the suite's rule) on the same files, measured
//! three ways in one run and printed as ratios:
//!
//! - forward only: the model on tensors prepared beforehand (the ceiling);
//! - dfbench end to end: decode + preprocess + forward + predictions, through the worker's
//!   scoring pipeline (decode thread one chunk ahead of the forward thread);
//! - the anchor, the runtime's own Python API on the same files: for TorchScript a plain PyTorch
//!   eval loop (DataLoader, PIL, torchvision transforms) run by the torch venv's python
//!   (scripts/setup-torch.sh); for ONNX a plain onnxruntime-Python loop (PIL, numpy,
//!   `InferenceSession.run`) run by the ONNX venv's python (scripts/setup-onnx.sh), which also
//!   times its forward passes alone.
//!
//! Targets are printed, not asserted: end to end / forward ≥ 0.95 (small CNN, batch 32,
//! 2 threads), dfbench / PyTorch ≥ 1.2, dfbench / onnxruntime-Python ≥ 1.0 and dfbench end to
//! end / onnxruntime-Python forward ≥ 0.95.
//!
//! `--compare-card OTHER` measures a second card (typically the same model exported for the
//! other runtime) on the same files in the same rounds and prints the TorchScript-vs-ONNX
//! throughput ratio.
//!
//! A clip card (`input = "clip" | "thumbnail"`) is measured in clips per second the same three
//! ways: the files are frames in order, cut into consecutive clips of `clip_size`; the worker's
//! pipeline scores them as a shard's clips, and the PyTorch loop decodes each clip's frames with
//! PIL and stacks them (see clip_bench.rs).

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
// Without torch the command only explains itself, so most options are parsed but never read.
#[cfg_attr(not(any(feature = "torch", feature = "onnx")), allow(dead_code))]
pub struct DetectorArgs {
    /// Detector card (TOML) of a TorchScript or ONNX (`model = "….onnx"`) detector.
    pub card: PathBuf,
    /// A second card measured on the same files in the same rounds (e.g. the same model for the
    /// other runtime); prints the TorchScript / ONNX throughput ratio.
    #[arg(long)]
    pub compare_card: Option<PathBuf>,
    /// Folder of PNG/JPEG files to score (default: COUNT generated PNGs at the card's input size).
    #[arg(long)]
    pub images: Option<PathBuf>,
    /// Images (for a clip card: frames) generated when --images is not given.
    #[arg(long, default_value_t = 512)]
    pub count: usize,
    /// Batch size (default: the card's `batch_size`).
    #[arg(long)]
    pub batch_size: Option<u32>,
    /// CPU threads for libtorch / ONNX Runtime, for decoding, and for the Python anchor.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Device: cpu or cuda:N.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Timed rounds per measurement (after one warm-up round); the median is printed.
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
    /// Python of the torch venv (with torchvision) for the anchor; `none` skips the anchor.
    #[arg(long, env = "DFBENCH_TORCH_PYTHON")]
    pub python: Option<PathBuf>,
    /// Python of the ONNX venv (onnxruntime, numpy, Pillow) for the anchor of an ONNX card;
    /// `none` skips it.
    #[arg(long, env = "DFBENCH_ONNX_PYTHON")]
    pub onnx_python: Option<PathBuf>,
    /// DataLoader worker processes of the PyTorch anchor.
    #[arg(long, default_value_t = 2)]
    pub loader_workers: usize,
}

#[cfg(not(any(feature = "torch", feature = "onnx")))]
pub async fn execute(args: DetectorArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!(
        "this dfbench build has no model runtime, so it cannot benchmark {}: rebuild with \
         `eval \"$(scripts/setup-torch.sh)\" && cargo build --release -p dfbench --features torch` \
         (TorchScript) or with scripts/setup-onnx.sh and `--features onnx` (ONNX)",
        args.card.display()
    )
}

#[cfg(any(feature = "torch", feature = "onnx"))]
pub async fn execute(args: DetectorArgs) -> anyhow::Result<ExitCode> {
    image_bench::execute(args).await
}

#[cfg(any(feature = "torch", feature = "onnx"))]
mod anchor;
#[cfg(any(feature = "torch", feature = "onnx"))]
mod clip_bench;
#[cfg(any(feature = "torch", feature = "onnx"))]
mod image_bench;
#[cfg(any(feature = "torch", feature = "onnx"))]
mod inputs;
#[cfg(any(feature = "torch", feature = "onnx"))]
mod subject;
