//! dfbench's TorchScript scores equal PyTorch's (to 1e-5) for the reference models on PNG
//! fixtures. PyTorch gets the exact tensors dfbench prepared, so the comparison isolates the
//! model run, batching and output mapping (logit, probability, two-class) from decoding.
#![cfg(feature = "torch")]

mod torch_support;

use dfbench_benchmarks::image_io::decode_rgb;
use dfbench_proto::v1::prediction::Outcome;
use dfbench_worker::runtime::load_detector;
use dfbench_worker::scoring::{LoadedDetector, score_chunk};
use dfbench_worker::torch::preprocess::Preprocessing;
use torch_support::*;

fn scores_equal_pytorch(card_name: &str) {
    let card = card(card_name);
    let data = tempfile::tempdir().expect("tempdir");
    let paths = write_pngs(data.path());
    let loaded = load_detector(&spec(card_name, &card), "cpu");
    if let LoadedDetector::Unavailable { kind, reason, .. } = &loaded {
        panic!("{card_name} did not load: {kind}: {reason}");
    }

    let predictions = score_chunk(data.path(), &samples(&paths), &[loaded]);
    let ours: Vec<f64> = predictions
        .iter()
        .map(|prediction| match &prediction.outcome {
            Some(Outcome::Score(score)) => *score,
            other => panic!(
                "{card_name}: sample {} not scored: {other:?}",
                prediction.sample_id
            ),
        })
        .collect();
    assert!(
        predictions
            .iter()
            .all(|p| p.detector_fingerprint == card.fingerprint)
    );

    let preprocessing = Preprocessing::from_card(&card.card);
    let tensors: Vec<f32> = paths
        .iter()
        .flat_map(|path| {
            preprocessing.prepare(&decode_rgb(&data.path().join(path)).expect("decode"))
        })
        .collect();
    let theirs = pytorch_scores(&card, &tensors);
    assert_eq!(ours.len(), theirs.len());
    let worst = ours
        .iter()
        .zip(&theirs)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    println!(
        "{card_name}: {} images, max |dfbench − pytorch| = {worst:.3e}",
        ours.len()
    );
    assert!(
        worst <= 1e-5,
        "{card_name}: ours {ours:?}\npytorch {theirs:?}"
    );
    // A constant model would pass the comparison without testing anything.
    let spread = theirs.iter().cloned().fold(f64::MIN, f64::max)
        - theirs.iter().cloned().fold(f64::MAX, f64::min);
    assert!(
        spread > 1e-4,
        "{card_name}: scores barely vary ({spread:e}): {theirs:?}"
    );
}

#[test]
fn small_cnn_logit_matches_pytorch() {
    scores_equal_pytorch("small_cnn");
}

/// Centre crop with black padding, ImageNet normalisation, batches of 4 (three per chunk).
#[test]
fn small_cnn_probability_in_small_batches_matches_pytorch() {
    scores_equal_pytorch("small_cnn_prob");
}

/// Shorter side + crop, BGR, two-class softmax, batch-norm: the ResNet-style reference.
#[test]
fn resnet_like_two_class_bgr_matches_pytorch() {
    scores_equal_pytorch("resnet_like");
}
