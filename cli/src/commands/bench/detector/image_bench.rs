//! The measurements of `dfbench bench detector` on an image card (torch or onnx builds):
//! forward-only and end-to-end throughput in this process for the card (and the
//! `--compare-card`, interleaved round by round), and the runtime's Python anchor as a child
//! process.

use super::DetectorArgs;
use super::anchor::{Anchor, python_anchor};
use super::inputs::{Scratch, list_images, write_images};
use super::subject::{Runtime, Subject};
use crate::output::outln;
use dfbench_benchmarks::card::ResolvedCard;
use dfbench_benchmarks::image_io::{RgbImage, decode_rgb};
use dfbench_proto::v1::{self as pb, prediction::Outcome};
use dfbench_worker::scoring::{LoadedDetector, ShardScoring};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

pub async fn execute(args: DetectorArgs) -> anyhow::Result<ExitCode> {
    let resolved = load_card(&args.card, args.batch_size)?;
    set_threads(args.threads);
    if !resolved.card.input.is_image() {
        return super::clip_bench::execute(args, resolved).await;
    }
    let card = resolved.card.clone();
    let generated = Scratch::new()?;
    let (root, files, source) = match &args.images {
        Some(folder) => (
            folder.clone(),
            list_images(folder)?,
            format!("files in {}", folder.display()),
        ),
        None => {
            let files = write_images(generated.0.as_path(), args.count, card.input_size)?;
            let side = card.input_size;
            (
                generated.0.as_path().to_path_buf(),
                files,
                format!("generated {side}x{side} PNGs"),
            )
        }
    };
    anyhow::ensure!(
        !files.is_empty(),
        "no PNG or JPEG files in {}",
        root.display()
    );
    let subject = Subject::load(&args.card, &resolved, &args.device)?;
    let compare = match &args.compare_card {
        Some(path) => {
            let other = load_card(path, args.batch_size)?;
            anyhow::ensure!(
                other.card.input.is_image(),
                "--compare-card {} reads clips; compare an image card with an image card",
                path.display()
            );
            let loaded = Subject::load(path, &other, &args.device)?;
            Some((path.clone(), other.card.batch_size, loaded))
        }
        None => None,
    };
    outln!(
        "dfbench bench detector {}: {} images ({source}), batch {}, {} threads, device {}, {}",
        args.card.display(),
        files.len(),
        card.batch_size,
        args.threads,
        args.device,
        subject.runtime.describe()
    );

    // Decoded once, outside every timing; each subject prepares its own batches from them.
    let images: Vec<RgbImage> = files
        .iter()
        .map(|file| decode_rgb(&root.join(file)))
        .collect::<Result<_, _>>()?;
    let samples: Vec<pb::SampleRef> = files
        .iter()
        .enumerate()
        .map(|(index, path)| pb::SampleRef {
            sample_id: index as i64,
            path: path.clone(),
            clip_only: false,
        })
        .collect();
    let mut measured = vec![Measured::new(&subject, &images, card.batch_size)];
    if let Some((_, batch_size, other)) = &compare {
        measured.push(Measured::new(other, &images, *batch_size));
    }
    // One warm-up round, then the measurements interleaved (the VM's speed drifts).
    for round in 0..=args.rounds.max(1) {
        for one in &mut measured {
            let forward = one.forward_only()?;
            let end_to_end = end_to_end(&root, &samples, one.subject, one.batch).await?;
            if round > 0 {
                one.forward_rates.push(forward);
                one.end_to_end_rates.push(end_to_end);
            }
        }
    }
    let (forward, end_to_end) = measured[0].medians();
    outln!("  forward only            {forward:>9.1} img/s");
    outln!("  dfbench end to end      {end_to_end:>9.1} img/s");
    outln!(
        "  end to end / forward    {:>9.3}   (target >= 0.95)",
        end_to_end / forward
    );
    if let (Some((path, batch_size, other)), Some(rates)) = (&compare, measured.get(1)) {
        print_comparison(
            &subject,
            (forward, end_to_end),
            path,
            *batch_size,
            other,
            rates,
        );
    }

    let paths: Vec<PathBuf> = files.iter().map(|file| root.join(file)).collect();
    let Some(anchor) = python_anchor(subject.runtime, &args, &card, &paths, &generated.0)? else {
        return Ok(ExitCode::SUCCESS);
    };
    print_anchor(subject.runtime, &args, &anchor, forward, end_to_end);
    Ok(ExitCode::SUCCESS)
}

/// The card at `path`, its batch size replaced by `--batch-size` when given.
fn load_card(path: &Path, batch_size: Option<u32>) -> anyhow::Result<ResolvedCard> {
    let mut resolved = ResolvedCard::load(path)?;
    if let Some(batch_size) = batch_size {
        resolved.card.batch_size = batch_size.max(1);
    }
    Ok(resolved)
}

/// `--threads` for libtorch (intra-op), ONNX Runtime (intra-op: the rayon pool's size, read when
/// a session is built) and decoding.
fn set_threads(threads: usize) {
    #[cfg(feature = "torch")]
    dfbench_worker::torch::set_threads(threads);
    if rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build_global()
        .is_err()
    {
        eprintln!(
            "warning: the decode thread pool was already set up; --threads applies to the model runtime only"
        );
    }
}

