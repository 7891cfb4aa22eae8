//! `dfbench bench detector CARD`: throughput of one TorchScript detector on the same files,
//! measured three ways in one run and printed as ratios:
//!
//! - forward only: the model on tensors prepared beforehand (the ceiling);
//! - dfbench end to end: decode + preprocess + forward + predictions, through the worker's
//!   scoring pipeline (decode thread one chunk ahead of the forward thread);
//! - the PyTorch anchor: the same model in a plain eval loop (DataLoader, PIL, torchvision
//!   transforms), run by the torch venv's python (scripts/setup-torch.sh).
//!
//! Targets are printed, not asserted: end to end / forward ≥ 0.95 (small CNN, batch 32,
//! 2 threads) and dfbench / PyTorch ≥ 1.2.
//!
//! A clip card (`input = "clip" | "thumbnail"`) is measured in clips per second the same three
//! ways: the files are frames in order, cut into consecutive clips of `clip_size`; the worker's
//! pipeline scores them as a shard's clips, and the PyTorch loop decodes each clip's frames with
//! PIL and stacks them (see clip_bench.rs).

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
// Without torch the command only explains itself, so most options are parsed but never read.
#[cfg_attr(not(feature = "torch"), allow(dead_code))]
pub struct DetectorArgs {
    /// Detector card (TOML) of a TorchScript detector.
    pub card: PathBuf,
    /// Folder of PNG/JPEG files to score (default: COUNT generated PNGs at the card's input size).
    #[arg(long)]
    pub images: Option<PathBuf>,
    /// Images (for a clip card: frames) generated when --images is not given.
    #[arg(long, default_value_t = 512)]
    pub count: usize,
    /// Batch size (default: the card's `batch_size`).
    #[arg(long)]
    pub batch_size: Option<u32>,
    /// CPU threads for libtorch, for decoding, and for the PyTorch anchor.
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
    /// DataLoader worker processes of the PyTorch anchor.
    #[arg(long, default_value_t = 2)]
    pub loader_workers: usize,
}

#[cfg(not(feature = "torch"))]
pub async fn execute(args: DetectorArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!(
        "this dfbench build has no torch support, so it cannot benchmark {}: rebuild with \
         `eval \"$(scripts/setup-torch.sh)\" && cargo build --release -p dfbench --features torch`",
        args.card.display()
    )
}

#[cfg(feature = "torch")]
pub async fn execute(args: DetectorArgs) -> anyhow::Result<ExitCode> {
    torch_bench::execute(args).await
}

#[cfg(feature = "torch")]
mod anchor;
#[cfg(feature = "torch")]
mod clip_bench;
#[cfg(feature = "torch")]
mod inputs;
#[cfg(feature = "torch")]
mod torch_bench;
