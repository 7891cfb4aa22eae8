//! The measurements of `dfbench bench detector` (torch builds only): forward-only and end-to-end
//! throughput in this process, and the PyTorch anchor as a child process.

use super::DetectorArgs;
use super::anchor::pytorch_anchor;
use super::inputs::{Scratch, list_images, write_images};
use crate::output::outln;
use anyhow::Context;
use dfbench_benchmarks::card::ResolvedCard;
use dfbench_benchmarks::image_io::{RgbImage, decode_rgb};
use dfbench_proto::v1::{self as pb, prediction::Outcome};
use dfbench_worker::scoring::{LoadedDetector, ShardScoring};
use dfbench_worker::torch::model::TorchModel;
use dfbench_worker::torch::{self, LIBTORCH_VERSION, TorchDetector};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

pub async fn execute(args: DetectorArgs) -> anyhow::Result<ExitCode> {
    let mut resolved = ResolvedCard::load(&args.card)?;
    if let Some(batch_size) = args.batch_size {
        resolved.card.batch_size = batch_size.max(1);
    }
    let card = resolved.card.clone();
    torch::set_threads(args.threads);
    if rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.max(1))
        .build_global()
        .is_err()
    {
        eprintln!(
            "warning: the decode thread pool was already set up; --threads applies to libtorch only"
        );
    }
    if !card.input.is_image() {
        return super::clip_bench::execute(args, resolved).await;
    }
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
    let (model, detector) = load(&args, &resolved)?;
    outln!(
        "dfbench bench detector {}: {} images ({source}), batch {}, {} threads, device {}, libtorch {LIBTORCH_VERSION}",
        args.card.display(),
        files.len(),
        card.batch_size,
        args.threads,
        args.device
    );

    // Tensors prepared once, outside the timing of the forward-only measurement.
    let images: Vec<RgbImage> = files
        .iter()
        .map(|file| decode_rgb(&root.join(file)))
        .collect::<Result<_, _>>()?;
    let batch = card.batch_size as usize;
    let prepared: Vec<(Arc<Vec<f32>>, usize)> = images
        .chunks(batch)
        .map(|chunk| {
            let refs: Vec<&RgbImage> = chunk.iter().collect();
            (
                Arc::new(model.preprocessing.prepare_batch(&refs)),
                chunk.len(),
            )
        })
        .collect();
    let samples: Vec<pb::SampleRef> = files
        .iter()
        .enumerate()
        .map(|(index, path)| pb::SampleRef {
            sample_id: index as i64,
            path: path.clone(),
            clip_only: false,
        })
        .collect();
    let forward_only = || {
        let started = Instant::now();
        for (input, size) in &prepared {
            // On the torch thread, as the worker runs it.
            let (model, input, size) = (Arc::clone(&model), Arc::clone(input), *size);
            torch::on_torch_thread(move || model.score_prepared(&input, size))
                .context("the forward pass panicked")?
                .map_err(|error| anyhow::anyhow!("{error}"))?;
        }
        anyhow::Ok(images.len() as f64 / started.elapsed().as_secs_f64())
    };
    // One warm-up round, then the two measurements interleaved (the VM's speed drifts).
    let (mut forward_rates, mut end_to_end_rates) = (Vec::new(), Vec::new());
    for round in 0..=args.rounds.max(1) {
        let forward = forward_only()?;
        let end_to_end = end_to_end(&root, &samples, Arc::clone(&detector), batch).await?;
        if round > 0 {
            forward_rates.push(forward);
            end_to_end_rates.push(end_to_end);
        }
    }
    let (forward, end_to_end) = (median(forward_rates), median(end_to_end_rates));
    outln!("  forward only            {forward:>9.1} img/s");
    outln!("  dfbench end to end      {end_to_end:>9.1} img/s");
    outln!(
        "  end to end / forward    {:>9.3}   (target >= 0.95)",
        end_to_end / forward
    );

    let python = args
        .python
        .clone()
        .filter(|path| path.as_os_str() != "none");
    let Some(python) = python else {
        outln!("  pytorch eval loop       skipped (no --python / DFBENCH_TORCH_PYTHON)");
        return Ok(ExitCode::SUCCESS);
    };
    let paths: Vec<PathBuf> = files.iter().map(|file| root.join(file)).collect();
    let anchor = pytorch_anchor(&python, &args, &card, &paths, generated.0.as_path())?;
    outln!(
        "  pytorch eval loop       {anchor:>9.1} img/s   (DataLoader with {} workers, PIL, torchvision)",
        args.loader_workers
    );
    outln!(
        "  dfbench / pytorch       {:>9.3}   (target >= 1.2)",
        end_to_end / anchor
    );
    Ok(ExitCode::SUCCESS)
}

/// The card's model, resident, and the detector the worker would make of it.
pub fn load(
    args: &DetectorArgs,
    resolved: &ResolvedCard,
) -> anyhow::Result<(Arc<TorchModel>, Arc<TorchDetector>)> {
    let spec = pb::DetectorSpec {
        name: "bench".to_string(),
        kind: "torchscript".to_string(),
        builtin: String::new(),
        card_toml: resolved.to_toml(),
        fingerprint: resolved.fingerprint.clone(),
    };
    let model = torch::load_model(&spec, &args.device)
        .map_err(|error| anyhow::anyhow!("cannot load {}: {error}", args.card.display()))?;
    let detector = Arc::new(TorchDetector {
        name: "bench".to_string(),
        model: Arc::clone(&model),
    });
    Ok((model, detector))
}

/// Images per second of one pass of the worker's scoring pipeline over every file; fails on any
/// failed prediction.
async fn end_to_end(
    root: &Path,
    samples: &[pb::SampleRef],
    detector: Arc<TorchDetector>,
    chunk: usize,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let detectors = Arc::new(vec![LoadedDetector::Ready(detector)]);
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
