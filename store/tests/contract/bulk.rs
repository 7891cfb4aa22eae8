//! Large prediction batches (PostgreSQL's COPY path): exact values survive (scores bit for
//! bit, failure messages with tabs, newlines and backslashes), re-delivered batches insert only
//! what is new, and a stale lease writes nothing. Planning more shards than one multi-row
//! insert holds attaches every sample to its planned shard.

use crate::support::*;
use dfbench_benchmarks::{FailureKind, Label};
use dfbench_store::*;

store_contract! {
    bulk_ingest,
    many_shards,
}

const SAMPLES: usize = 600;

/// One shard of `SAMPLES` samples of dataset `d` and one detector `x`.
fn bulk_plan(run_id: &str) -> RunPlan {
    let label = |index: usize| {
        if index.is_multiple_of(2) {
            Label::Real
        } else {
            Label::Fake
        }
    };
    RunPlan {
        run: run_record(run_id, "bulk", 1),
        datasets: vec![dataset("d", "fp", SAMPLES)],
        detectors: vec![DetectorRecord::builtin("x")],
        samples: (0..SAMPLES)
            .map(|index| sample("d", &format!("{index:04}.png"), label(index)))
            .collect(),
        contents: Vec::new(),
        shards: vec![shard("d", "jpeg:q=75", (0..SAMPLES).collect())],
        sample_failures: Vec::new(),
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

/// Exact values survive a large batch; re-delivery inserts only what is new; a stale lease
/// writes nothing.
async fn bulk_ingest(store: &dyn Store) {
    store
        .create_run(&bulk_plan("bulk"))
        .await
        .expect("create run");
    let alice = owner("alice\tw", 7);
    let assignment = lease_next(store, &alice, 10, 60_000).await;
    let lease = lease_of(&assignment, &alice);
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
        assert_eq!(row.outcome.score.map(f64::to_bits), score.map(f64::to_bits));
        assert_eq!(
            row.outcome.failure_kind.as_ref().map(FailureKind::as_str),
            kind
        );
        assert_eq!(row.outcome.failure_message.as_deref(), message);
        assert_eq!(row.detector_fingerprint, "builtin:x\\v1");
        assert_eq!(row.perturbation, "jpeg:q=75");
        assert_eq!(row.outcome.worker_id, "alice\tw");
    }
    let progress = store
        .run_progress(&RunId("bulk".into()))
        .await
        .expect("progress");
    assert_eq!(progress.status, "done");
    assert_eq!(progress.predictions, SAMPLES as i64);
}

/// 1,500 shards (two multi-row inserts) of different perturbations and sizes: leased in plan
/// order, each holds exactly the samples planned for it.
async fn many_shards(store: &dyn Store) {
    let mut planned = bulk_plan("many");
    planned.shards = (0..1_500)
        .map(|index| PlannedShard {
            dataset: "d".into(),
            perturbation: format!("jpeg:q={}", 50 + index % 7),
            sample_indices: (0..1 + index % 3)
                .map(|k| (index + k * 7) % SAMPLES)
                .collect(),
            clips: Vec::new(),
        })
        .collect();
    store.create_run(&planned).await.expect("create run");
    let owner = owner("w", 1);
    for shard in &planned.shards {
        let assignment = lease_next(store, &owner, 10, 60_000).await;
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
    assert!(try_lease(store, &owner, 10, 60_000).await.is_none());
}
