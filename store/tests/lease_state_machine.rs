//! The lease state machine against real databases: SQLite in a temp folder, and PostgreSQL on
//! the server `scripts/test.sh` starts (skipped visibly without it).

use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::{Label, Sample};
use dfbench_store::testing::fresh_postgres_url;
use dfbench_store::*;
use std::sync::Arc;

fn sample(path: &str, label: Label) -> Sample {
    Sample {
        dataset: "demo".into(),
        subset: "s".into(),
        rel_path: path.into(),
        label,
        label_group: format!("s/{label}"),
        method: "m".into(),
        split: "test".into(),
        compression: "raw".into(),
        video_key: format!("demo/{path}"),
        frame_index: None,
    }
}

fn plan(run_id: &str, now: i64) -> RunPlan {
    RunPlan {
        run: RunRecord {
            id: RunId(run_id.into()),
            name: "t".into(),
            suite_name: "t".into(),
            suite_toml: "name = 't'".into(),
            suite_hash: "h".into(),
            data_root: "/".into(),
            dfbench_version: "0".into(),
            status: RunStatus::Running,
            error: None,
            created_at_ms: now,
            finished_at_ms: None,
            requires: Vec::new(),
        },
        datasets: vec![DatasetRecord {
            name: "demo".into(),
            format: "cnnspot".into(),
            root: "/data".into(),
            fingerprint: "f".into(),
            samples: 3,
        }],
        detectors: ["a", "b"]
            .iter()
            .map(|name| DetectorRecord::builtin(name))
            .collect(),
        samples: vec![
            sample("0_real/x.png", Label::Real),
            sample("1_fake/y.png", Label::Fake),
            sample("1_fake/z.png", Label::Fake),
        ],
        contents: Vec::new(),
        shards: vec![
            PlannedShard {
                dataset: "demo".into(),
                perturbation: "none".into(),
                sample_indices: vec![0, 1],
            },
            PlannedShard {
                dataset: "demo".into(),
                perturbation: "none".into(),
                sample_indices: vec![2],
            },
        ],
        max_attempts: 2,
        max_losses: 2,
    }
}

fn owner(name: &str, incarnation: u64) -> LeaseOwner {
    LeaseOwner {
        worker_id: name.into(),
        incarnation,
    }
}

fn scores(assignment: &ShardAssignment) -> Vec<NewPrediction> {
    let mut out = Vec::new();
    for (sample_id, _) in &assignment.samples {
        for detector in ["a", "b"] {
            out.push(NewPrediction {
                sample_id: sample_id.clone(),
                detector: detector.into(),
                detector_fingerprint: format!("fp-{detector}"),
                outcome: Outcome::Score(0.25),
                latency_us: 1,
            });
        }
    }
    out
}

fn lease_of(assignment: &ShardAssignment, owner: &LeaseOwner) -> LeaseRef {
    LeaseRef {
        shard_id: assignment.shard_id.clone(),
        epoch: assignment.epoch.clone(),
        owner: owner.clone(),
    }
}

async fn exercise(store: Arc<dyn Store>) {
    let ttl = 1_000;
    let t0 = 1_000_000;
    store
        .create_run(&plan("run-1", t0))
        .await
        .expect("create run");
    let alice = owner("alice", 1);
    let bob = owner("bob", 2);

    // Grant bumps the epoch; predictions are idempotent; completion needs every prediction.
    let first = store
        .acquire_shard(&alice, t0, ttl)
        .await
        .expect("acquire")
        .expect("a shard");
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
    let second = store
        .acquire_shard(&alice, t0, ttl)
        .await
        .expect("acquire")
        .expect("shard 2");
    let alice_lease = lease_of(&second, &alice);
    assert!(
        store
            .acquire_shard(&bob, t0, ttl)
            .await
            .expect("acquire")
            .is_none(),
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
        store
            .acquire_shard(&bob, t0 + 1_600, ttl)
            .await
            .expect("acquire")
            .is_none(),
        "backoff"
    );
    let later = t0 + 1_600 + retry_backoff_ms(1);
    let retried = store
        .acquire_shard(&bob, later, ttl)
        .await
        .expect("acquire")
        .expect("retried");
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
        .filter(|row| row.failure_kind.is_some())
        .collect();
    assert_eq!(failed.len(), 2);
    assert!(
        failed
            .iter()
            .all(|row| row.failure_kind == Some(FailureKind::LeaseExpired)
                && row.rel_path == "1_fake/z.png")
    );
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
async fn last_completion_finishes_the_run(store: Arc<dyn Store>) {
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
            let assignment = store
                .acquire_shard(&alice, t0, 60_000)
                .await
                .expect("acquire")
                .expect("a shard");
            let lease = lease_of(&assignment, &alice);
            store
                .ingest_predictions(&lease, &scores(&assignment))
                .await
                .expect("ingest");
            leases.push(lease);
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

#[tokio::test]
async fn sqlite_last_completion_finishes_the_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:{}", dir.path().join("t.db").display());
    last_completion_finishes_the_run(open_store(&url).await.expect("open sqlite")).await;
}

#[tokio::test]
async fn postgres_last_completion_finishes_the_run() {
    let Some(url) = fresh_postgres_url("postgres_last_completion_finishes_the_run")
        .await
        .expect("postgres")
    else {
        return;
    };
    last_completion_finishes_the_run(open_store(&url).await.expect("open postgres")).await;
}

#[tokio::test]
async fn sqlite_lease_state_machine() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:{}", dir.path().join("t.db").display());
    exercise(open_store(&url).await.expect("open sqlite")).await;
}

