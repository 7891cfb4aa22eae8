//! Turning one chunk of a shard into pixels: decode each sample once, then apply the shard's
//! perturbation, on the rayon pool. Every detector of the run then scores the same perturbed
//! image, so the perturbation costs once per sample whatever the number of detectors.

use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::image_io::{DecodeOptions, RgbImage, decode_rgb_with};
use dfbench_benchmarks::perturb::Perturbation;
use dfbench_proto::v1 as pb;
use rayon::prelude::*;
use std::panic::catch_unwind;
use std::path::{Path, PathBuf};

/// One sample of a chunk after decoding: its pixels, or the typed reason there are none.
pub struct DecodedSample {
    pub sample_id: i64,
    pub path: PathBuf,
    pub image: Result<RgbImage, (FailureKind, String)>,
    /// Read only by clip detectors (`SampleRef.clip_only`): image detectors skip it.
    pub clip_only: bool,
}

/// Decodes and perturbs every sample; a panic in either is that sample's typed failure
/// (`decode_error`, `perturbation_error`), never fatal.
pub fn decode_chunk(
    root: &Path,
    samples: &[pb::SampleRef],
    perturbation: &Perturbation,
) -> Vec<DecodedSample> {
    decode_chunk_with(root, samples, perturbation, DecodeOptions::default())
}

/// [`decode_chunk`] under the dataset's decode options (its pixel limit and EXIF rule, from
/// the lease).
pub fn decode_chunk_with(
    root: &Path,
    samples: &[pb::SampleRef],
    perturbation: &Perturbation,
    options: DecodeOptions,
) -> Vec<DecodedSample> {
    samples
        .par_iter()
        .map(|sample| {
            let path = root.join(&sample.path);
            let image = decode(&path, sample.sample_id, options)
                .and_then(|image| perturb(image, perturbation, sample, &path));
            DecodedSample {
                sample_id: sample.sample_id,
                path,
                image,
                clip_only: sample.clip_only,
            }
        })
        .collect()
}

fn decode(
    path: &Path,
    sample_id: i64,
    options: DecodeOptions,
) -> Result<RgbImage, (FailureKind, String)> {
    match catch_unwind(|| decode_rgb_with(path, options)) {
        Ok(Ok(image)) => Ok(image),
        Ok(Err(error)) => {
            tracing::warn!(sample_id, path = %path.display(), %error, "sample cannot be decoded");
            Err((error.kind(), error.to_string()))
        }
        Err(_) => Err((
            FailureKind::DecodeError,
            format!("the image decoder panicked on {}", path.display()),
        )),
    }
}

/// Applies the shard's perturbation, seeded by the sample's path relative to its dataset root
/// (the sample's identity), so every worker produces the same bytes.
fn perturb(
    image: RgbImage,
    perturbation: &Perturbation,
    sample: &pb::SampleRef,
    path: &Path,
) -> Result<RgbImage, (FailureKind, String)> {
    if perturbation.is_none() {
        return Ok(image);
    }
    let outcome = catch_unwind(|| perturbation.apply(image, &sample.path));
    match outcome {
        Ok(Ok(image)) => Ok(image),
        Ok(Err(error)) => {
            tracing::warn!(sample_id = sample.sample_id, path = %path.display(), %error, "sample cannot be perturbed");
            Err((error.kind(), format!("{error} ({})", path.display())))
        }
        Err(_) => Err((
            FailureKind::PerturbationError,
            format!(
                "perturbation `{}` panicked on {}",
                perturbation.id(),
                path.display()
            ),
        )),
    }
}
