//! Large prediction batches (PostgreSQL's COPY path) against real databases: exact values
//! survive (scores bit for bit, failure messages with tabs, newlines and backslashes),
//! re-delivered batches insert only what is new, and a stale lease writes nothing. Planning
//! more shards than one multi-row insert holds attaches every sample to its planned shard.

use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::{Label, Sample};
use dfbench_store::testing::fresh_postgres_url;
use dfbench_store::*;

const SAMPLES: usize = 600;

fn plan(run_id: &str) -> RunPlan {
    let samples: Vec<Sample> = (0..SAMPLES)
        .map(|index| Sample {
            dataset: "d".into(),
            subset: "s".into(),
            rel_path: format!("{index:04}.png"),
            label: if index % 2 == 0 {
                Label::Real
            } else {
                Label::Fake
            },
            label_group: "g".into(),
            method: "m".into(),
            split: "test".into(),
            compression: "raw".into(),
            video_key: format!("v{index}"),
            frame_index: None,
        })
        .collect();
    RunPlan {
        run: RunRecord {
            id: RunId(run_id.into()),
            name: "bulk".into(),
            suite_name: "bulk".into(),
            suite_toml: String::new(),
            suite_hash: String::new(),
            data_root: "/".into(),
            dfbench_version: "0".into(),
            status: RunStatus::Running,
            error: None,
            created_at_ms: 1,
            finished_at_ms: None,
            requires: Vec::new(),
        },
        datasets: vec![DatasetRecord {
            name: "d".into(),
            format: "folder".into(),
            root: "/".into(),
            fingerprint: "fp".into(),
            samples: SAMPLES as i64,
        }],
        detectors: vec![DetectorRecord::builtin("x")],
        samples,
        contents: Vec::new(),
        shards: vec![PlannedShard {
            dataset: "d".into(),
            perturbation: "jpeg:q=75".into(),
            sample_indices: (0..SAMPLES).collect(),
        }],
        max_attempts: 3,
        max_losses: 3,
    }
}

/// Every third sample fails with an awkward message; the others get awkward scores.
fn batch(assignment: &ShardAssignment) -> Vec<NewPrediction> {
    assignment
        .samples
        .iter()
        .enumerate()
        .map(|(index, (sample_id, _))| NewPrediction {
            sample_id: sample_id.clone(),
            detector: "x".into(),
            detector_fingerprint: "builtin:x\\v1".into(),
            outcome: if index % 3 == 0 {
                Outcome::Failure {
                    kind: FailureKind::DecodeError,
                    message: format!("bad\tfile\nline {index} \\N \r end"),
                }
            } else {
                Outcome::Score(1.0 / (index as f64 + 3.0))
            },
            latency_us: index as i64,
        })
        .collect()
}

