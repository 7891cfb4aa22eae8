//! Releasing a shard (its worker was preempted): ready again at once for another worker,
//! with no failure or loss counted however often it happens, predictions kept, fenced.

use crate::support::*;
use dfbench_store::*;

store_contract! {
    released_shards_are_requeued_without_a_failure,
}

/// A shard released more often than its failure and loss budgets allow is still leased again
/// at the same instant, keeps what was scored before each release, and finishes with no failed
/// prediction; a release on an ended lease is stale.
async fn released_shards_are_requeued_without_a_failure(store: &dyn Store) {
    store.create_run(&plan("run-r", 100)).await.expect("create");
    let mut assignment = lease_next(store, &owner("w0", 1), 100, 1_000).await;
    let shard_id = assignment.shard_id.clone();
    // Three releases, past both budgets (two attempts, two losses), by three workers.
    for round in 0..3u64 {
        let holder = owner(&format!("w{round}"), round + 1);
        let lease = lease_of(&assignment, &holder);
        if round == 0 {
            // One of the four (sample, detector) pairs scored before the first preemption.
            store
                .ingest_predictions(&lease, &scores(&assignment)[..1])
                .await
                .expect("ingest");
        }
        store.release_shard(&lease, 100).await.expect("release");
        let stale = store
            .release_shard(&lease, 100)
            .await
            .expect_err("the lease ended with the release");
        assert!(matches!(stale, StoreError::StaleLease { .. }), "{stale}");
        let next = owner(&format!("w{}", round + 1), round + 2);
        assignment = lease_next(store, &next, 100, 1_000).await;
        assert_eq!(
            assignment.shard_id, shard_id,
            "the released shard is ready at once, first in line"
        );
    }
    let finisher = owner("w3", 4);
    let lease = lease_of(&assignment, &finisher);
    store
        .ingest_predictions(&lease, &scores(&assignment))
        .await
        .expect("ingest the rest");
    store.complete_shard(&lease, 100).await.expect("complete");
    let progress = store
        .run_progress(&RunId("run-r".into()))
        .await
        .expect("progress");
    assert_eq!(
        (
            progress.shards_done,
            progress.shards_failed,
            progress.predictions,
            progress.prediction_failures
        ),
        (1, 0, 4, 0)
    );
}
