//! The PyTorch anchor of `dfbench bench detector`: anchor.py (embedded in the binary) run by the
//! torch venv's python with the card's preprocessing as torchvision transforms.

use super::DetectorArgs;
use super::torch_bench::median;
use anyhow::Context;
use dfbench_benchmarks::card::{ChannelOrder, DetectorCard, OutputKind, ResizePolicy};
use std::path::{Path, PathBuf};

const ANCHOR: &str = include_str!("anchor.py");

/// Median images per second of the plain PyTorch eval loop over `files` (for a clip card:
/// clips per second, `files` being the frames in order, cut into consecutive clips).
pub fn pytorch_anchor(
    python: &Path,
    args: &DetectorArgs,
    card: &DetectorCard,
    files: &[PathBuf],
    scratch: &Path,
) -> anyhow::Result<f64> {
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
                "cannot run {}; point --python at the torch venv's python",
                python.display()
            )
        })?;
    let stdout = String::from_utf8_lossy(&result.stdout);
    anyhow::ensure!(
        result.status.success(),
        "the PyTorch anchor failed ({}): {}",
        python.display(),
        String::from_utf8_lossy(&result.stderr).trim()
    );
    let rates = stdout
        .lines()
        .find_map(|line| line.strip_prefix("img_per_s "))
        .map(|rest| {
            rest.split_whitespace()
                .filter_map(|value| value.parse().ok())
                .collect::<Vec<f64>>()
        })
        .filter(|rates| !rates.is_empty())
        .with_context(|| format!("the PyTorch anchor printed no rates: {stdout}"))?;
    Ok(median(rates))
}
