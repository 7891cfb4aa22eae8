//! The lease state machine: grants bump the epoch, every worker write is fenced, expired
//! leases are reaped with backoff, shards fail for good at max attempts or losses with typed
//! failures, the last completion finishes its run, and a cancelled run leases nothing.

use crate::support::*;
use dfbench_benchmarks::FailureKind;
use dfbench_store::*;

store_contract! {
    lease_state_machine,
    last_completion_finishes_the_run,
    failures_capabilities_and_stalls,
    cancel_stops_leasing,
    non_retryable_failure_fails_at_once,
}

/// Grants, fencing, heartbeats, the reaper, typed failures at max losses, and metrics.
async fn lease_state_machine(store: &dyn Store) {
    let ttl = 1_000;
    let t0 = 1_000_000;
    store
        .create_run(&plan("run-1", t0))
        .await
        .expect("create run");
    let alice = owner("alice", 1);
    let bob = owner("bob", 2);

    // Grant bumps the epoch; predictions are idempotent; completion needs every prediction.
    let first = lease_next(store, &alice, t0, ttl).await;
    assert_eq!(first.epoch, LeaseEpoch(1));
    assert_eq!(first.samples.len(), 2);
    assert_eq!(first.detectors.len(), 2);
    let lease = lease_of(&first, &alice);
    let batch = scores(&first);
    let incomplete = store
        .complete_shard(&lease, t0)
        .await
        .expect_err("nothing reported yet");
    assert!(
        matches!(incomplete, StoreError::IncompleteShard { missing: 4, .. }),
        "{incomplete}"
    );
    assert_eq!(
        store
            .ingest_predictions(&lease, &batch[..2])
            .await
            .expect("ingest"),
        2
    );
    assert_eq!(
        store
            .ingest_predictions(&lease, &batch)
            .await
            .expect("re-deliver"),
        2
    );
    // All rows already there: nothing new, and not mistaken for a stale lease.
    assert_eq!(
        store
            .ingest_predictions(&lease, &batch)
            .await
            .expect("re-deliver again"),
        0
    );

    // A prediction for a sample outside the shard is rejected.
    let mut foreign = batch[0].clone();
    foreign.sample_id = SampleId(i64::MAX);
    let invalid = store
        .ingest_predictions(&lease, &[foreign])
        .await
        .expect_err("foreign sample");
    assert!(
        matches!(invalid, StoreError::InvalidPrediction { .. }),
        "{invalid}"
    );

    // The wrong incarnation (a restarted worker) is not the lease owner.
    let reborn = LeaseRef {
        owner: owner("alice", 99),
        ..lease.clone()
    };
    let stale = store
        .complete_shard(&reborn, t0)
        .await
        .expect_err("other incarnation");
    assert!(matches!(stale, StoreError::StaleLease { .. }), "{stale}");
    store.complete_shard(&lease, t0).await.expect("complete");

    // Second shard: the lease expires, the reaper re-queues it with backoff, bob takes it with
    // a higher epoch, and alice's late write is fenced off.
    let second = lease_next(store, &alice, t0, ttl).await;
    let alice_lease = lease_of(&second, &alice);
    assert!(
        try_lease(store, &bob, t0, ttl).await.is_none(),
        "nothing ready"
    );
    let revoked = store
        .heartbeat(
            &alice,
            &[(second.shard_id.clone(), second.epoch.clone())],
            t0 + 500,
            ttl,
        )
        .await
        .expect("heartbeat");
    assert!(revoked.revoked.is_empty(), "lease still held");
    assert!(revoked.unknown_worker, "alice never registered");
    assert_eq!(
        store.reap_expired_leases(t0 + 1_400).await.expect("reap"),
        0,
        "extended by heartbeat"
    );
    assert_eq!(
        store.reap_expired_leases(t0 + 1_600).await.expect("reap"),
        1
    );
    assert!(
        try_lease(store, &bob, t0 + 1_600, ttl).await.is_none(),
        "backoff"
    );
    let later = t0 + 1_600 + retry_backoff_ms(1);
    let retried = lease_next(store, &bob, later, ttl).await;
    assert_eq!(retried.shard_id, second.shard_id);
    assert_eq!(retried.epoch, LeaseEpoch(second.epoch.0 + 1));
    let late_write = store
        .ingest_predictions(&alice_lease, &scores(&second))
        .await
        .expect_err("fenced");
    assert!(
        matches!(late_write, StoreError::StaleLease { .. }),
        "{late_write}"
    );
    let revoked = store
        .heartbeat(
            &alice,
            &[(second.shard_id.clone(), second.epoch.clone())],
            later,
            ttl,
        )
        .await
        .expect("heartbeat");
    assert_eq!(revoked.revoked, vec![second.shard_id.clone()]);

    // Bob's lease expires too: at max attempts the shard fails and its predictions are recorded
    // as typed failures, so the run still ends with every (sample, detector) accounted for.
    assert_eq!(
        store
            .reap_expired_leases(later + ttl + 1)
            .await
            .expect("reap"),
        1
    );
    let progress = store
        .run_progress(&RunId("run-1".into()))
        .await
        .expect("progress");
    assert_eq!(progress.status, "done");
    assert_eq!(progress.shards_done, 1);
    assert_eq!(progress.shards_failed, 1);
    assert_eq!(progress.predictions, 6);
    assert_eq!(progress.predictions_expected, 6);
    assert_eq!(progress.prediction_failures, 2);
    let rows = store
        .predictions(&RunId("run-1".into()))
        .await
        .expect("predictions");
    let failed: Vec<_> = rows
        .iter()
        .filter(|row| row.outcome.failure_kind.is_some())
        .collect();
    assert_eq!(failed.len(), 2);
    assert!(failed.iter().all(
        |row| row.outcome.failure_kind == Some(FailureKind::LeaseExpired)
            && row.rel_path == "1_fake/z.png"
    ));
    let details = store.run(&RunId("run-1".into())).await.expect("run");
    assert_eq!(details.detectors[0].fingerprint.as_deref(), Some("fp-a"));

    // Metrics round-trip; unknown runs are a clear error.
    let metric = MetricRecord {
        detector: "a".into(),
        dataset: "demo".into(),
        perturbation: "none".into(),
        slice: "all".into(),
        level: "frame".into(),
        metric: "auc".into(),
        value: None,
        undefined_reason: Some("only fake".into()),
        n_real: 0,
        n_fake: 2,
        ci_low: None,
        ci_high: None,
        interval_stored: true,
    };
    store
        .replace_metrics(&RunId("run-1".into()), std::slice::from_ref(&metric))
        .await
        .expect("metrics");
    store
        .replace_metrics(&RunId("run-1".into()), std::slice::from_ref(&metric))
        .await
        .expect("replace");
    assert_eq!(
        store.metrics(&RunId("run-1".into())).await.expect("read"),
        vec![metric]
    );
    let missing = store
        .run_progress(&RunId("nope".into()))
        .await
        .expect_err("unknown run");
    assert!(missing.to_string().contains("nope"));
}

