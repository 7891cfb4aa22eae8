//! Clip outcomes (clip and thumbnail detectors, issue 17): planned failures stored at creation,
//! owed clips on the lease in frame order, fenced and validated clip ingest, completion and
//! failures that count clips, progress counts, labelled clip rows, and clip reuse keyed on
//! (detector fingerprint, perturbation, content key).

use crate::support::*;
use dfbench_benchmarks::card::clip::InputKind;
use dfbench_benchmarks::{FailureKind, Label, Sample};
use dfbench_store::*;

store_contract! {
    clips_are_leased_ingested_and_completed,
    failed_shards_record_their_missing_clips,
    reruns_reuse_clips_by_content,
}

/// Frame `index` of video `video` (`vid/a` or `vid/b`) of dataset `vid`.
fn frame(video: &str, index: u32, label: Label) -> Sample {
    Sample {
        video_key: format!("vid/{video}"),
        frame_index: Some(index),
        ..sample("vid", &format!("{video}/{index}.png"), label)
    }
}

/// Video `vid/a` (fake, frames 0-3) in shard 0 and `vid/b` (real, frames 0-1) in shard 1;
/// image detector `img` and clip detector `clip` (2 frames a clip). `vid/a` gives clips 0
/// (frames 0, 1) and 1 (frames 2, 3) with content keys `keys`; `vid/b` is planned as a
/// `video_too_short` failure.
fn clip_plan(run_id: &str, at: i64, keys: [&str; 2]) -> RunPlan {
    let too_short = PlannedClip {
        detector: "clip".into(),
        video_key: "vid/b".into(),
        clip_index: 0,
        sample_indices: Vec::new(),
        video_sample: 4,
        first_frame: 0,
        last_frame: 0,
        content_key: String::new(),
        planned_failure: Some((
            FailureKind::VideoTooShort,
            "vid/b has 1 selected frame, a clip needs 2".into(),
        )),
    };
    let mut samples: Vec<Sample> = (0..4).map(|i| frame("a", i, Label::Fake)).collect();
    samples.extend((0..2).map(|i| frame("b", i, Label::Real)));
    let shards = vec![
        PlannedShard {
            clips: vec![
                clip_of_a(0, vec![0, 1], keys[0].into()),
                clip_of_a(1, vec![2, 3], keys[1].into()),
            ],
            ..shard("vid", "none", vec![0, 1, 2, 3])
        },
        PlannedShard {
            clips: vec![too_short],
            ..shard("vid", "none", vec![4, 5])
        },
    ];
    video_plan((run_id, "clips", at), samples, shards, 2)
}

const KEYS: [&str; 2] = ["ka0", "ka1"];

/// The sample ids of `assignment` whose paths are `paths`, in that order.
fn ids_of(assignment: &ShardAssignment, paths: &[&str]) -> Vec<SampleId> {
    paths
        .iter()
        .map(|path| {
            let (id, _) = assignment
                .samples
                .iter()
                .find(|(_, p)| p == path)
                .unwrap_or_else(|| panic!("{path} is not in the lease"));
            id.clone()
        })
        .collect()
}

fn paths_of(assignment: &ShardAssignment) -> Vec<&str> {
    let mut paths: Vec<&str> = assignment.samples.iter().map(|(_, p)| p.as_str()).collect();
    paths.sort();
    paths
}

fn clip_outcome(video: &str, index: i64, outcome: Outcome) -> NewClipPrediction {
    NewClipPrediction {
        detector: "clip".into(),
        detector_fingerprint: "f-clip".into(),
        video_key: video.into(),
        clip_index: index,
        outcome,
        latency_us: 7,
    }
}

/// Score 0.5 from `img` for every leased sample.
fn image_scores(assignment: &ShardAssignment) -> Vec<NewPrediction> {
    assignment
        .samples
        .iter()
        .map(|(sample_id, _)| NewPrediction {
            sample_id: sample_id.clone(),
            detector: "img".into(),
            detector_fingerprint: "f-img".into(),
            outcome: Outcome::Score(0.5),
            latency_us: 1,
        })
        .collect()
}