async fn exercise(url: &str) {
    let store = open_store(url).await.expect("open store");
    store.create_run(&plan("bulk")).await.expect("create run");
    let alice = LeaseOwner {
        worker_id: "alice\tw".into(),
        incarnation: 7,
    };
    let assignment = store
        .acquire_shard(&alice, 10, 60_000)
        .await
        .expect("acquire")
        .expect("a shard");
    let lease = LeaseRef {
        shard_id: assignment.shard_id.clone(),
        epoch: assignment.epoch.clone(),
        owner: alice.clone(),
    };
    let predictions = batch(&assignment);
    let stale = LeaseRef {
        epoch: LeaseEpoch(assignment.epoch.0 + 1),
        ..lease.clone()
    };
    let refused = store
        .ingest_predictions(&stale, &predictions[..300])
        .await
        .expect_err("stale epoch");
    assert!(
        matches!(refused, StoreError::StaleLease { .. }),
        "{refused}"
    );
    assert_eq!(
        store
            .ingest_predictions(&lease, &predictions[..300])
            .await
            .expect("first half"),
        300
    );
    // Re-delivery of everything: only the second half is new.
    assert_eq!(
        store
            .ingest_predictions(&lease, &predictions)
            .await
            .expect("all, again"),
        300
    );
    assert_eq!(
        store
            .ingest_predictions(&lease, &predictions)
            .await
            .expect("all, a third time"),
        0
    );
    store.complete_shard(&lease, 20).await.expect("complete");
    let stored = store
        .predictions(&RunId("bulk".into()))
        .await
        .expect("read back");
    assert_eq!(stored.len(), SAMPLES);
    let mut by_path: std::collections::HashMap<String, &PredictionRow> = stored
        .iter()
        .map(|row| (row.rel_path.clone(), row))
        .collect();
    for (index, prediction) in predictions.iter().enumerate() {
        let row = by_path
            .remove(&format!("{index:04}.png"))
            .expect("every sample stored once");
        let (score, kind, message) = prediction.outcome.columns();
        assert_eq!(row.score.map(f64::to_bits), score.map(f64::to_bits));
        assert_eq!(row.failure_kind.as_ref().map(FailureKind::as_str), kind);
        assert_eq!(row.failure_message.as_deref(), message);
        assert_eq!(row.detector_fingerprint, "builtin:x\\v1");
        assert_eq!(row.perturbation, "jpeg:q=75");
        assert_eq!(row.worker_id, "alice\tw");
    }
    let progress = store
        .run_progress(&RunId("bulk".into()))
        .await
        .expect("progress");
    assert_eq!(progress.status, "done");
    assert_eq!(progress.predictions, SAMPLES as i64);
}

#[tokio::test]
async fn sqlite_bulk_ingest() {
    let dir = tempfile::tempdir().expect("tempdir");
    exercise(&format!("sqlite:{}", dir.path().join("b.db").display())).await;
}

#[tokio::test]
async fn postgres_bulk_ingest() {
    let Some(url) = fresh_postgres_url("postgres_bulk_ingest")
        .await
        .expect("postgres")
    else {
        return;
    };
    exercise(&url).await;
}

/// 1,500 shards (two multi-row inserts) of different perturbations and sizes: leased in plan
/// order, each holds exactly the samples planned for it.
async fn many_shards(url: &str) {
    let store = open_store(url).await.expect("open store");
    let mut planned = plan("many");
    planned.shards = (0..1_500)
        .map(|index| PlannedShard {
            dataset: "d".into(),
            perturbation: format!("jpeg:q={}", 50 + index % 7),
            sample_indices: (0..1 + index % 3)
                .map(|k| (index + k * 7) % SAMPLES)
                .collect(),
        })
        .collect();
    store.create_run(&planned).await.expect("create run");
    let owner = LeaseOwner {
        worker_id: "w".into(),
        incarnation: 1,
    };
    for shard in &planned.shards {
        let assignment = store
            .acquire_shard(&owner, 10, 60_000)
            .await
            .expect("acquire")
            .expect("a shard");
        assert_eq!(assignment.perturbation, shard.perturbation);
        let mut expected: Vec<String> = shard
            .sample_indices
            .iter()
            .map(|index| format!("{index:04}.png"))
            .collect();
        expected.sort();
        let mut leased: Vec<String> = assignment
            .samples
            .iter()
            .map(|(_, path)| path.clone())
            .collect();
        leased.sort();
        assert_eq!(leased, expected, "shard {:?}", assignment.shard_id);
    }
    assert!(
        store
            .acquire_shard(&owner, 10, 60_000)
            .await
            .expect("acquire")
            .is_none()
    );
}

#[tokio::test]
async fn sqlite_many_shards() {
    let dir = tempfile::tempdir().expect("tempdir");
    many_shards(&format!("sqlite:{}", dir.path().join("m.db").display())).await;
}

#[tokio::test]
async fn postgres_many_shards() {
    let Some(url) = fresh_postgres_url("postgres_many_shards")
        .await
        .expect("postgres")
    else {
        return;
    };
    many_shards(&url).await;
}
