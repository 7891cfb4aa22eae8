//! `dfbench bench perturb`: what each perturbation adds to a worker's CPU work per image, as a
//! ratio against decoding the PNG and preparing it for a detector, measured in the same run.
//!
//! Images: the first COUNT demo images (`dfbench synth`), resized to SIDE×SIDE and stored as
//! PNG in memory. Baseline per image: PNG decode + the TorchScript runtime's preprocessing of a
//! default card (bilinear resize to 224×224, ImageNet normalisation into a CHW tensor). Each
//! perturbation is timed on the decoded images (copies made outside the timed region, as a
//! worker hands over the image it just decoded). Everything runs on one thread. Every round
//! times the baseline and each perturbation back to back, so load from other processes hits
//! all of them alike; each figure is the median over ROUNDS rounds. Target, printed not
//! asserted: JPEG, blur and noise ≤ 0.25 × baseline.

use crate::output::outln;
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
    ("noise:sigma=5", Some(0.25)),
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
    /// Timed rounds; the median of each measurement is printed.
    #[arg(long, default_value_t = 7)]
    pub rounds: usize,
    /// Measure only these perturbation ids (default: JPEG q 75, blur σ 2, rescale 0.5, noise σ 5).
    #[arg(long = "only", value_name = "ID")]
    pub only: Vec<String>,
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
    outln!(
        "{} images of {side}x{side} px, one thread, median of {} interleaved rounds",
        pngs.len(),
        args.rounds,
        side = args.side
    );
    let measured: Vec<(String, Option<f64>)> = match args.only.is_empty() {
        true => MEASURED
            .iter()
            .map(|(id, target)| (id.to_string(), *target))
            .collect(),
        false => args
            .only
            .iter()
            .map(|id| {
                let target = MEASURED.iter().find(|(known, _)| known == id);
                (id.clone(), target.and_then(|(_, target)| *target))
            })
            .collect(),
    };
    let perturbations = measured
        .iter()
        .map(|(id, _)| parse(id))
        .collect::<Result<Vec<_>, _>>()?;
    // rounds[r][0] is the baseline, rounds[r][1 + i] perturbation i, in µs per image.
    let mut rounds = Vec::with_capacity(args.rounds);
    for round in 0..=args.rounds {
        let mut times = vec![per_image(pngs.len(), || baseline(&pngs))?];
        for perturbation in &perturbations {
            let mut copies = decoded.clone();
            times.push(per_image(decoded.len(), || {
                perturb_all(perturbation, &mut copies)
            })?);
        }
        // Round 0 warms caches and allocator up and is not counted.
        if round > 0 {
            rounds.push(times);
        }
    }
    let median_of = |column: usize| median(rounds.iter().map(|times| times[column]).collect());
    let baseline = median_of(0);
    outln!(
        "{:<24} {:>9.1} µs/image  (baseline)",
        "decode PNG + preprocess",
        baseline
    );
    let mut missed = Vec::new();
    for (index, (id, target)) in measured.iter().enumerate() {
        let cost = median_of(index + 1);
        let ratio = cost / baseline;
        let verdict = match target {
            Some(target) if ratio <= *target => format!("target ≤ {target}: met"),
            Some(target) => {
                missed.push(id.as_str());
                format!("target ≤ {target}: MISSED")
            }
            None => String::new(),
        };
        outln!("{id:<24} {cost:>9.1} µs/image  ratio {ratio:.3}  {verdict}");
    }
    if !missed.is_empty() {
        outln!("over target: {}", missed.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}

/// What a worker does to every image without perturbation: decode, then a default card's
/// preprocessing.
fn baseline(pngs: &[Vec<u8>]) -> anyhow::Result<()> {
    for bytes in pngs {
        let image = decode_rgb_bytes(bytes, Path::new("bench image"))?;
        let tensor = normalize_chw(
            &resize(&image, MODEL_SIDE, MODEL_SIDE),
            IMAGENET_MEAN,
            IMAGENET_STD,
        );
        std::hint::black_box(tensor);
    }
    Ok(())
}

/// Applies `perturbation` to every image, consuming them (`images` is left empty).
fn perturb_all(perturbation: &Perturbation, images: &mut Vec<RgbImage>) -> anyhow::Result<()> {
    for (index, image) in images.drain(..).enumerate() {
        let out = perturbation.apply(image, &format!("bench/{index}.png"))?;
        std::hint::black_box(out);
    }
    Ok(())
}

/// Microseconds per image of one run of `work` over `count` images.
fn per_image(count: usize, work: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<f64> {
    let started = Instant::now();
    work()?;
    Ok(started.elapsed().as_secs_f64() * 1e6 / count as f64)
}

pub(super) fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// The first `count` demo images, resized to `side`×`side`, as PNG files' bytes.
fn demo_pngs(scratch: &Path, count: usize, side: u32) -> anyhow::Result<Vec<Vec<u8>>> {
    let resized = scratch.join("resized.png");
    demo_images(scratch, count, side)?
        .iter()
        .map(|image| {
            image
                .save(&resized)
                .with_context(|| format!("cannot write {}", resized.display()))?;
            std::fs::read(&resized).with_context(|| format!("cannot read {}", resized.display()))
        })
        .collect()
}

/// The first `count` demo images (`dfbench synth`, written under `scratch`; fewer when the
/// demo has fewer), each resized to `side`×`side`.
pub(super) fn demo_images(
    scratch: &Path,
    count: usize,
    side: u32,
) -> anyhow::Result<Vec<RgbImage>> {
    let summary = dfbench_benchmarks::synth::write_demo_dataset(scratch)?;
    let demo = dfbench_benchmarks::adapter::cnnspot::enumerate("demo", &summary.root)?;
    demo.samples
        .iter()
        .take(count)
        .map(|sample| {
            Ok(resize(
                &decode_rgb(&demo.root.join(&sample.rel_path))?,
                side,
                side,
            ))
        })
        .collect()
}
