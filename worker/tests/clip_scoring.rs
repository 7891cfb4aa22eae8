//! Clips through the shard pipeline: an image and a clip detector in one shard, each sample
//! decoded once; every `ClipRef` ends as exactly one `ClipPrediction` (score, the failure of an
//! undecodable frame naming its path, the detector's failure, or `worker_error` for a clip the
//! lease got wrong), and the clip detector produces no per-sample prediction.

use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::image_io::RgbImage;
use dfbench_benchmarks::perturb::Perturbation;
use dfbench_proto::v1::{self as pb, clip_prediction};
use dfbench_worker::runtime::load_detector;
use dfbench_worker::scoring::{LoadedDetector, ShardInput, ShardScoring};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

fn builtin(name: &str) -> pb::DetectorSpec {
    pb::DetectorSpec {
        name: name.to_string(),
        kind: "builtin".to_string(),
        builtin: name.to_string(),
        ..Default::default()
    }
}

/// Video `v` frame `t`: a moving gradient; video 1 flickers.
fn write_frames(dir: &Path) -> Vec<pb::SampleRef> {
    let mut samples = Vec::new();
    for video in 0..2u32 {
        std::fs::create_dir_all(dir.join(format!("v{video}"))).expect("mkdir");
        for t in 0..8u32 {
            let path = format!("v{video}/{t}.png");
            let flicker = if video == 1 && t % 2 == 1 { 60 } else { 0 };
            let image = RgbImage::from_fn(64, 48, |x, y| {
                let v = ((x + t) * 3 + y) % 180;
                image::Rgb([v as u8 + flicker, 90, (v / 2) as u8])
            });
            image.save(dir.join(&path)).expect("save");
            samples.push(pb::SampleRef {
                sample_id: i64::from(video * 100 + t),
                path,
                clip_only: false,
            });
        }
    }
    // Frame 5 of video 0 is not an image.
    std::fs::write(dir.join("v0/5.png"), b"not a png").expect("corrupt");
    samples
}

fn clip(detector: &str, video: &str, index: u32, ids: &[i64]) -> pb::ClipRef {
    pb::ClipRef {
        detector: detector.to_string(),
        video_key: video.to_string(),
        clip_index: index,
        sample_ids: ids.to_vec(),
    }
}

fn outcome_of(prediction: &pb::ClipPrediction) -> (String, String) {
    match &prediction.outcome {
        Some(clip_prediction::Outcome::Score(score)) => {
            assert!((0.0..=1.0).contains(score), "{score}");
            ("score".to_string(), format!("{score}"))
        }
        Some(clip_prediction::Outcome::Failure(failure)) => {
            (failure.kind.clone(), failure.message.clone())
        }
        None => ("none".to_string(), String::new()),
    }
}

