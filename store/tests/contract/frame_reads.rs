//! Per-reader frame selection (`frames = "uniform:N"`, issue 17): a shard holds the union of
//! what its image and clip detectors read; clip-only samples are marked on the lease, owe no
//! per-sample prediction (ingest refuses one), and completion, gap-filling and progress count
//! image-read samples only.

use crate::support::*;
use dfbench_benchmarks::{FailureKind, FrameReads, Label, Sample};
use dfbench_store::*;

store_contract! {
    clip_only_samples_owe_no_image_predictions,
    failed_shards_fill_image_read_samples_only,
}

/// Video `vid/a`: frames 0 and 2 read by both, 1 and 3 by the clip detector only, 4 by the
/// image detector only; the clip detector `clip` owes clips (0, 1) and (2, 3).
fn union_plan(run_id: &str, at: i64) -> RunPlan {
    let reads = [
        FrameReads::Both,
        FrameReads::ClipOnly,
        FrameReads::Both,
        FrameReads::ClipOnly,
        FrameReads::ImageOnly,
    ];
    let samples: Vec<Sample> = reads
        .iter()
        .enumerate()
        .map(|(index, reads)| Sample {
            video_key: "vid/a".into(),
            frame_index: Some(index as u32),
            reads: *reads,
            ..sample("vid", &format!("a/{index}.png"), Label::Fake)
        })
        .collect();
    let shard = PlannedShard {
        clips: vec![
            clip_of_a(0, vec![0, 1], "k0".into()),
            clip_of_a(1, vec![2, 3], "k1".into()),
        ],
        ..shard("vid", "none", vec![0, 1, 2, 3, 4])
    };
    video_plan((run_id, "union", at), samples, vec![shard], 1)
}

fn id_of(assignment: &ShardAssignment, path: &str) -> SampleId {
    assignment
        .samples
        .iter()
        .find(|(_, p)| p == path)
        .map(|(id, _)| id.clone())
        .unwrap_or_else(|| panic!("{path} is not in the lease"))
}

fn image_score(sample_id: SampleId) -> NewPrediction {
    NewPrediction {
        sample_id,
        detector: "img".into(),
        detector_fingerprint: "f-img".into(),
        outcome: Outcome::Score(0.5),
        latency_us: 1,
    }
}

/// The lease marks the clip-only samples; an image prediction for one is refused; the shard
/// completes with image predictions on the image-read samples and both clips.
async fn clip_only_samples_owe_no_image_predictions(store: &dyn Store) {
    let t0 = 7_000_000;
    store
        .create_run(&union_plan("u-1", t0))
        .await
        .expect("create run");
    let run_id = RunId("u-1".into());
    let progress = store.run_progress(&run_id).await.expect("progress");
    assert_eq!(progress.predictions_expected, 3, "image-read samples × img");
    assert_eq!(progress.clips_expected, 2);

    let alice = owner("alice", 1);
    let assignment = lease_next(store, &alice, t0, 60_000).await;
    assert_eq!(assignment.samples.len(), 5, "the shard holds the union");
    let mut clip_only = vec![id_of(&assignment, "a/1.png"), id_of(&assignment, "a/3.png")];
    clip_only.sort();
    assert_eq!(assignment.clip_only, clip_only);
    let lease = lease_of(&assignment, &alice);

    let refused = store
        .ingest_predictions(&lease, &[image_score(clip_only[0].clone())])
        .await
        .expect_err("a clip-only sample owes no image prediction");
    assert!(
        refused.to_string().contains("read only by clip detectors"),
        "{refused}"
    );
    let image_read: Vec<NewPrediction> = ["a/0.png", "a/2.png", "a/4.png"]
        .iter()
        .map(|path| image_score(id_of(&assignment, path)))
        .collect();
    store
        .ingest_predictions(&lease, &image_read[..2])
        .await
        .expect("ingest");
    let clips: Vec<NewClipPrediction> = (0..2)
        .map(|clip_index| NewClipPrediction {
            detector: "clip".into(),
            detector_fingerprint: "f-clip".into(),
            video_key: "vid/a".into(),
            clip_index,
            outcome: Outcome::Score(0.25),
            latency_us: 3,
        })
        .collect();
    store
        .ingest_clip_predictions(&lease, &clips)
        .await
        .expect("ingest clips");
    let incomplete = store
        .complete_shard(&lease, t0)
        .await
        .expect_err("a/4.png is owed");
    assert!(
        matches!(
            incomplete,
            StoreError::IncompleteShard {
                missing: 1,
                missing_clips: 0,
                ..
            }
        ),
        "{incomplete:?}"
    );
    store
        .ingest_predictions(&lease, &image_read[2..])
        .await
        .expect("ingest");
    store.complete_shard(&lease, t0).await.expect("complete");

    let progress = store.run_progress(&run_id).await.expect("progress");
    assert_eq!(progress.status, "done");
    assert_eq!(
        (progress.predictions, progress.predictions_expected),
        (3, 3)
    );
    assert_eq!((progress.clips, progress.clips_expected), (2, 2));
    let mut scored: Vec<String> = store
        .predictions(&run_id)
        .await
        .expect("predictions")
        .into_iter()
        .map(|row| format!("{} {}", row.detector, row.rel_path))
        .collect();
    scored.sort();
    assert_eq!(scored, ["img a/0.png", "img a/2.png", "img a/4.png"]);
}

/// A shard failed for good records a failure for each image-read sample and each owed clip,
/// none for the clip-only samples; progress then adds up.
async fn failed_shards_fill_image_read_samples_only(store: &dyn Store) {
    let t0 = 7_100_000;
    store
        .create_run(&union_plan("u-2", t0))
        .await
        .expect("create run");
    let run_id = RunId("u-2".into());
    let alice = owner("alice", 1);
    let assignment = lease_next(store, &alice, t0, 60_000).await;
    let failure = ShardFailure {
        retryable: false,
        kind: FailureKind::ForwardError,
        message: "out of memory".into(),
    };
    let lease = lease_of(&assignment, &alice);
    let progress = fail_then_progress(store, &lease, &failure, t0, &run_id).await;
    assert_eq!(progress.shards_failed, 1);
    let predictions = progress.predictions;
    let expected = progress.predictions_expected;
    assert_eq!(
        [predictions, progress.prediction_failures, expected],
        [3, 3, 3]
    );
    assert_eq!((progress.clips, progress.clip_failures), (2, 2));
    let mut failed: Vec<String> = store
        .predictions(&run_id)
        .await
        .expect("predictions")
        .into_iter()
        .map(|row| row.rel_path)
        .collect();
    failed.sort();
    assert_eq!(failed, ["a/0.png", "a/2.png", "a/4.png"]);
}