#[tokio::test]
async fn postgres_lease_state_machine() {
    let Some(url) = fresh_postgres_url("postgres_lease_state_machine")
        .await
        .expect("postgres")
    else {
        return;
    };
    exercise(open_store(&url).await.expect("open postgres")).await;
}

#[tokio::test]
async fn cancel_stops_leasing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open_store(&format!("sqlite:{}", dir.path().join("c.db").display()))
        .await
        .expect("open");
    store.create_run(&plan("run-c", 10)).await.expect("create");
    store
        .cancel_run(&RunId("run-c".into()), 11)
        .await
        .expect("cancel");
    assert!(
        store
            .acquire_shard(&owner("w", 1), 12, 100)
            .await
            .expect("acquire")
            .is_none()
    );
    assert_eq!(
        store
            .run_progress(&RunId("run-c".into()))
            .await
            .expect("progress")
            .status,
        "cancelled"
    );
}

fn worker(name: &str, incarnation: u64, capabilities: &[&str], now_ms: i64) -> WorkerRecord {
    WorkerRecord {
        worker_id: name.into(),
        incarnation,
        hostname: "h".into(),
        dfbench_version: "0".into(),
        capabilities: capabilities.iter().map(|c| c.to_string()).collect(),
        devices: vec!["cpu".into()],
        now_ms,
    }
}

async fn exercise_failures_capabilities_and_stalls(store: Arc<dyn Store>) {
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
    let first = store
        .acquire_shard(&carol, 100, 1_000)
        .await
        .expect("acquire")
        .expect("shard");
    store
        .fail_shard(&lease_of(&first, &carol), &failure, 100)
        .await
        .expect("fail once");
    let again_at = 100 + retry_backoff_ms(1);
    let retried = store
        .acquire_shard(&carol, again_at, 1_000)
        .await
        .expect("acquire")
        .expect("again");
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
            .filter(|row| row.failure_kind == Some(FailureKind::Other("oom".into())))
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
    let other = store
        .acquire_shard(&carol, again_at, 1_000)
        .await
        .expect("acquire")
        .expect("run-f shard 2");
    assert_eq!(
        other.run_id,
        RunId("run-f".into()),
        "builtin worker gets only run-f work"
    );
    assert!(
        store
            .acquire_shard(&carol, again_at, 1_000)
            .await
            .expect("acquire")
            .is_none(),
        "not run-t"
    );
    let dave = owner("dave", 8);
    store
        .register_worker(&worker("dave", 8, &["builtin", "torch"], 200))
        .await
        .expect("register");
    let torch_shard = store
        .acquire_shard(&dave, 200, 1_000)
        .await
        .expect("acquire")
        .expect("torch work");
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

#[tokio::test]
async fn sqlite_failures_capabilities_and_stalls() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:{}", dir.path().join("f.db").display());
    exercise_failures_capabilities_and_stalls(open_store(&url).await.expect("open")).await;
}

#[tokio::test]
async fn postgres_failures_capabilities_and_stalls() {
    let Some(url) = fresh_postgres_url("postgres_failures_capabilities_and_stalls")
        .await
        .expect("postgres")
    else {
        return;
    };
    exercise_failures_capabilities_and_stalls(open_store(&url).await.expect("open")).await;
}

/// The last two shards of a run completed at the same moment by two workers must still finish
/// the run. On Postgres (READ COMMITTED) each completion used to see the other shard as leased,
/// so neither marked the run done and it stayed `running` forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_concurrent_last_completions_finish_the_run() {
    let Some(url) = fresh_postgres_url("postgres_concurrent_last_completions")
        .await
        .expect("postgres")
    else {
        return;
    };
    let store = open_store(&url).await.expect("open postgres");
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
            let assignment = store
                .acquire_shard(who, now, 60_000)
                .await
                .expect("acquire")
                .expect("a shard for each worker");
            let lease = lease_of(&assignment, who);
            store
                .ingest_predictions(&lease, &scores(&assignment))
                .await
                .expect("ingest");
            leases.push(lease);
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

/// A coordinator that dies between a shard's commit and the run's completion check leaves a
/// run `running` with every shard ended; the supervisor's sweep finishes it, and only it.
async fn sweep_finishes_runs_left_running(url: &str) {
    let store = open_store(url).await.expect("open store");
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
    let end_shards = "UPDATE shards SET state = 'done' WHERE run_id = 'swept'";
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url)
            .await
            .expect("connect sqlite");
        sqlx::query(end_shards).execute(&pool).await.expect("end");
    } else {
        let pool = sqlx::PgPool::connect(url).await.expect("connect postgres");
        sqlx::query(end_shards).execute(&pool).await.expect("end");
    }
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

#[tokio::test]
async fn sqlite_sweep_finishes_runs_left_running() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:{}", dir.path().join("s.db").display());
    sweep_finishes_runs_left_running(&url).await;
}

#[tokio::test]
async fn postgres_sweep_finishes_runs_left_running() {
    let Some(url) = fresh_postgres_url("postgres_sweep_finishes_runs")
        .await
        .expect("postgres")
    else {
        return;
    };
    sweep_finishes_runs_left_running(&url).await;
}