#[tokio::test]
async fn every_clip_gets_one_outcome_and_clip_detectors_no_sample_predictions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let samples = write_frames(dir.path());
    let mut broken = builtin("temporal");
    broken.name = "broken".to_string();
    broken.kind = "tflite".to_string();
    let detectors = Arc::new(vec![
        load_detector(&builtin("spectral"), "cpu"),
        load_detector(&builtin("temporal"), "cpu"),
        LoadedDetector::Unavailable {
            name: "video-model".to_string(),
            input: dfbench_benchmarks::card::clip::InputKind::Clip,
            kind: FailureKind::ModelLoadError,
            reason: "model file m.pt cannot be read".to_string(),
        },
    ]);
    let clips = vec![
        clip("temporal", "v0", 0, &[0, 1, 2, 3]),
        clip("temporal", "v0", 1, &[4, 5, 6, 7]),
        clip("temporal", "v1", 0, &[100, 101, 102, 103]),
        clip("temporal", "v1", 1, &[104, 105, 106, 107]),
        clip("video-model", "v1", 0, &[100, 101, 102, 103]),
        clip("temporal", "v1", 2, &[104, 999, 106, 107]),
        clip("nobody", "v1", 0, &[100, 101]),
        clip("spectral", "v1", 0, &[100, 101]),
        clip("temporal", "v1", 3, &[]),
    ];
    let shard = ShardInput {
        root: dir.path().to_path_buf(),
        samples: samples.clone(),
        clips: clips.clone(),
        perturbation: Perturbation::none(),
        decode: Default::default(),
    };
    // Chunks of 3: clips span chunks, video 1 starts inside one.
    let mut scoring = ShardScoring::start_shard(shard, detectors, 3);
    let (mut predictions, mut outcomes) = (Vec::new(), Vec::new());
    let mut chunks = 0;
    while let Some(chunk) = scoring.next_chunk().await {
        let chunk = chunk.expect("every chunk delivered");
        predictions.extend(chunk.predictions);
        outcomes.extend(chunk.clips);
        chunks += 1;
    }
    assert_eq!(chunks, samples.len().div_ceil(3));
    assert_eq!(
        predictions.len(),
        samples.len(),
        "spectral only, per sample"
    );
    assert!(predictions.iter().all(|p| p.detector == "spectral"));

    let by_clip: BTreeMap<(String, String, u32), (String, String)> = outcomes
        .iter()
        .map(|p| {
            let key = (p.detector.clone(), p.video_key.clone(), p.clip_index);
            (key, outcome_of(p))
        })
        .collect();
    assert_eq!(outcomes.len(), clips.len(), "{outcomes:#?}");
    assert_eq!(by_clip.len(), clips.len(), "one outcome per clip");
    let get = |detector: &str, video: &str, index: u32| {
        by_clip[&(detector.to_string(), video.to_string(), index)].clone()
    };
    let smooth = get("temporal", "v0", 0);
    let flicker = get("temporal", "v1", 0);
    assert_eq!(smooth.0, "score");
    assert_eq!(flicker.0, "score");
    let value = |text: &str| text.parse::<f64>().expect("score");
    assert!(
        value(&flicker.1) > value(&smooth.1),
        "{flicker:?} vs {smooth:?}"
    );
    assert_eq!(get("temporal", "v1", 1).0, "score");

    let (kind, message) = get("temporal", "v0", 1);
    assert_eq!(kind, FailureKind::DecodeError.as_str(), "{message}");
    assert!(message.contains("v0/5.png"), "{message}");
    let (kind, message) = get("video-model", "v1", 0);
    assert_eq!(kind, FailureKind::ModelLoadError.as_str());
    assert!(message.contains("m.pt"), "{message}");
    for (detector, index, needle) in [
        ("temporal", 2, "999"),
        ("nobody", 0, "nobody"),
        ("spectral", 0, "reads images"),
        ("temporal", 3, "no frames"),
    ] {
        let (kind, message) = get(detector, "v1", index);
        assert_eq!(
            kind,
            FailureKind::WorkerError.as_str(),
            "{detector} {index}"
        );
        assert!(message.contains(needle), "{message}");
    }
    let temporal = outcomes
        .iter()
        .find(|p| p.detector == "temporal" && p.video_key == "v0" && p.clip_index == 0)
        .expect("clip");
    assert!(
        temporal
            .detector_fingerprint
            .starts_with("builtin:temporal:v1:")
    );
}

#[tokio::test]
async fn a_shard_without_samples_still_answers_its_clips() {
    let detectors = Arc::new(vec![load_detector(&builtin("temporal"), "cpu")]);
    let shard = ShardInput {
        root: std::env::temp_dir(),
        samples: Vec::new(),
        clips: vec![clip("temporal", "v", 0, &[1, 2])],
        perturbation: Perturbation::none(),
        decode: Default::default(),
    };
    let mut scoring = ShardScoring::start_shard(shard, detectors, 4);
    let chunk = scoring
        .next_chunk()
        .await
        .expect("one delivery")
        .expect("ok");
    assert_eq!(chunk.clips.len(), 1);
    assert_eq!(
        outcome_of(&chunk.clips[0]).0,
        FailureKind::WorkerError.as_str()
    );
    assert!(scoring.next_chunk().await.is_none());
}