/// Completing the first of two shards leaves the run running; completing the second finishes
/// it at once (no sweep), whichever order the two are leased and completed in.
async fn last_completion_finishes_the_run(store: &dyn Store) {
    let t0 = 1_000_000;
    for (round, reversed) in [false, true].into_iter().enumerate() {
        let run_id = RunId(format!("run-last-{round}"));
        store
            .create_run(&plan(&run_id.0, t0))
            .await
            .expect("create run");
        let alice = owner("alice", 1);
        let mut leases = Vec::new();
        for _ in 0..2 {
            leases.push(lease_and_score(store, &alice, t0).await);
        }
        // One heartbeat extends both leases and refuses a stale epoch of the first.
        let beat = store
            .heartbeat(
                &alice,
                &[
                    (leases[0].shard_id.clone(), leases[0].epoch.clone()),
                    (leases[1].shard_id.clone(), leases[1].epoch.clone()),
                    (
                        leases[0].shard_id.clone(),
                        LeaseEpoch(leases[0].epoch.0 - 1),
                    ),
                ],
                t0 + 1,
                60_000,
            )
            .await
            .expect("heartbeat");
        assert_eq!(beat.revoked, vec![leases[0].shard_id.clone()]);
        if reversed {
            leases.reverse();
        }
        store.complete_shard(&leases[0], t0).await.expect("first");
        let status = store.run_progress(&run_id).await.expect("progress").status;
        assert_eq!(status, "running", "round {round}");
        store.complete_shard(&leases[1], t0).await.expect("second");
        let status = store.run_progress(&run_id).await.expect("progress").status;
        assert_eq!(status, "done", "round {round}");
    }
}