/// `video#clip frames first-last label L: outcome by worker`.
fn describe(row: &ClipPredictionRow) -> String {
    let outcome = match (&row.outcome.score, &row.outcome.failure_kind) {
        (Some(score), _) => format!("score {score}"),
        (None, Some(kind)) => format!(
            "{kind} ({})",
            row.outcome.failure_message.as_deref().unwrap_or_default()
        ),
        (None, None) => "nothing".into(),
    };
    format!(
        "{}#{} frames {}-{} label {}: {outcome} by {}",
        row.video_key,
        row.clip_index,
        row.first_frame,
        row.last_frame,
        row.labels.label,
        row.outcome.worker_id
    )
}

fn decode_error(message: &str) -> Outcome {
    Outcome::Failure {
        kind: FailureKind::DecodeError,
        message: message.into(),
    }
}

/// Leases the next shard as `worker`, scores its samples with `img` and reports `clips`, then
/// completes it; returns the assignment.
async fn compute_shard(
    store: &dyn Store,
    worker: &str,
    now: i64,
    clips: &[NewClipPrediction],
) -> ShardAssignment {
    let owner = owner(worker, 1);
    let assignment = lease_next(store, &owner, now, 60_000).await;
    let lease = lease_of(&assignment, &owner);
    if assignment.detectors.iter().any(|d| d.name == "img") {
        store
            .ingest_predictions(&lease, &image_scores(&assignment))
            .await
            .expect("ingest predictions");
    }
    store
        .ingest_clip_predictions(&lease, clips)
        .await
        .expect("ingest clips");
    store.complete_shard(&lease, now).await.expect("complete");
    assignment
}

