//! `dfbench cards check DIR|CARD`: loads a detector card as the coordinator does, prints what it
//! declares and its fingerprint, then scores one synthetic batch through the worker's own
//! runtime (TorchScript with `--features torch`, ONNX with `--features onnx`) — the first thing
//! to run after `dfbench import` or after writing a card by hand.

use crate::output::outln;
use anyhow::bail;
use dfbench_benchmarks::card::{ChannelOrder, ResizePolicy, ResolvedCard};
use dfbench_benchmarks::image_io::RgbImage;
use dfbench_proto::v1 as pb;
use dfbench_proto::v1::prediction::Outcome;
use dfbench_worker::scoring::{LoadedDetector, score_chunk};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, clap::Subcommand)]
pub enum CardsCommand {
    /// Load a card, print what it declares and its fingerprint, and score one synthetic batch.
    Check(CheckArgs),
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// A card file, or a folder holding `card.toml` (as `dfbench import --out` writes it).
    pub card: PathBuf,
    /// Device for the forward check: cpu or cuda:N.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Images in the synthetic batch (sizes differ, so resizing and cropping are exercised).
    #[arg(long, default_value_t = 4)]
    pub images: usize,
}

pub async fn execute(command: CardsCommand) -> anyhow::Result<ExitCode> {
    match command {
        CardsCommand::Check(args) => check(args),
    }
}

fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let path = if args.card.is_dir() {
        args.card.join("card.toml")
    } else {
        args.card.clone()
    };
    let resolved = ResolvedCard::load(&path)?;
    outln!("card        {}", path.display());
    describe_card(&resolved);
    if !resolved.card.input.is_image() {
        outln!("forward     skipped: the synthetic batch check covers image cards only");
        return Ok(ExitCode::SUCCESS);
    }
    forward_check(&resolved, &args.device, args.images.max(1))
}

/// Prints what a card declares, one field a line, and its fingerprint.
pub fn describe_card(resolved: &ResolvedCard) {
    let card = &resolved.card;
    let (mean, std) = card.mean_std();
    outln!("  model       {}", card.model.display());
    let resize = match card.resize {
        ResizePolicy::Resize => format!("resize to {0}x{0}", card.input_size),
        ResizePolicy::ShorterCrop => format!(
            "shorter side to {}, centre crop {1}x{1}",
            card.resize_shorter, card.input_size
        ),
        ResizePolicy::Crop => format!("centre crop {0}x{0}, no resize", card.input_size),
    };
    outln!(
        "  input       {resize}; interpolation {}",
        card.interpolation
    );
    outln!(
        "  normalise   {} mean {mean:?} std {std:?}; channel order {}",
        card.normalize.as_deref().unwrap_or("custom"),
        match card.channel_order {
            ChannelOrder::Rgb => "rgb",
            ChannelOrder::Bgr => "bgr",
        }
    );
    outln!(
        "  output      {}; batch size {}",
        dfbench_worker::batching::output_name(card.output),
        card.batch_size
    );
    if !card.input.is_image() {
        outln!(
            "  clip        input {:?}, clip_size {:?}, clip_stride {:?}, clips_per_video {:?}, layout {:?}, grid {:?}",
            card.input,
            card.clip_size,
            card.clip_stride,
            card.clips_per_video,
            card.layout,
            card.grid
        );
    }
    if let Some(source) = &card.source {
        outln!(
            "  source      family {}, checkpoint {} (sha256 {})",
            source.family,
            source.checkpoint,
            source.checkpoint_sha256
        );
        if let Some(encoder) = &source.encoder {
            outln!(
                "              encoder {} (sha256 {})",
                encoder,
                source.encoder_sha256.as_deref().unwrap_or("?")
            );
        }
    }
    outln!("  fingerprint {}", resolved.fingerprint);
}

fn forward_check(resolved: &ResolvedCard, device: &str, count: usize) -> anyhow::Result<ExitCode> {
    let is_onnx = resolved
        .card
        .model
        .extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("onnx"));
    let (kind, feature) = if is_onnx {
        ("onnx", "onnx")
    } else {
        ("torchscript", "torch")
    };
    let spec = pb::DetectorSpec {
        name: "card".to_string(),
        kind: kind.to_string(),
        builtin: String::new(),
        card_toml: resolved.to_toml(),
        fingerprint: resolved.fingerprint.clone(),
    };
    let loaded = dfbench_worker::runtime::load_detector(&spec, device);
    if let LoadedDetector::Unavailable { kind, reason, .. } = &loaded {
        if *kind == dfbench_benchmarks::FailureKind::DetectorUnavailable {
            outln!(
                "forward     not run: this dfbench build cannot run {} models; the forward check \
                 needs a build with `--features {feature}` ({reason})",
                spec.kind
            );
            return Ok(ExitCode::SUCCESS);
        }
        bail!("the model does not load: {kind}: {reason}");
    }
    let dir = tempfile::tempdir()?;
    let samples = synthetic_images(dir.path(), count)?;
    let size = resolved.card.input_size;
    outln!(
        "forward     {count} synthetic images of several sizes → input [{count}, 3, {size}, {size}] \
         float32 (batches of up to {}) on {device}",
        resolved.card.batch_size
    );
    let predictions = score_chunk(dir.path(), &samples, &[loaded]);
    let mut scores = Vec::new();
    for prediction in &predictions {
        match &prediction.outcome {
            Some(Outcome::Score(score)) => scores.push(*score),
            Some(Outcome::Failure(failure)) => {
                bail!(
                    "the model failed on synthetic image {}: {}: {}",
                    prediction.sample_id,
                    failure.kind,
                    failure.message
                )
            }
            None => bail!("synthetic image {} got no outcome", prediction.sample_id),
        }
    }
    outln!(
        "  output      accepted as {} (shape {}) → P(fake) {scores:.4?}",
        dfbench_worker::batching::output_name(resolved.card.output),
        dfbench_worker::batching::expected_shape(resolved.card.output).0
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes `count` textured PNGs of different sizes; returns them as samples.
fn synthetic_images(dir: &Path, count: usize) -> anyhow::Result<Vec<pb::SampleRef>> {
    let mut samples = Vec::with_capacity(count);
    for index in 0..count {
        let step = index as u32;
        let (width, height) = (160 + 37 * step, 120 + 53 * step);
        let mut pixels = Vec::with_capacity((width * height * 3) as usize);
        for y in 0..height {
            for x in 0..width {
                pixels.push(((x * 7 + y * 3 + step * 50) % 256) as u8);
                pixels.push(((x ^ y) % 256) as u8);
                pixels.push(((x * y / 7 + step * 90) % 256) as u8);
            }
        }
        let image = RgbImage::from_raw(width, height, pixels)
            .ok_or_else(|| anyhow::anyhow!("synthetic image {index} has the wrong pixel count"))?;
        let name = format!("synthetic-{index}.png");
        image.save(dir.join(&name))?;
        samples.push(pb::SampleRef {
            sample_id: index as i64 + 1,
            path: name,
            clip_only: false,
        });
    }
    Ok(samples)
}
