//! ONNX detectors: dfbench's scores equal onnxruntime-Python's (to 1e-5) on the exact tensors
//! dfbench prepared, for a dynamic-batch logit model and a fixed-batch (4) two-class BGR model
//! whose card batch (6) makes the runtime pad its last pass; and broken models fail only their
//! own predictions with a typed reason while a built-in keeps scoring: a file that is not ONNX,
//! a wrong input shape (the message shows the model's declared inputs), a NaN-producing graph,
//! a wrong output shape. Skips visibly without the ONNX venv (see onnx_support).
#![cfg(feature = "onnx")]

mod onnx_support;
mod torch_support;

use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::image_io::decode_rgb;
use dfbench_proto::v1::prediction::Outcome;
use dfbench_worker::preprocess::Preprocessing;
use dfbench_worker::runtime::{capabilities, load_detector};
use dfbench_worker::scoring::{LoadedDetector, score_chunk};
use onnx_support::*;
use std::collections::BTreeMap;
use torch_support::{builtin_spec, samples, script_scores, write_pngs};

fn scores_equal_onnxruntime(card_name: &str) {
    let Some(python) = onnx_python(card_name) else {
        return;
    };
    let card = onnx_card(&python, card_name);
    let data = tempfile::tempdir().expect("tempdir");
    let paths = write_pngs(data.path());
    let loaded = load_detector(&onnx_spec(card_name, &card), "cpu");
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
    let theirs = script_scores(&python, &script(), &card, &tensors);
    assert_eq!(ours.len(), theirs.len());
    let worst = ours
        .iter()
        .zip(&theirs)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    println!(
        "{card_name}: {} images, max |dfbench − onnxruntime-python| = {worst:.3e}",
        ours.len()
    );
    assert!(
        worst <= 1e-5,
        "{card_name}: ours {ours:?}\nonnxruntime {theirs:?}"
    );
    // A constant model would pass the comparison without testing anything.
    let spread = theirs.iter().cloned().fold(f64::MIN, f64::max)
        - theirs.iter().cloned().fold(f64::MAX, f64::min);
    assert!(
        spread > 1e-4,
        "{card_name}: scores barely vary ({spread:e}): {theirs:?}"
    );
}

/// Dynamic batch axis, logit output, card batches of 4 (10 images: 4 + 4 + 2).
#[test]
fn dynamic_batch_logit_matches_onnxruntime_python() {
    scores_equal_onnxruntime("small_cnn");
}

/// Batch axis fixed to 4, card batch 6: the 10 images go as card batches 6 + 4, run as passes
/// 4 + 2 (padded to 4, padded outputs dropped) + 4; centre crop, ImageNet, BGR, two-class.
#[test]
fn fixed_batch_two_class_bgr_matches_onnxruntime_python() {
    scores_equal_onnxruntime("fixed_batch");
}

#[test]
fn broken_models_fail_typed_while_the_others_score() {
    let Some(python) = onnx_python("broken_models_fail_typed_while_the_others_score") else {
        return;
    };
    assert!(
        capabilities().contains(&"onnx".to_string()),
        "a worker whose ONNX Runtime opened advertises onnx: {:?}",
        capabilities()
    );
    let data = tempfile::tempdir().expect("tempdir");
    let paths = write_pngs(data.path());
    let expected = [
        ("small_cnn", "score".to_string()),
        ("not_a_model", FailureKind::ModelLoadError.to_string()),
        ("wrong_input", FailureKind::ForwardError.to_string()),
        ("nan_output", FailureKind::NonFiniteOutput.to_string()),
        ("wrong_shape", FailureKind::BadOutputShape.to_string()),
    ];
    let mut detectors: Vec<LoadedDetector> = expected
        .iter()
        .map(|(name, _)| load_detector(&onnx_spec(name, &onnx_card(&python, name)), "cpu"))
        .collect();
    detectors.push(load_detector(&builtin_spec("npr"), "cpu"));
    let predictions = score_chunk(data.path(), &samples(&paths), &detectors);
    assert_eq!(predictions.len(), paths.len() * detectors.len());
    let mut messages: BTreeMap<String, String> = BTreeMap::new();
    for prediction in &predictions {
        let outcome = match &prediction.outcome {
            Some(Outcome::Score(score)) => {
                assert!((0.0..=1.0).contains(score), "{score}");
                "score".to_string()
            }
            Some(Outcome::Failure(failure)) => {
                messages.insert(prediction.detector.clone(), failure.message.clone());
                failure.kind.clone()
            }
            None => "none".to_string(),
        };
        let want = expected
            .iter()
            .find(|(name, _)| *name == prediction.detector)
            .map_or("score", |(_, kind)| kind.as_str());
        assert_eq!(
            outcome, want,
            "{}: {:?}",
            prediction.detector, prediction.outcome
        );
    }
    let not_onnx = &messages["not_a_model"];
    assert!(
        not_onnx.contains("not_a_model.onnx") && not_onnx.contains("not an ONNX model"),
        "{not_onnx}"
    );
    let wrong_input = &messages["wrong_input"];
    assert!(
        wrong_input.contains("image: f32[batch, 3, 32, 32]") && wrong_input.contains("64"),
        "the model's declared inputs are shown: {wrong_input}"
    );
    println!("wrong input: {wrong_input}");
    println!("not onnx: {not_onnx}");
}

/// `cuda:N` with the CPU wheel is a typed device failure naming the device, not a crash.
#[test]
fn cuda_without_the_gpu_runtime_is_a_device_failure() {
    let Some(python) = onnx_python("cuda_without_the_gpu_runtime_is_a_device_failure") else {
        return;
    };
    let card = onnx_card(&python, "small_cnn");
    for device in ["cuda:0", "gpu"] {
        let LoadedDetector::Unavailable { kind, reason, .. } =
            load_detector(&onnx_spec("small_cnn", &card), device)
        else {
            // A host with onnxruntime-gpu and a GPU may load it; nothing to check then.
            continue;
        };
        assert_eq!(kind, FailureKind::DeviceUnavailable, "{device}: {reason}");
        assert!(reason.contains(device), "{reason}");
    }
}