/// The lease carries the owed clips with their frames in order; ingest takes exactly the owed
/// clips, fenced; completion waits for them; progress and `clip_predictions` count them.
async fn clips_are_leased_ingested_and_completed(store: &dyn Store) {
    let t0 = 5_000_000;
    store
        .create_run(&clip_plan("c-1", t0, KEYS))
        .await
        .expect("create run");
    let run_id = RunId("c-1".into());
    let detectors = store.run(&run_id).await.expect("run").detectors;
    let inputs: Vec<(&str, InputKind)> = detectors
        .iter()
        .map(|d| (d.name.as_str(), d.input))
        .collect();
    assert_eq!(
        inputs,
        [("clip", InputKind::Clip), ("img", InputKind::Image)]
    );
    let progress = store.run_progress(&run_id).await.expect("progress");
    assert_eq!(progress.predictions_expected, 6, "image detectors only");
    assert_eq!(
        (
            progress.clips,
            progress.clip_failures,
            progress.clips_expected
        ),
        (1, 1, 3),
        "the video_too_short failure is stored at creation"
    );

    let alice = owner("alice", 1);
    let first = lease_next(store, &alice, t0, 60_000).await;
    let lease = lease_of(&first, &alice);
    let expected = vec![
        ClipAssignment {
            detector: "clip".into(),
            video_key: "vid/a".into(),
            clip_index: 0,
            sample_ids: ids_of(&first, &["a/0.png", "a/1.png"]),
        },
        ClipAssignment {
            detector: "clip".into(),
            video_key: "vid/a".into(),
            clip_index: 1,
            sample_ids: ids_of(&first, &["a/2.png", "a/3.png"]),
        },
    ];
    assert_eq!(first.clips, expected);
    store
        .ingest_predictions(&lease, &image_scores(&first))
        .await
        .expect("ingest predictions");
    // A clip detector's scores are clip outcomes: per-sample ones would count as predictions.
    let per_sample = NewPrediction {
        detector: "clip".into(),
        ..image_scores(&first)[0].clone()
    };
    let error = store
        .ingest_predictions(&lease, &[per_sample])
        .await
        .expect_err("a clip detector scores no samples");
    assert!(error.to_string().contains("scores clips"), "{error}");
    let incomplete = store
        .complete_shard(&lease, t0)
        .await
        .expect_err("clips are missing");
    assert!(
        matches!(
            incomplete,
            StoreError::IncompleteShard {
                missing: 0,
                missing_clips: 2,
                ..
            }
        ),
        "{incomplete}"
    );

    // Clips the shard does not owe, and invalid outcomes, are refused and name the clip.
    let nan = f64::NAN;
    let foreign = [
        (clip_outcome("vid/a", 2, Outcome::Score(0.5)), "clip 2"),
        (clip_outcome("vid/b", 0, Outcome::Score(0.5)), "vid/b"),
        (
            NewClipPrediction {
                detector: "img".into(),
                ..clip_outcome("vid/a", 0, Outcome::Score(0.5))
            },
            "scores images",
        ),
        (
            NewClipPrediction {
                detector: "nope".into(),
                ..clip_outcome("vid/a", 0, Outcome::Score(0.5))
            },
            "not part of this run",
        ),
        (clip_outcome("vid/a", 0, Outcome::Score(1.5)), "1.5"),
        (clip_outcome("vid/a", 0, Outcome::Score(nan)), "NaN"),
        (
            clip_outcome(
                "vid/a",
                0,
                Outcome::Failure {
                    kind: FailureKind::Other(String::new()),
                    message: "?".into(),
                },
            ),
            "no kind",
        ),
    ];
    for (clip, says) in foreign {
        let error = store
            .ingest_clip_predictions(&lease, std::slice::from_ref(&clip))
            .await
            .expect_err("refused");
        assert!(
            matches!(error, StoreError::InvalidPrediction { .. })
                && error.to_string().contains(says),
            "{clip:?}: {error}"
        );
    }
    let stale = LeaseRef {
        epoch: LeaseEpoch(first.epoch.0 + 1),
        ..lease.clone()
    };
    let error = store
        .ingest_clip_predictions(&stale, &[clip_outcome("vid/a", 0, Outcome::Score(0.9))])
        .await
        .expect_err("fenced");
    assert!(matches!(error, StoreError::StaleLease { .. }), "{error}");

    let owed = [
        clip_outcome("vid/a", 0, Outcome::Score(0.9)),
        clip_outcome("vid/a", 1, decode_error("a/3.png: truncated")),
    ];
    assert_eq!(
        store
            .ingest_clip_predictions(&lease, &owed)
            .await
            .expect("ingest clips"),
        2
    );
    assert_eq!(
        store
            .ingest_clip_predictions(&lease, &owed)
            .await
            .expect("re-deliver"),
        0
    );
    store.complete_shard(&lease, t0).await.expect("complete");

    // The too-short video's shard owes image predictions only.
    let second = lease_next(store, &alice, t0, 60_000).await;
    assert!(second.clips.is_empty(), "{:?}", second.clips);
    let names: Vec<&str> = second.detectors.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["img"]);
    let lease = lease_of(&second, &alice);
    store
        .ingest_predictions(&lease, &image_scores(&second))
        .await
        .expect("ingest predictions");
    store.complete_shard(&lease, t0).await.expect("complete");

    let progress = store.run_progress(&run_id).await.expect("progress");
    assert_eq!(progress.status, "done");
    assert_eq!(
        (
            progress.predictions,
            progress.clips,
            progress.clip_failures,
            progress.clips_reused,
            progress.clips_expected
        ),
        (6, 3, 2, 0, 3)
    );
    let rows = store.clip_predictions(&run_id).await.expect("clip rows");
    let summary: Vec<String> = rows.iter().map(describe).collect();
    assert_eq!(
        summary,
        [
            "vid/a#0 frames 0-1 label 1: score 0.9 by alice",
            "vid/a#1 frames 2-3 label 1: decode_error (a/3.png: truncated) by alice",
            "vid/b#0 frames 0-0 label 0: video_too_short (vid/b has 1 selected frame, a clip needs 2) by ",
        ]
    );
    let first_row = &rows[0];
    assert_eq!(
        (
            first_row.detector.as_str(),
            first_row.detector_fingerprint.as_str(),
            first_row.dataset.as_str(),
            first_row.perturbation.as_str(),
            first_row.labels.method.as_str(),
            first_row.labels.split.as_str(),
            first_row.outcome.reused_from.as_deref()
        ),
        ("clip", "f-clip", "vid", "none", "m", "test", None)
    );
}