/// Worker-reported failures up to max attempts, capability matching, and runs failed for want
/// of workers.
async fn failures_capabilities_and_stalls(store: &dyn Store) {
    // A worker-reported retryable failure counts against max_attempts (2): once it is retried,
    // the second failure fails the shard and records typed failures.
    store.create_run(&plan("run-f", 100)).await.expect("create");
    let carol = owner("carol", 7);
    store
        .register_worker(&worker("carol", 7, &["builtin"], 100))
        .await
        .expect("register");
    let outcome = store
        .heartbeat(&carol, &[], 100, 1_000)
        .await
        .expect("heartbeat");
    assert!(!outcome.unknown_worker);
    let failure = ShardFailure {
        retryable: true,
        kind: "oom".into(),
        message: "out of memory".into(),
    };
    let first = lease_next(store, &carol, 100, 1_000).await;
    store
        .fail_shard(&lease_of(&first, &carol), &failure, 100)
        .await
        .expect("fail once");
    let again_at = 100 + retry_backoff_ms(1);
    let retried = lease_next(store, &carol, again_at, 1_000).await;
    assert_eq!(retried.shard_id, first.shard_id, "retried after backoff");
    store
        .fail_shard(&lease_of(&retried, &carol), &failure, again_at)
        .await
        .expect("fail twice");
    let rows = store
        .predictions(&RunId("run-f".into()))
        .await
        .expect("predictions");
    assert_eq!(
        rows.iter()
            .filter(|row| row.outcome.failure_kind == Some(FailureKind::Other("oom".into())))
            .count(),
        4
    );

    // A run with a torchscript detector goes only to a worker declaring `torch`.
    let mut torch_plan = plan("run-t", 200);
    torch_plan.run.requires = vec!["torch".to_string()];
    store
        .create_run(&torch_plan)
        .await
        .expect("create torch run");
    let other = lease_next(store, &carol, again_at, 1_000).await;
    assert_eq!(
        other.run_id,
        RunId("run-f".into()),
        "builtin worker gets only run-f work"
    );
    assert!(
        try_lease(store, &carol, again_at, 1_000).await.is_none(),
        "not run-t"
    );
    let dave = owner("dave", 8);
    store
        .register_worker(&worker("dave", 8, &["builtin", "torch"], 200))
        .await
        .expect("register");
    let torch_shard = lease_next(store, &dave, 200, 1_000).await;
    assert_eq!(torch_shard.run_id, RunId("run-t".into()));

    // No worker seen since `since`: the running runs fail with the message, all predictions
    // accounted for as failures or scores.
    let failed = store
        .fail_runs_without_workers(10_000, 10_001, "no worker for 5s")
        .await
        .expect("stall");
    assert_eq!(failed, vec![RunId("run-f".into()), RunId("run-t".into())]);
    let progress = store
        .run_progress(&RunId("run-t".into()))
        .await
        .expect("progress");
    assert_eq!(progress.status, "failed");
    assert_eq!(progress.error.as_deref(), Some("no worker for 5s"));
    assert_eq!(progress.predictions, progress.predictions_expected);
    let stats = store.cluster_stats(0).await.expect("stats");
    assert_eq!(stats.workers_alive, 2);
    assert_eq!(stats.runs_running, 0);
    assert_eq!(store.workers().await.expect("workers")[0].worker_id, "dave");
}

