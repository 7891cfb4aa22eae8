//! The Python anchor of `dfbench bench detector`: anchor.py (embedded in the binary) run with
//! the card's preprocessing, by the torch venv's python for a TorchScript card (DataLoader, PIL,
//! torchvision transforms) or by the ONNX venv's python for an ONNX card (a plain loop: PIL,
//! numpy, `InferenceSession.run`).

use super::DetectorArgs;
use super::image_bench::median;
use super::subject::Runtime;
use crate::output::outln;
use anyhow::Context;
use dfbench_benchmarks::card::{ChannelOrder, DetectorCard, OutputKind, ResizePolicy};
use std::path::{Path, PathBuf};

const ANCHOR: &str = include_str!("anchor.py");

/// The anchor's median rates: end to end (images, or clips, per second) and, where the anchor
/// measures it (ONNX), its forward-only rate on arrays prepared beforehand.
pub struct Anchor {
    pub end_to_end: f64,
    pub forward: Option<f64>,
}

/// Runs the anchor of `runtime` over `files` (for a clip card: the frames in order, cut into
/// consecutive clips); `None`, after printing why, when it is skipped (no python given, or an
/// ONNX clip card, which the Python loop does not stack).
pub fn python_anchor(
    runtime: Runtime,
    args: &DetectorArgs,
    card: &DetectorCard,
    files: &[PathBuf],
    scratch: &Path,
) -> anyhow::Result<Option<Anchor>> {
    let clip = !card.input.is_image();
    let (python, label, variable) = match runtime {
        Runtime::TorchScript if clip => (&args.python, "pytorch clip loop", "DFBENCH_TORCH_PYTHON"),
        Runtime::TorchScript => (&args.python, "pytorch eval loop", "DFBENCH_TORCH_PYTHON"),
        Runtime::Onnx => (
            &args.onnx_python,
            "onnxruntime-python loop",
            "DFBENCH_ONNX_PYTHON",
        ),
    };
    let python = python.as_ref().filter(|path| path.as_os_str() != "none");
    let Some(python) = python else {
        let flag = if runtime == Runtime::Onnx {
            "--onnx-python"
        } else {
            "--python"
        };
        outln!("  {label:<23} skipped (no {flag} / {variable})");
        return Ok(None);
    };
    if clip && runtime == Runtime::Onnx {
        outln!("  {label:<23} skipped (the Python loop stacks clips for TorchScript cards only)");
        return Ok(None);
    }
    let script = scratch.join("detector_anchor.py");
    let listing = scratch.join("files.txt");
    std::fs::write(&script, ANCHOR)?;
    let lines: Vec<String> = files
        .iter()
        .map(|path| path.display().to_string())
        .collect();
    std::fs::write(&listing, lines.join("\n"))?;
    let (mean, std) = card.mean_std();
    let joined = |values: [f32; 3]| values.map(|v| v.to_string()).join(",");
    let resize = match card.resize {
        ResizePolicy::Resize => "resize",
        ResizePolicy::ShorterCrop => "shorter-crop",
        ResizePolicy::Crop => "crop",
    };
    let order = if card.channel_order == ChannelOrder::Bgr {
        "bgr"
    } else {
        "rgb"
    };
    let output = match card.output {
        OutputKind::Logit => "logit",
        OutputKind::Probability => "probability",
        OutputKind::TwoClass => "two-class",
    };
    let clip_args = match card.clip_spec() {
        Ok(Some(spec)) => {
            let input = match (spec.layout, spec.grid) {
                (_, Some(grid)) => format!("thumbnail:{grid}"),
                (Some(layout), None) => format!("{layout:?}").to_lowercase(),
                (None, None) => "btchw".to_string(),
            };
            vec![
                "--clip-size".to_string(),
                spec.clip_size.to_string(),
                "--clip-input".to_string(),
                input,
            ]
        }
        _ => Vec::new(),
    };
    let result = std::process::Command::new(python)
        .arg(&script)
        .args(["--runtime", runtime.kind()])
        .args([
            "--model",
            &card.model.display().to_string(),
            "--files",
            &listing.display().to_string(),
        ])
        .args([
            "--input-size",
            &card.input_size.to_string(),
            "--resize",
            resize,
        ])
        .args(["--resize-shorter", &card.resize_shorter.to_string()])
        .args([
            "--mean",
            &joined(mean),
            "--std",
            &joined(std),
            "--channel-order",
            order,
            "--output",
            output,
        ])
        .args([
            "--batch-size",
            &card.batch_size.to_string(),
            "--threads",
            &args.threads.to_string(),
        ])
        .args([
            "--loader-workers",
            &args.loader_workers.to_string(),
            "--rounds",
            &args.rounds.max(1).to_string(),
        ])
        .args(&clip_args)
        .output()
        .with_context(|| {
            format!(
                "cannot run {}; point it ({variable}) at the {} venv's python",
                python.display(),
                runtime.kind()
            )
        })?;
    let stdout = String::from_utf8_lossy(&result.stdout);
    anyhow::ensure!(
        result.status.success(),
        "the {label} anchor failed ({}): {}",
        python.display(),
        String::from_utf8_lossy(&result.stderr).trim()
    );
    let rates = |prefix: &str| {
        stdout
            .lines()
            .find_map(|line| line.strip_prefix(prefix))
            .map(|rest| {
                rest.split_whitespace()
                    .filter_map(|value| value.parse().ok())
                    .collect::<Vec<f64>>()
            })
            .filter(|rates| !rates.is_empty())
            .map(median)
    };
    let end_to_end = rates("img_per_s ")
        .with_context(|| format!("the {label} anchor printed no rates: {stdout}"))?;
    Ok(Some(Anchor {
        end_to_end,
        forward: rates("forward_img_per_s "),
    }))
}
