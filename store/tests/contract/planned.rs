//! Samples planning already knows the outcome of (`RunPlan::sample_failures`, e.g. a file whose
//! published checksum does not match): stored as that failure for every image detector when
//! the run is created, never leased for model work, counted by progress; a shard of such
//! samples alone is created done.

use crate::support::*;
use dfbench_benchmarks::FailureKind;
use dfbench_store::*;

store_contract! {
    planned_sample_failures_are_stored_and_never_leased,
    a_failure_beyond_the_plan_is_refused,
}

fn mismatch(sample: usize) -> PlannedSampleFailure {
    PlannedSampleFailure {
        sample,
        kind: FailureKind::ChecksumMismatch,
        message: format!("sample {sample}: MD5 differs"),
    }
}

/// Sample 1 shares its shard with sample 0; sample 2 is its shard's only sample.
async fn planned_sample_failures_are_stored_and_never_leased(store: &dyn Store) {
    let now = 1_000;
    let plan = RunPlan {
        sample_failures: vec![mismatch(1), mismatch(2)],
        ..plan("planned", now)
    };
    let created = store
        .create_run_with(&plan, &PlanOptions::default())
        .await
        .expect("create");
    assert_eq!(
        created.shards_done, 1,
        "the shard of sample 2 alone owes nothing"
    );
    let run_id = RunId("planned".into());
    let stored = store.predictions(&run_id).await.expect("predictions");
    let mut failed: Vec<(String, String, String)> = stored
        .iter()
        .map(|row| {
            let kind = row.outcome.failure_kind.as_ref().map(FailureKind::as_str);
            let message = row.outcome.failure_message.clone().unwrap_or_default();
            (
                row.detector.clone(),
                row.rel_path.clone(),
                format!("{kind:?} {message}"),
            )
        })
        .collect();
    failed.sort();
    assert_eq!(
        failed,
        [
            (
                "a",
                "1_fake/y.png",
                "Some(\"checksum_mismatch\") sample 1: MD5 differs"
            ),
            (
                "a",
                "1_fake/z.png",
                "Some(\"checksum_mismatch\") sample 2: MD5 differs"
            ),
            (
                "b",
                "1_fake/y.png",
                "Some(\"checksum_mismatch\") sample 1: MD5 differs"
            ),
            (
                "b",
                "1_fake/z.png",
                "Some(\"checksum_mismatch\") sample 2: MD5 differs"
            ),
        ]
        .map(|(d, p, o)| (d.to_string(), p.to_string(), o.to_string()))
    );

    // The one shard left carries sample 0 only; scoring it finishes the run.
    let owner = owner("w", 1);
    let assignment = lease_next(store, &owner, now, 60_000).await;
    let paths: Vec<&str> = assignment.samples.iter().map(|(_, p)| p.as_str()).collect();
    assert_eq!(paths, ["0_real/x.png"]);
    let lease = lease_of(&assignment, &owner);
    store
        .ingest_predictions(&lease, &scores(&assignment))
        .await
        .expect("ingest");
    store
        .complete_shard(&lease, now + 1)
        .await
        .expect("complete");
    assert!(try_lease(store, &owner, now + 2, 60_000).await.is_none());
    let progress = store.run_progress(&run_id).await.expect("progress");
    assert_eq!(
        (
            progress.status.as_str(),
            progress.predictions,
            progress.prediction_failures
        ),
        ("done", 6, 4)
    );
}

async fn a_failure_beyond_the_plan_is_refused(store: &dyn Store) {
    let plan = RunPlan {
        sample_failures: vec![mismatch(3)],
        ..plan("beyond", 1_000)
    };
    let error = store
        .create_run(&plan)
        .await
        .expect_err("index 3 of 3 samples");
    assert!(matches!(error, StoreError::InvalidPlan(_)), "{error}");
    assert_eq!(error.class(), ErrorClass::NotRetried);
    assert!(
        store.list_runs(10).await.expect("runs").is_empty(),
        "nothing stored"
    );
}
