//! The worker's scoring pipeline under a perturbation: every detector of a sample sees the same
//! perturbed image, the result is the same on every run and thread, and a sample the
//! perturbation cannot handle is a `perturbation_error` for each detector, not a lost shard.

use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::image_io::RgbImage;
use dfbench_benchmarks::perturb::{Perturbation, parse};
use dfbench_proto::v1::{self as pb, prediction::Outcome};
use dfbench_worker::builtin::builtin_detector;
use dfbench_worker::scoring::{LoadedDetector, ShardScoring, decode_chunk};
use std::path::Path;
use std::sync::Arc;

fn write_images(dir: &Path) -> Vec<pb::SampleRef> {
    let sizes = [(96, 80), (1, 40), (64, 64)];
    sizes
        .iter()
        .enumerate()
        .map(|(index, &(width, height))| {
            let image = RgbImage::from_fn(width, height, |x, y| {
                image::Rgb([(x * 9 + y) as u8, (y * 7) as u8, ((x ^ y) * 3) as u8])
            });
            let path = format!("set/{index}.png");
            std::fs::create_dir_all(dir.join("set")).expect("mkdir");
            image.save(dir.join(&path)).expect("write png");
            pb::SampleRef {
                sample_id: index as i64 + 1,
                path,
                clip_only: false,
            }
        })
        .collect()
}

fn detectors() -> Arc<Vec<LoadedDetector>> {
    Arc::new(
        ["spectral", "npr"]
            .iter()
            .map(|name| {
                let detector = builtin_detector(name, name).expect("known built-in");
                LoadedDetector::Ready(Arc::from(detector))
            })
            .collect(),
    )
}

async fn score(dir: &Path, samples: &[pb::SampleRef], perturbation: &str) -> Vec<pb::Prediction> {
    let perturbation = parse(perturbation).expect("valid id");
    let mut scoring = ShardScoring::start_perturbed(
        dir.to_path_buf(),
        samples.to_vec(),
        perturbation,
        detectors(),
        2,
    );
    let mut predictions = Vec::new();
    while let Some(chunk) = scoring.next_chunk().await {
        predictions.extend(chunk.expect("pipeline runs").predictions);
    }
    predictions
}

fn outcome(prediction: &pb::Prediction) -> String {
    match &prediction.outcome {
        Some(Outcome::Score(score)) => format!("score {score}"),
        Some(Outcome::Failure(failure)) => format!("failure {}", failure.kind),
        None => "nothing".to_string(),
    }
}

#[tokio::test]
async fn perturbed_scores_are_deterministic_and_failures_typed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let samples = write_images(dir.path());
    let chain = "rescale:0.25+noise:sigma=5";
    let first = score(dir.path(), &samples, chain).await;
    let second = score(dir.path(), &samples, chain).await;
    let clean = score(dir.path(), &samples, "none").await;
    assert_eq!(first.len(), samples.len() * 2);
    let first_outcomes: Vec<String> = first.iter().map(outcome).collect();
    assert_eq!(
        first_outcomes,
        second.iter().map(outcome).collect::<Vec<_>>()
    );
    // The 1×40 image cannot be scaled by 0.25: both detectors record why.
    for prediction in first.iter().filter(|p| p.sample_id == 2) {
        let Some(Outcome::Failure(failure)) = &prediction.outcome else {
            panic!("sample 2 should fail: {prediction:?}");
        };
        assert_eq!(failure.kind, FailureKind::PerturbationError.as_str());
        assert!(
            failure.message.contains("rescale:0.25"),
            "{}",
            failure.message
        );
        assert!(failure.message.contains("set/1.png"), "{}", failure.message);
    }
    // The others are scored, differently from the clean images.
    for (perturbed, clean) in first.iter().zip(&clean).filter(|(p, _)| p.sample_id != 2) {
        assert!(outcome(perturbed).starts_with("score"), "{perturbed:?}");
        assert_ne!(outcome(perturbed), outcome(clean), "{perturbed:?}");
    }
}

#[test]
fn decoding_applies_the_perturbation_once_per_sample_on_any_thread() {
    let dir = tempfile::tempdir().expect("tempdir");
    let samples = write_images(dir.path());
    let noise = parse("noise:sigma=8").expect("valid id");
    let here = decode_chunk(dir.path(), &samples, &noise);
    let elsewhere = {
        let (root, samples, noise) = (dir.path().to_path_buf(), samples.clone(), noise.clone());
        std::thread::spawn(move || decode_chunk(&root, &samples, &noise))
            .join()
            .expect("thread")
    };
    let clean = decode_chunk(dir.path(), &samples, &Perturbation::none());
    for ((a, b), c) in here.iter().zip(&elsewhere).zip(&clean) {
        let (a, b, c) = (a.image.as_ref(), b.image.as_ref(), c.image.as_ref());
        let (a, b, c) = (a.expect("noised"), b.expect("noised"), c.expect("decoded"));
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
