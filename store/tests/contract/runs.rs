//! Runs: the sweep that finishes runs left running.

use crate::support::*;
use dfbench_store::*;

store_contract! {
    sweep_finishes_runs_left_running,
}

/// A coordinator that dies between a shard's commit and the run's completion check leaves a
/// run `running` with every shard ended; the supervisor's sweep finishes it, and only it.
async fn sweep_finishes_runs_left_running(db: &TestDb) {
    let store = db.store();
    store
        .create_run(&plan("swept", 1_000))
        .await
        .expect("create run");
    store
        .create_run(&plan("open", 1_000))
        .await
        .expect("create run");
    assert!(
        store
            .finish_complete_runs(2_000)
            .await
            .expect("sweep")
            .is_empty(),
        "runs with ready shards must stay running"
    );
    // The crash: shards marked done by a transaction that committed, no completion check.
    db.execute("UPDATE shards SET state = 'done' WHERE run_id = 'swept'")
        .await;
    let finished = store.finish_complete_runs(3_000).await.expect("sweep");
    assert_eq!(finished, vec![RunId("swept".into())]);
    let swept = store.run(&RunId("swept".into())).await.expect("run");
    assert_eq!(swept.run.status, RunStatus::Done);
    assert_eq!(swept.run.finished_at_ms, Some(3_000));
    let open = store.run(&RunId("open".into())).await.expect("run");
    assert_eq!(open.run.status, RunStatus::Running);
    assert!(
        store
            .finish_complete_runs(4_000)
            .await
            .expect("sweep")
            .is_empty()
    );
}
