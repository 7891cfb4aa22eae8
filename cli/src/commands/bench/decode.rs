//! `dfbench bench decode`: images per second per core from file bytes to a card's normalised
//! tensor, against two baselines measured in the same run, printed as ratios:
//!
//! - **decode only** (the yardstick): the `image` crate's PNG/JPEG decode to RGB, nothing else;
//! - **python**: the loaders' own path (decode.py, run by the torch venv's python): PIL +
//!   torchvision `Resize`/`CenterCrop`/`ToTensor`/`Normalize` (CNNSpot, UnivFD), or cv2 decode +
//!   resize + torchvision `ToTensor`/`Normalize` (DeepfakeBench's face crops).
//!
//! dfbench's figure is the worker's path: `decode_rgb_bytes` (header checks, decode) and the
//! card's preprocessing (`Preprocessing::prepare`). Cases: PNG and JPEG (quality 90, 4:2:0) at
//! 256² and 1024², each brought to 224 by `Resize(256)` + `CenterCrop(224)` (bilinear,
//! Pillow's semantics, ImageNet normalisation), and DeepfakeBench's 256² PNG face crops to
//! 256 (OpenCV cubic, 0.5/0.5). Images: the demo images resized to the side with a fixed grain
//! added (so PNG is not unrealistically compressible), bytes held in memory. Each case runs on
//! one thread and on `--threads` (a rayon pool; Python: a pool of single-threaded processes);
//! "per core" divides by the thread count. dfbench's two figures are interleaved round by round
//! and each is the median over ROUNDS; Python runs after, on the same files.
//!
//! Targets, printed not asserted: dfbench ≥ 3 × Python per core, and dfbench ≥ 0.85 × decode only.

use super::perturb::{demo_images, median};
use crate::output::outln;
use anyhow::Context;
use dfbench_benchmarks::card::DetectorCard;
use dfbench_benchmarks::image_io::{RgbImage, decode_rgb_bytes};
use dfbench_worker::preprocess::Preprocessing;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const ANCHOR: &str = include_str!("decode.py");

/// The CNNSpot/UnivFD card: shorter side to 256, centre crop 224, Pillow bilinear, ImageNet.
const TORCHVISION_CARD: &str = "model = \"unused.pt\"\ninput_size = 224\nresize = \"shorter-crop\"\n\
     resize_shorter = 256\ninterpolation = \"pil:bilinear\"\nnormalize = \"imagenet\"\noutput = \"logit\"\n";
/// DeepfakeBench's card: resize to 256 with OpenCV cubic, 0.5/0.5.
const DFB_CARD: &str = "model = \"unused.pt\"\ninput_size = 256\nresize = \"resize\"\n\
     interpolation = \"opencv:cubic\"\nnormalize = \"half\"\noutput = \"logit\"\n";

/// One row: (name, format, side, the Python pipeline, its card).
const CASES: &[(&str, image::ImageFormat, u32, &str, &str)] = &[
    (
        "png 256->224",
        image::ImageFormat::Png,
        256,
        "torchvision",
        TORCHVISION_CARD,
    ),
    (
        "jpeg 256->224",
        image::ImageFormat::Jpeg,
        256,
        "torchvision",
        TORCHVISION_CARD,
    ),
    (
        "png 1024->224",
        image::ImageFormat::Png,
        1024,
        "torchvision",
        TORCHVISION_CARD,
    ),
    (
        "jpeg 1024->224",
        image::ImageFormat::Jpeg,
        1024,
        "torchvision",
        TORCHVISION_CARD,
    ),
    (
        "dfb png 256->256",
        image::ImageFormat::Png,
        256,
        "dfb",
        DFB_CARD,
    ),
];

#[derive(Debug, clap::Args)]
pub struct DecodeBenchArgs {
    /// Images per case.
    #[arg(long, default_value_t = 48)]
    pub count: usize,
    /// Timed rounds per measurement (after one warm-up round); the median is printed.
    #[arg(long, default_value_t = 5)]
    pub rounds: usize,
    /// Threads of the "all threads" figures (default: every core of this machine).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Python of the torch venv (torch, torchvision, Pillow, OpenCV) for the Python column;
    /// `none` skips it.
    #[arg(long, env = "DFBENCH_TORCH_PYTHON")]
    pub python: Option<PathBuf>,
}