/// One subject's prepared batches and its rates so far.
struct Measured<'a> {
    subject: &'a Subject,
    batch: usize,
    images: usize,
    prepared: Vec<(Vec<f32>, usize)>,
    forward_rates: Vec<f64>,
    end_to_end_rates: Vec<f64>,
}

impl<'a> Measured<'a> {
    fn new(subject: &'a Subject, images: &[RgbImage], batch_size: u32) -> Measured<'a> {
        let batch = batch_size.max(1) as usize;
        let prepared = images
            .chunks(batch)
            .map(|chunk| {
                let refs: Vec<&RgbImage> = chunk.iter().collect();
                (subject.preprocessing.prepare_batch(&refs), chunk.len())
            })
            .collect();
        Measured {
            subject,
            batch,
            images: images.len(),
            prepared,
            forward_rates: Vec::new(),
            end_to_end_rates: Vec::new(),
        }
    }

    /// Images per second of forward passes over the prepared batches (copied before timing).
    fn forward_only(&self) -> anyhow::Result<f64> {
        let batches = self.prepared.clone();
        let started = Instant::now();
        for (input, size) in batches {
            self.subject.forward(input, size)?;
        }
        Ok(self.images as f64 / started.elapsed().as_secs_f64())
    }

    fn medians(&self) -> (f64, f64) {
        (
            median(self.forward_rates.clone()),
            median(self.end_to_end_rates.clone()),
        )
    }
}

/// The `--compare-card`'s rates and the ratio of the two runtimes (TorchScript over ONNX when
/// the cards use one each, else card over compare card).
fn print_comparison(
    subject: &Subject,
    (forward, end_to_end): (f64, f64),
    path: &Path,
    batch_size: u32,
    other: &Subject,
    rates: &Measured,
) {
    let (other_forward, other_end_to_end) = rates.medians();
    outln!(
        "  compare {} (batch {batch_size}, {})",
        path.display(),
        other.runtime.describe()
    );
    outln!("    forward only          {other_forward:>9.1} img/s");
    outln!("    dfbench end to end    {other_end_to_end:>9.1} img/s");
    let (label, over, under) = match (subject.runtime, other.runtime) {
        (Runtime::Onnx, Runtime::TorchScript) => (
            "torchscript / onnx",
            (other_forward, other_end_to_end),
            (forward, end_to_end),
        ),
        (Runtime::TorchScript, Runtime::Onnx) => (
            "torchscript / onnx",
            (forward, end_to_end),
            (other_forward, other_end_to_end),
        ),
        _ => (
            "card / compare card",
            (forward, end_to_end),
            (other_forward, other_end_to_end),
        ),
    };
    outln!(
        "  {label:<22}  {:>9.3}   (end to end; forward only {:.3})",
        over.1 / under.1,
        over.0 / under.0
    );
}

/// The anchor's lines: its end-to-end rate and dfbench's ratio to it; for ONNX also
/// onnxruntime-Python's forward-only rate on the same prepared arrays.
fn print_anchor(
    runtime: Runtime,
    args: &DetectorArgs,
    anchor: &Anchor,
    forward: f64,
    end_to_end: f64,
) {
    match runtime {
        Runtime::TorchScript => {
            outln!(
                "  pytorch eval loop       {:>9.1} img/s   (DataLoader with {} workers, PIL, torchvision)",
                anchor.end_to_end,
                args.loader_workers
            );
            outln!(
                "  dfbench / pytorch       {:>9.3}   (target >= 1.2)",
                end_to_end / anchor.end_to_end
            );
        }
        Runtime::Onnx => {
            outln!(
                "  onnxruntime-python loop {:>9.1} img/s   (PIL, numpy, InferenceSession.run)",
                anchor.end_to_end
            );
            outln!(
                "  dfbench / ort-python    {:>9.3}   (target >= 1.0)",
                end_to_end / anchor.end_to_end
            );
            if let Some(python_forward) = anchor.forward {
                outln!("  ort-python forward only {python_forward:>9.1} img/s");
                outln!(
                    "  e2e / ort-python fwd    {:>9.3}   (target >= 0.95; dfbench forward / ort-python forward {:.3})",
                    end_to_end / python_forward,
                    forward / python_forward
                );
            }
        }
    }
}

/// Images per second of one pass of the worker's scoring pipeline over every file; fails on any
/// failed prediction.
async fn end_to_end(
    root: &Path,
    samples: &[pb::SampleRef],
    subject: &Subject,
    chunk: usize,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let detectors = Arc::new(vec![LoadedDetector::Ready(Arc::clone(&subject.detector))]);
    let mut scoring = ShardScoring::start(root.to_path_buf(), samples.to_vec(), detectors, chunk);
    let mut scored = 0;
    while let Some(predictions) = scoring.next_chunk().await {
        for prediction in predictions?.predictions {
            match prediction.outcome {
                Some(Outcome::Score(_)) => scored += 1,
                other => {
                    anyhow::bail!("sample {} was not scored: {other:?}", prediction.sample_id)
                }
            }
        }
    }
    Ok(scored as f64 / started.elapsed().as_secs_f64())
}

/// The middle value (the upper one of an even count); NaN when there is none.
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}