/// A shard failed for good, or a run failed for want of workers, records every clip it still
/// owes with the failure's kind.
async fn failed_shards_record_their_missing_clips(store: &dyn Store) {
    let t0 = 6_000_000;
    store
        .create_run(&clip_plan("c-2", t0, KEYS))
        .await
        .expect("create run");
    let run_id = RunId("c-2".into());
    let alice = owner("alice", 1);
    let failure = ShardFailure {
        retryable: true,
        kind: FailureKind::ForwardError,
        message: "out of memory".into(),
    };
    // First attempt: one clip reported, then given back (retried).
    let first = lease_next(store, &alice, t0, 60_000).await;
    let lease = lease_of(&first, &alice);
    store
        .ingest_clip_predictions(&lease, &[clip_outcome("vid/a", 0, Outcome::Score(0.3))])
        .await
        .expect("ingest clip");
    let progress = fail_then_progress(store, &lease, &failure, t0, &run_id).await;
    assert_eq!((progress.clips, progress.clip_failures), (2, 1), "retried");
    // The retry carries only the clip still owed; at max attempts the shard fails for good.
    let later = t0 + 60_000;
    let retry = lease_next(store, &alice, later, 60_000).await;
    assert_eq!(retry.shard_id, first.shard_id);
    let owed: Vec<i64> = retry.clips.iter().map(|c| c.clip_index).collect();
    assert_eq!(owed, [1]);
    let retry_lease = lease_of(&retry, &alice);
    let progress = fail_then_progress(store, &retry_lease, &failure, later, &run_id).await;
    let clips = [progress.clips, progress.clip_failures];
    assert_eq!(
        (progress.shards_failed, clips, progress.clips_expected),
        (1, [3, 2], 3)
    );
    let rows = store.clip_predictions(&run_id).await.expect("clip rows");
    let outcomes: Vec<String> = rows
        .iter()
        .filter(|row| row.video_key == "vid/a")
        .map(describe)
        .collect();
    assert_eq!(
        outcomes,
        [
            "vid/a#0 frames 0-1 label 1: score 0.3 by alice",
            "vid/a#1 frames 2-3 label 1: forward_error (out of memory) by alice",
        ]
    );

    // A run no worker takes: its clips are recorded as no_workers failures too.
    store
        .create_run(&clip_plan("c-3", t0 + 1, KEYS))
        .await
        .expect("create run");
    let failed = store
        .fail_runs_without_workers(t0 + 10, t0 + 11, "no worker for 5s")
        .await
        .expect("stall");
    assert!(failed.contains(&RunId("c-3".into())), "{failed:?}");
    let stalled = RunId("c-3".into());
    let progress = store.run_progress(&stalled).await.expect("progress");
    assert_eq!(
        (
            progress.clips,
            progress.clip_failures,
            progress.clips_expected
        ),
        (3, 3, 3)
    );
    assert_eq!(progress.predictions, progress.predictions_expected);
    let kinds: Vec<String> = store
        .clip_predictions(&stalled)
        .await
        .expect("clip rows")
        .iter()
        .map(describe)
        .collect();
    assert_eq!(
        kinds[..2],
        [
            "vid/a#0 frames 0-1 label 1: no_workers (no worker for 5s) by ",
            "vid/a#1 frames 2-3 label 1: no_workers (no worker for 5s) by ",
        ]
    );
}

