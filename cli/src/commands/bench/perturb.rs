//! `dfbench bench perturb`: what each perturbation adds to a worker's CPU work per image, as a
//! ratio against decoding the PNG and preparing it for a detector, measured in the same run.
//!
//! Images: the first COUNT demo images (`dfbench synth`), resized to SIDE×SIDE and stored as
//! PNG in memory. Baseline per image: PNG decode + the TorchScript runtime's preprocessing of a
//! default card (bilinear resize to 224×224, ImageNet normalisation into a CHW tensor). Each
//! perturbation is timed on the decoded images. Everything runs on one thread; each figure is
//! the best of ROUNDS rounds. Target, printed not asserted: JPEG and blur ≤ 0.25 × baseline.

use anyhow::Context;
use dfbench_benchmarks::card::{IMAGENET_MEAN, IMAGENET_STD};
use dfbench_benchmarks::image_io::{RgbImage, decode_rgb, decode_rgb_bytes, normalize_chw, resize};
use dfbench_benchmarks::perturb::{Perturbation, parse};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

/// The perturbations measured, with their target ratio when they have one.
const MEASURED: &[(&str, Option<f64>)] = &[
    ("jpeg:q=75", Some(0.25)),
    ("blur:sigma=2", Some(0.25)),
    ("rescale:0.5", None),
    ("noise:sigma=5", None),
];

/// Input side of the default detector card.
const MODEL_SIDE: u32 = 224;

#[derive(Debug, clap::Args)]
pub struct PerturbBenchArgs {
    /// Images measured (at most the 240 demo images).
    #[arg(long, default_value_t = 128)]
    pub count: usize,
    /// Side of the square images, in pixels.
    #[arg(long, default_value_t = 256)]
    pub side: u32,
    /// Timed rounds per measurement; the best is printed.
    #[arg(long, default_value_t = 5)]
    pub rounds: usize,
}

pub async fn execute(args: PerturbBenchArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.count > 0 && args.rounds > 0,
        "--count and --rounds must be positive"
    );
    let scratch =
        std::env::temp_dir().join(format!("dfbench-bench-perturb-{}", std::process::id()));
    let pngs = demo_pngs(&scratch, args.count, args.side);
    let _ = std::fs::remove_dir_all(&scratch);
    let pngs = pngs?;
    let decoded: Vec<RgbImage> = pngs
        .iter()
        .map(|bytes| decode_rgb_bytes(bytes, Path::new("bench image")))
        .collect::<Result<_, _>>()?;
    println!(
        "{} images of {side}x{side} px, one thread, best of {} rounds",
        pngs.len(),
        args.rounds,
        side = args.side
    );
    let baseline = best_per_image(args.rounds, pngs.len(), || {
        for bytes in &pngs {
            let image = decode_rgb_bytes(bytes, Path::new("bench image"))?;
            let tensor = normalize_chw(
                &resize(&image, MODEL_SIDE, MODEL_SIDE),
                IMAGENET_MEAN,
                IMAGENET_STD,
            );
            std::hint::black_box(tensor);
        }
        Ok(())
    })?;
    println!(
        "{:<24} {:>9.1} µs/image  (baseline)",
        "decode PNG + preprocess", baseline
    );
    let mut missed = Vec::new();
    for (id, target) in MEASURED {
        let perturbation = parse(id)?;
        let cost = best_per_image(args.rounds, decoded.len(), || {
            perturb_all(&perturbation, &decoded)
        })?;
        let ratio = cost / baseline;
        let verdict = match target {
            Some(target) if ratio <= *target => format!("target ≤ {target}: met"),
            Some(target) => {
                missed.push(*id);
                format!("target ≤ {target}: MISSED")
            }
            None => String::new(),
        };
        println!("{id:<24} {cost:>9.1} µs/image  ratio {ratio:.3}  {verdict}");
    }
    if !missed.is_empty() {
        println!("over target: {}", missed.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}

fn perturb_all(perturbation: &Perturbation, images: &[RgbImage]) -> anyhow::Result<()> {
    for (index, image) in images.iter().enumerate() {
        let out = perturbation.apply(image.clone(), &format!("bench/{index}.png"))?;
        std::hint::black_box(out);
    }
    Ok(())
}

/// Microseconds per image of the fastest of `rounds` runs of `work` over `count` images.
fn best_per_image(
    rounds: usize,
    count: usize,
    mut work: impl FnMut() -> anyhow::Result<()>,
) -> anyhow::Result<f64> {
    work()?; // warm-up
    let mut best = f64::INFINITY;
    for _ in 0..rounds {
        let started = Instant::now();
        work()?;
        best = best.min(started.elapsed().as_secs_f64());
    }
    Ok(best * 1e6 / count as f64)
}

/// The first `count` demo images, resized to `side`×`side`, as PNG files' bytes.
fn demo_pngs(scratch: &Path, count: usize, side: u32) -> anyhow::Result<Vec<Vec<u8>>> {
    let summary = dfbench_benchmarks::synth::write_demo_dataset(scratch)?;
    let demo = dfbench_benchmarks::adapter::cnnspot::enumerate("demo", &summary.root)?;
    let resized = scratch.join("resized.png");
    demo.samples
        .iter()
        .take(count)
        .map(|sample| {
            resize(&decode_rgb(&demo.root.join(&sample.rel_path))?, side, side)
                .save(&resized)
                .with_context(|| format!("cannot write {}", resized.display()))?;
            std::fs::read(&resized).with_context(|| format!("cannot read {}", resized.display()))
        })
        .collect()
}