/// Cancelling a running run cancels its open shards: nothing more is leased, the lease still
/// held is refused, and a finished run cannot be cancelled.
async fn cancel_stops_leasing(store: &dyn Store) {
    store.create_run(&plan("run-c", 10)).await.expect("create");
    let erin = owner("erin", 1);
    let held = lease_next(store, &erin, 10, 100).await;
    store
        .cancel_run(&RunId("run-c".into()), 11)
        .await
        .expect("cancel");
    assert!(try_lease(store, &owner("w", 1), 12, 100).await.is_none());
    let progress = store
        .run_progress(&RunId("run-c".into()))
        .await
        .expect("progress");
    assert_eq!(progress.status, "cancelled");
    assert_eq!((progress.shards_total, progress.shards_done), (2, 0));
    let refused = store
        .ingest_predictions(&lease_of(&held, &erin), &scores(&held))
        .await
        .expect_err("the shard is cancelled");
    assert!(
        matches!(refused, StoreError::StaleLease { .. }),
        "{refused}"
    );
    let cancelled = store.run(&RunId("run-c".into())).await.expect("run");
    assert_eq!(cancelled.run.status, RunStatus::Cancelled);
    assert_eq!(cancelled.run.finished_at_ms, Some(11));

    // A run that ended is left as it is.
    store.create_run(&plan("run-d", 20)).await.expect("create");
    for _ in 0..2 {
        let lease = lease_and_score(store, &erin, 20).await;
        store.complete_shard(&lease, 21).await.expect("complete");
    }
    store
        .cancel_run(&RunId("run-d".into()), 22)
        .await
        .expect("cancel a finished run");
    let done = store.run(&RunId("run-d".into())).await.expect("run");
    assert_eq!(
        (done.run.status, done.run.finished_at_ms),
        (RunStatus::Done, Some(21))
    );
}

/// A failure the worker says is not worth retrying fails the shard at the first attempt; each
/// missing prediction is recorded with its kind and message, and the other shard still runs.
async fn non_retryable_failure_fails_at_once(store: &dyn Store) {
    store.create_run(&plan("run-n", 100)).await.expect("create");
    let frank = owner("frank", 3);
    let first = lease_next(store, &frank, 100, 1_000).await;
    let lease = lease_of(&first, &frank);
    // One of the four (sample, detector) pairs was scored before the failure.
    store
        .ingest_predictions(&lease, &scores(&first)[..1])
        .await
        .expect("ingest");
    let failure = ShardFailure {
        retryable: false,
        kind: FailureKind::ModelLoadError,
        message: "no weights".into(),
    };
    store.fail_shard(&lease, &failure, 100).await.expect("fail");
    let stale = store
        .fail_shard(&lease, &failure, 101)
        .await
        .expect_err("the lease ended with the failure");
    assert!(matches!(stale, StoreError::StaleLease { .. }), "{stale}");
    let second = lease_next(store, &frank, 100 + retry_backoff_ms(5), 1_000).await;
    assert_ne!(
        second.shard_id, first.shard_id,
        "the failed shard is never retried"
    );
    let progress = store
        .run_progress(&RunId("run-n".into()))
        .await
        .expect("progress");
    assert_eq!(
        (
            progress.status.as_str(),
            progress.shards_failed,
            progress.predictions
        ),
        ("running", 1, 4)
    );
    assert_eq!(progress.prediction_failures, 3);
    let failed: Vec<_> = store
        .predictions(&RunId("run-n".into()))
        .await
        .expect("predictions")
        .into_iter()
        .filter_map(|row| row.outcome.failure_kind.zip(row.outcome.failure_message))
        .collect();
    assert_eq!(
        failed,
        vec![(FailureKind::ModelLoadError, "no weights".to_string()); 3]
    );
}

/// PostgreSQL only (SQLite has one writer): the last two shards of a run completed at the same
/// moment by two workers must still finish the run. On Postgres (READ COMMITTED) each
/// completion used to see the other shard as leased, so neither marked the run done and it
/// stayed `running` forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_concurrent_last_completions_finish_the_run() {
    let Some(db) = TestDb::postgres("postgres_concurrent_last_completions").await else {
        return;
    };
    let store = db.store();
    let (alice, bob) = (owner("alice", 1), owner("bob", 2));
    for round in 0..40 {
        let run_id = format!("race-{round}");
        let now = 1_000_000 + round;
        store
            .create_run(&plan(&run_id, now))
            .await
            .expect("create run");
        let mut leases = Vec::new();
        for who in [&alice, &bob] {
            leases.push(lease_and_score(store, who, now).await);
        }
        let (a, b) = tokio::join!(
            store.complete_shard(&leases[0], now),
            store.complete_shard(&leases[1], now)
        );
        a.expect("complete first");
        b.expect("complete second");
        let progress = store
            .run_progress(&RunId(run_id.clone()))
            .await
            .expect("progress");
        assert_eq!(progress.status, "done", "round {round}: {progress:?}");
    }
}