/// One case's files: their bytes, and where they lie for the Python anchor.
struct Case {
    name: &'static str,
    bytes: Vec<Vec<u8>>,
    listing: PathBuf,
    preprocessing: Preprocessing,
}

pub async fn execute(args: DecodeBenchArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.count > 0 && args.rounds > 0,
        "--count and --rounds must be positive"
    );
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    anyhow::ensure!(threads > 0, "--threads must be positive");
    let scratch = tempfile::tempdir().context("cannot create a scratch folder")?;
    let cases = write_cases(scratch.path(), args.count)?;
    outln!(
        "{} images per case, in memory; median of {} rounds; images/s per core (1 thread | {threads} threads)",
        args.count,
        args.rounds
    );
    let python = match args.python.as_ref().filter(|p| p.as_os_str() != "none") {
        Some(python) => Some(python_rates(
            python,
            &cases,
            threads,
            args.rounds,
            scratch.path(),
        )?),
        None => {
            outln!("python column skipped (no --python / DFBENCH_TORCH_PYTHON)");
            None
        }
    };
    outln!(
        "{:<17} {:>7} {:>10} {:>10} {:>10}  {:>9} {:>11}",
        "case",
        "threads",
        "decode",
        "dfbench",
        "python",
        "÷decode",
        "÷python"
    );
    let mut missed = Vec::new();
    for case in &cases {
        for count in unique([1, threads]) {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(count).build()?;
            let mut decode_only = Vec::new();
            let mut full = Vec::new();
            for round in 0..=args.rounds {
                let decode = rate(&pool, &case.bytes, decode_only_image)?;
                let prepared = rate(&pool, &case.bytes, |bytes| prepare(bytes, case))?;
                if round > 0 {
                    decode_only.push(decode / count as f64);
                    full.push(prepared / count as f64);
                }
            }
            let (decode, dfbench) = (median(decode_only), median(full));
            let anchor = python
                .as_ref()
                .and_then(|rates| rates.get(&(case.name.to_string(), count)))
                .map(|rate| rate / count as f64);
            let of_decode = dfbench / decode;
            if of_decode < 0.85 {
                missed.push(format!(
                    "{} ({count}t) ÷decode {of_decode:.2} < 0.85",
                    case.name
                ));
            }
            let (python_cell, ratio_cell) = match anchor {
                Some(anchor) => {
                    let ratio = dfbench / anchor;
                    if ratio < 3.0 {
                        missed.push(format!("{} ({count}t) ÷python {ratio:.2} < 3", case.name));
                    }
                    (format!("{anchor:.1}"), format!("{ratio:.2}"))
                }
                None => ("-".to_string(), "-".to_string()),
            };
            outln!(
                "{:<17} {count:>7} {decode:>10.1} {dfbench:>10.1} {python_cell:>10}  {of_decode:>9.2} {ratio_cell:>11}",
                case.name
            );
        }
    }
    outln!("targets: dfbench ÷ python ≥ 3 per core; dfbench ÷ decode ≥ 0.85");
    match missed.is_empty() {
        true => outln!("every target met"),
        false => outln!("missed: {}", missed.join("; ")),
    }
    Ok(ExitCode::SUCCESS)
}

fn unique(counts: [usize; 2]) -> Vec<usize> {
    let mut counts = counts.to_vec();
    counts.dedup();
    counts
}

/// The yardstick: the `image` crate's decode to RGB alone.
fn decode_only_image(bytes: &[u8]) -> anyhow::Result<()> {
    std::hint::black_box(image::load_from_memory(bytes)?.into_rgb8());
    Ok(())
}

/// The worker's path: dfbench's decode, then the card's preprocessing into its tensor.
fn prepare(bytes: &[u8], case: &Case) -> anyhow::Result<()> {
    let image = decode_rgb_bytes(bytes, Path::new(case.name))?;
    std::hint::black_box(case.preprocessing.prepare(&image));
    Ok(())
}

/// Images per second of `work` over every file, on `pool`.
fn rate(
    pool: &rayon::ThreadPool,
    files: &[Vec<u8>],
    work: impl Fn(&[u8]) -> anyhow::Result<()> + Sync,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    pool.install(|| files.par_iter().try_for_each(|bytes| work(bytes)))?;
    Ok(files.len() as f64 / started.elapsed().as_secs_f64())
}

