//! Broken TorchScript detectors fail only their own predictions, each with a typed reason, while
//! the other detectors of the run keep scoring: a file that is not a model, a model with the
//! wrong output shape, one that emits NaN, weights changed after planning, a missing device.
#![cfg(feature = "torch")]

mod torch_support;

use dfbench_benchmarks::FailureKind;
use dfbench_proto::v1::{self as pb, prediction::Outcome};
use dfbench_worker::runtime::load_detector;
use dfbench_worker::scoring::{LoadedDetector, ShardScoring};
use dfbench_worker::torch::{cuda_available, load_model};
use std::collections::BTreeMap;
use std::sync::Arc;
use torch_support::*;

/// Outcome per (detector, sample path): the score's presence or the failure kind.
fn outcomes(
    predictions: &[pb::Prediction],
    paths: &[String],
) -> BTreeMap<(String, String), String> {
    predictions
        .iter()
        .map(|prediction| {
            let path = paths[(prediction.sample_id - 1) as usize].clone();
            let outcome = match &prediction.outcome {
                Some(Outcome::Score(score)) => {
                    assert!((0.0..=1.0).contains(score), "{score}");
                    "score".to_string()
                }
                Some(Outcome::Failure(failure)) => {
                    assert!(!failure.message.is_empty(), "{failure:?}");
                    failure.kind.clone()
                }
                None => "none".to_string(),
            };
            ((prediction.detector.clone(), path), outcome)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_models_fail_typed_while_the_others_score() {
    let data = tempfile::tempdir().expect("tempdir");
    let mut paths = write_pngs(data.path());
    std::fs::write(
        data.path().join("corrupt.png"),
        b"\x89PNG\r\n\x1a\nnot an image",
    )
    .expect("corrupt");
    paths.push("corrupt.png".to_string());
    let expected_kind = [
        ("small_cnn", "score".to_string()),
        ("not_a_model", FailureKind::ModelLoadError.to_string()),
        ("wrong_shape", FailureKind::BadOutputShape.to_string()),
        ("nan_output", FailureKind::NonFiniteOutput.to_string()),
    ];
    let mut detectors: Vec<LoadedDetector> = expected_kind
        .iter()
        .map(|(name, _)| load_detector(&spec(name, &card(name)), "cpu"))
        .collect();
    detectors.push(load_detector(&builtin_spec("spectral"), "cpu"));

    // Chunks of 4: the decode thread runs ahead of the scoring thread.
    let mut scoring = ShardScoring::start(
        data.path().to_path_buf(),
        samples(&paths),
        Arc::new(detectors),
        4,
    );
    let mut predictions = Vec::new();
    while let Some(chunk) = scoring.next_chunk().await {
        predictions.extend(chunk.expect("every chunk delivered").predictions);
    }
    assert_eq!(
        predictions.len(),
        paths.len() * 5,
        "one prediction per sample and detector"
    );
    let outcomes = outcomes(&predictions, &paths);
    let expected_kind = expected_kind
        .into_iter()
        .chain([("spectral", "score".to_string())]);
    for (name, kind) in expected_kind {
        for path in &paths {
            let expected = if path == "corrupt.png" {
                FailureKind::DecodeError.as_str()
            } else {
                kind.as_str()
            };
            assert_eq!(
                outcomes[&(name.to_string(), path.clone())],
                expected,
                "{name} on {path}"
            );
        }
    }
    let load_failure = predictions
        .iter()
        .find_map(|p| match &p.outcome {
            Some(Outcome::Failure(f)) if f.kind == FailureKind::ModelLoadError.as_str() => {
                Some(f.message.clone())
            }
            _ => None,
        })
        .expect("load failure");
    assert!(
        load_failure.contains("not_a_model.pt"),
        "names the file: {load_failure}"
    );
}

#[test]
fn changed_weights_are_refused_and_models_are_cached() {
    let dir = tempfile::tempdir().expect("tempdir");
    let original = card("small_cnn");
    std::fs::copy(&original.card.model, dir.path().join("m.pt")).expect("copy model");
    let card_text = std::fs::read_to_string(models().join("small_cnn.toml")).expect("card");
    std::fs::write(
        dir.path().join("c.toml"),
        card_text.replace("small_cnn.pt", "m.pt"),
    )
    .expect("card");
    let resolved =
        dfbench_benchmarks::card::ResolvedCard::load(&dir.path().join("c.toml")).expect("load");
    let planned = spec("copy", &resolved);

    let first = load_model(&planned, "cpu").expect("loads");
    let again = load_model(&planned, "cpu").expect("cached");
    assert!(
        Arc::ptr_eq(&first, &again),
        "loaded once per fingerprint and device"
    );

    // Other weights under the planned fingerprint: the worker refuses to score with them.
    std::fs::copy(models().join("resnet_like.pt"), dir.path().join("m.pt")).expect("swap");
    let stale = pb::DetectorSpec {
        fingerprint: format!("{}x", planned.fingerprint),
        ..planned
    };
    let LoadedDetector::Unavailable { kind, reason, .. } = load_detector(&stale, "cpu") else {
        panic!("changed weights must not load");
    };
    assert_eq!(kind, FailureKind::ModelLoadError);
    assert!(
        reason.contains("changed since the run was planned"),
        "{reason}"
    );
}

#[test]
fn unusable_device_is_typed() {
    let small = card("small_cnn");
    for device in ["cuda:7", "tpu"] {
        if device == "cuda:7" && cuda_available() && tch::Cuda::device_count() > 7 {
            continue;
        }
        let LoadedDetector::Unavailable { kind, reason, .. } =
            load_detector(&spec("d", &small), device)
        else {
            panic!("{device} must be unavailable");
        };
        assert_eq!(kind, FailureKind::DeviceUnavailable, "{device}");
        assert!(reason.contains(device), "{reason}");
    }
}