/// An unchanged rerun reuses every clip outcome (and is done at once); a rerun where one clip's
/// frames changed recomputes that clip only; a clip without content key is never reused.
async fn reruns_reuse_clips_by_content(store: &dyn Store) {
    let t0 = 7_000_000;
    store
        .create_run_with(&clip_plan("r-1", t0, KEYS), &reuse())
        .await
        .expect("create r-1");
    compute_shard(
        store,
        "alice",
        t0,
        &[
            clip_outcome("vid/a", 0, Outcome::Score(0.9)),
            clip_outcome("vid/a", 1, decode_error("a/3.png: truncated")),
        ],
    )
    .await;
    compute_shard(store, "alice", t0, &[]).await;

    let unchanged = store
        .create_run_with(&clip_plan("r-2", t0 + 1, KEYS), &reuse())
        .await
        .expect("create r-2");
    assert_eq!(
        unchanged,
        CreatedRun {
            reused: 6,
            clips_reused: 2,
            shards_done: 2,
            finished: true
        }
    );
    let run_2 = RunId("r-2".into());
    let progress = store.run_progress(&run_2).await.expect("progress");
    assert_eq!(
        (
            progress.clips,
            progress.clips_reused,
            progress.clip_failures
        ),
        (3, 2, 2)
    );
    let rows = store.clip_predictions(&run_2).await.expect("clip rows");
    let reused: Vec<(i64, Option<&str>, Option<f64>)> = rows
        .iter()
        .filter(|row| row.video_key == "vid/a")
        .map(|row| {
            (
                row.clip_index,
                row.outcome.reused_from.as_deref(),
                row.outcome.score,
            )
        })
        .collect();
    assert_eq!(
        reused,
        [(0, Some("r-1"), Some(0.9)), (1, Some("r-1"), None)]
    );

    // Clip 1's frames changed: only it is leased, with only its frames.
    let changed = store
        .create_run_with(&clip_plan("r-3", t0 + 2, ["ka0", "ka1-new"]), &reuse())
        .await
        .expect("create r-3");
    assert_eq!(
        (changed.reused, changed.clips_reused, changed.shards_done),
        (6, 1, 1)
    );
    let bob = owner("bob", 1);
    let lease = lease_next(store, &bob, t0 + 2, 60_000).await;
    let names: Vec<&str> = lease.detectors.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["clip"]);
    assert_eq!(paths_of(&lease), ["a/2.png", "a/3.png"]);
    let owed: Vec<i64> = lease.clips.iter().map(|c| c.clip_index).collect();
    assert_eq!(owed, [1]);
    let lease_ref = lease_of(&lease, &bob);
    store
        .ingest_clip_predictions(&lease_ref, &[clip_outcome("vid/a", 1, Outcome::Score(0.2))])
        .await
        .expect("ingest");
    store
        .complete_shard(&lease_ref, t0 + 2)
        .await
        .expect("complete");
    let progress = store
        .run_progress(&RunId("r-3".into()))
        .await
        .expect("progress");
    assert_eq!(progress.status, "done");
    assert_eq!((progress.clips, progress.clips_reused), (3, 1));

    // Clip 0 without content key is recomputed though its frames are the same.
    let unkeyed = store
        .create_run_with(&clip_plan("r-4", t0 + 3, ["", "ka1-new"]), &reuse())
        .await
        .expect("create r-4");
    assert_eq!(unkeyed.clips_reused, 1);
    let lease = lease_next(store, &bob, t0 + 3, 60_000).await;
    let owed: Vec<i64> = lease.clips.iter().map(|c| c.clip_index).collect();
    assert_eq!(owed, [0]);
    assert_eq!(paths_of(&lease), ["a/0.png", "a/1.png"]);
}
