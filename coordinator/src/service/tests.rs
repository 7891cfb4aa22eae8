//! `ReportPredictions`' clip half: clip outcomes of a batch reach the store through
//! `ingest_clip_predictions`, a clip without an outcome or one the shard does not owe is
//! `InvalidArgument`, and the shard completes once its clips are in.

use super::*;
use dfbench_benchmarks::card::clip::InputKind;
use dfbench_benchmarks::{Label, Sample};
use dfbench_store::{
    DatasetRecord, DetectorRecord, PlannedClip, PlannedShard, RunPlan, RunRecord, RunStatus,
    SqliteStore,
};
use tonic::Code;

fn frame(index: u32) -> Sample {
    Sample {
        dataset: "vid".into(),
        subset: "s".into(),
        rel_path: format!("a/{index}.png"),
        label: Label::Fake,
        label_group: "g".into(),
        method: "m".into(),
        split: "test".into(),
        compression: "raw".into(),
        video_key: "vid/a".into(),
        frame_index: Some(index),
        reads: dfbench_benchmarks::FrameReads::Both,
        published_md5: None,
    }
}

/// One shard: video `vid/a` of two frames, one clip of both for clip detector `clip`.
fn plan() -> RunPlan {
    RunPlan {
        run: RunRecord {
            id: RunId("run".into()),
            name: "clips".into(),
            suite_name: "clips".into(),
            suite_toml: String::new(),
            suite_hash: "h".into(),
            data_root: "/".into(),
            dfbench_version: "0".into(),
            status: RunStatus::Running,
            error: None,
            created_at_ms: 1,
            finished_at_ms: None,
            requires: Vec::new(),
        },
        datasets: vec![DatasetRecord {
            name: "vid".into(),
            format: "dfb".into(),
            root: "/data".into(),
            fingerprint: "f".into(),
            samples: 2,
            exif_orientation: "ignore".into(),
            max_pixels: 64_000_000,
        }],
        detectors: vec![DetectorRecord {
            input: InputKind::Clip,
            ..DetectorRecord::builtin("clip")
        }],
        samples: vec![frame(0), frame(1)],
        contents: Vec::new(),
        shards: vec![PlannedShard {
            dataset: "vid".into(),
            perturbation: "none".into(),
            sample_indices: vec![0, 1],
            clips: vec![PlannedClip {
                detector: "clip".into(),
                video_key: "vid/a".into(),
                clip_index: 0,
                sample_indices: vec![0, 1],
                video_sample: 0,
                first_frame: 0,
                last_frame: 1,
                content_key: "k".into(),
                planned_failure: None,
            }],
        }],
        sample_failures: Vec::new(),
        max_attempts: 2,
        max_losses: 2,
    }
}

fn clip(index: u32, outcome: Option<PbClipOutcome>) -> pb::ClipPrediction {
    pb::ClipPrediction {
        detector: "clip".into(),
        video_key: "vid/a".into(),
        clip_index: index,
        outcome,
        latency_us: 3,
        detector_fingerprint: "fp".into(),
    }
}

#[tokio::test]
async fn clip_outcomes_are_stored_checked_and_complete_the_shard() {
    let folder = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:{}", folder.path().join("store.db").display());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::connect(&url).await.expect("store"));
    store.create_run(&plan()).await.expect("create run");
    let owner = LeaseOwner {
        worker_id: "w".into(),
        incarnation: 1,
    };
    let assignment = store
        .acquire_shard(&owner, 10, 60_000)
        .await
        .expect("acquire")
        .expect("a shard");
    assert_eq!(assignment.clips.len(), 1);
    let lease = LeaseRef {
        shard_id: assignment.shard_id,
        epoch: assignment.epoch,
        owner,
    };
    let timings = ServiceTimings {
        heartbeat_interval: Duration::from_secs(1),
        lease_ttl: Duration::from_secs(60),
        acquire_wait: Duration::from_millis(1),
        watch_interval: Duration::from_millis(10),
    };
    let metrics = Arc::new(CoordinatorMetrics::default());
    let service = CoordinatorService::new(
        Arc::clone(&store),
        timings,
        Arc::new(Notify::new()),
        Arc::clone(&metrics),
    );

    let missing = service
        .ingest_clips(&lease, vec![clip(0, None)])
        .await
        .expect_err("no outcome");
    assert_eq!(missing.code(), Code::InvalidArgument);
    assert!(
        missing.message().contains("clip 0 of video `vid/a`"),
        "{missing:?}"
    );
    let foreign = service
        .ingest_clips(&lease, vec![clip(1, Some(PbClipOutcome::Score(0.5)))])
        .await
        .expect_err("not owed");
    assert_eq!(foreign.code(), Code::InvalidArgument);
    assert!(foreign.message().contains("clip 1"), "{foreign:?}");
    let early = service
        .complete(&lease, None)
        .await
        .expect_err("clip missing");
    assert_eq!(early.code(), Code::FailedPrecondition);
    assert!(early.message().contains("1 clip outcomes"), "{early:?}");

    let failure = pb::Failure {
        kind: FailureKind::DecodeError.to_string(),
        message: "a/1.png: truncated".into(),
    };
    let stored = service
        .ingest_clips(&lease, vec![clip(0, Some(PbClipOutcome::Failure(failure)))])
        .await
        .expect("ingest");
    assert_eq!(stored, 1);
    assert_eq!(
        metrics
            .clip_predictions_ingested
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
    service.complete(&lease, None).await.expect("complete");
    let rows = store
        .clip_predictions(&RunId("run".into()))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].outcome.failure_message.as_deref(),
        Some("a/1.png: truncated")
    );
    assert_eq!(rows[0].detector_fingerprint, "fp");
}