/// Encodes every case's images into memory and onto disk (for the Python anchor).
fn write_cases(scratch: &Path, count: usize) -> anyhow::Result<Vec<Case>> {
    let mut sources: std::collections::BTreeMap<u32, Vec<RgbImage>> = Default::default();
    for (_, _, side, _, _) in CASES {
        if !sources.contains_key(side) {
            let images = demo_images(&scratch.join(format!("demo{side}")), count, *side)?;
            sources.insert(*side, images.into_iter().map(with_grain).collect());
        }
    }
    let mut cases = Vec::new();
    for (index, (name, format, side, _, card)) in CASES.iter().enumerate() {
        let images = sources.get(side).map_or(&[][..], Vec::as_slice);
        let folder = scratch.join(format!("case{index}"));
        std::fs::create_dir_all(&folder)?;
        let extension = format.extensions_str()[0];
        let mut bytes = Vec::new();
        let mut paths = Vec::new();
        for (number, image) in images.iter().enumerate() {
            let encoded = encode(image, *format)?;
            let path = folder.join(format!("{number:03}.{extension}"));
            std::fs::write(&path, &encoded)
                .with_context(|| format!("cannot write {}", path.display()))?;
            paths.push(path.display().to_string());
            bytes.push(encoded);
        }
        let listing = folder.join("files.txt");
        std::fs::write(&listing, paths.join("\n"))?;
        let card = DetectorCard::parse(card, name)?;
        cases.push(Case {
            name,
            bytes,
            listing,
            preprocessing: Preprocessing::from_card(&card),
        });
    }
    Ok(cases)
}

/// A fixed grain of ±6 grey levels, as sensor noise keeps a photo's PNG from compressing to
/// nothing (the demo images, scaled up, are smooth).
fn with_grain(mut image: RgbImage) -> RgbImage {
    for (index, value) in image.iter_mut().enumerate() {
        let hash = (index as u32).wrapping_mul(2_654_435_761) >> 28;
        *value = value.saturating_add(hash as u8).saturating_sub(6);
    }
    image
}

fn encode(image: &RgbImage, format: image::ImageFormat) -> anyhow::Result<Vec<u8>> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    match format {
        image::ImageFormat::Jpeg => {
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90)
                .encode_image(image)?
        }
        _ => image.write_to(&mut bytes, format)?,
    }
    Ok(bytes.into_inner())
}

/// Runs decode.py over every case; rates in images/s by (case, threads).
fn python_rates(
    python: &Path,
    cases: &[Case],
    threads: usize,
    rounds: usize,
    scratch: &Path,
) -> anyhow::Result<std::collections::HashMap<(String, usize), f64>> {
    let script = scratch.join("decode_anchor.py");
    std::fs::write(&script, ANCHOR)?;
    let mut command = std::process::Command::new(python);
    command.arg(&script).args([
        "--threads",
        &threads.to_string(),
        "--rounds",
        &rounds.to_string(),
    ]);
    for (case, (_, _, _, kind, _)) in cases.iter().zip(CASES) {
        let prep = &case.preprocessing;
        command.arg("--case").arg(format!(
            "{}:{kind}:{}:{}:{}",
            case.name,
            prep.input_size,
            prep.resize_shorter,
            case.listing.display()
        ));
    }
    let output = command
        .output()
        .with_context(|| format!("cannot run {}", python.display()))?;
    anyhow::ensure!(
        output.status.success(),
        "the Python anchor ({}) failed: {}; give the torch venv's python (scripts/setup-torch.sh) \
         with --python, or --python none",
        python.display(),
        String::from_utf8_lossy(&output.stderr).trim()
    );
    let mut rates = std::collections::HashMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        // Case names hold one space: "png 256->224" or "dfb png 256->256".
        let fields: Vec<&str> = line.split_whitespace().collect();
        let Some(position) = fields.iter().position(|f| f.parse::<usize>().is_ok()) else {
            continue;
        };
        let name = fields[..position].join(" ");
        let count: usize = fields[position].parse()?;
        let values = fields[position + 1..]
            .iter()
            .map(|v| v.parse::<f64>())
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("unreadable anchor line `{line}`"))?;
        rates.insert((name, count), median(values));
    }
    Ok(rates)
}
