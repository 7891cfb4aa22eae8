//! Runs and what is read about them: listing, details, the sweep that finishes runs left
//! running, metrics, cluster counts, workers, and the backend's name.

use crate::support::*;
use dfbench_store::*;

store_contract! {
    sweep_finishes_runs_left_running,
    list_runs_newest_first,
    fail_run_fails_only_running_runs,
    run_details_round_trip,
    metrics_are_replaced,
    cluster_stats_count_workers_shards_and_runs,
    workers_most_recently_seen_first,
    workers_that_leave_are_not_alive,
    backend_names_itself,
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

/// `list_runs` returns whole records, newest first (ties by id), at most `limit`.
async fn list_runs_newest_first(store: &dyn Store) {
    assert!(store.list_runs(10).await.expect("list").is_empty());
    let mut torch = plan("r-torch", 300);
    torch.run.requires = vec!["torch".to_string()];
    for planned in [
        plan("r-old", 100),
        plan("r-b", 200),
        plan("r-a", 200),
        torch.clone(),
    ] {
        store.create_run(&planned).await.expect("create");
    }
    store
        .cancel_run(&RunId("r-old".into()), 400)
        .await
        .expect("cancel");
    let ids = |runs: Vec<RunRecord>| runs.into_iter().map(|run| run.id.0).collect::<Vec<_>>();
    assert_eq!(
        ids(store.list_runs(10).await.expect("list")),
        ["r-torch", "r-a", "r-b", "r-old"]
    );
    assert_eq!(
        ids(store.list_runs(2).await.expect("list")),
        ["r-torch", "r-a"]
    );
    let runs = store.list_runs(10).await.expect("list");
    assert_eq!(runs[0], torch.run);
    assert_eq!(
        runs[3],
        RunRecord {
            status: RunStatus::Cancelled,
            finished_at_ms: Some(400),
            ..plan("r-old", 100).run
        }
    );
}

/// `fail_run` (the coordinator's fatal-fault path) fails a running run with its cause, once;
/// an ended run keeps its status and error.
async fn fail_run_fails_only_running_runs(store: &dyn Store) {
    for planned in [plan("r-full", 100), plan("r-cancelled", 100)] {
        store.create_run(&planned).await.expect("create");
    }
    let full = RunId("r-full".into());
    let cancelled = RunId("r-cancelled".into());
    store.cancel_run(&cancelled, 150).await.expect("cancel");
    let cause = "the database is full (SQLite: database or disk is full)";
    assert!(store.fail_run(&full, cause, 200).await.expect("fail"));
    assert!(!store.fail_run(&full, "later", 300).await.expect("again"));
    assert!(!store.fail_run(&cancelled, cause, 300).await.expect("ended"));
    let progress = store.run_progress(&full).await.expect("progress");
    assert_eq!(progress.status, "failed");
    assert_eq!(progress.error.as_deref(), Some(cause));
    assert_eq!(
        store
            .run_progress(&cancelled)
            .await
            .expect("progress")
            .status,
        "cancelled"
    );
    let record = store.run(&full).await.expect("run").run;
    assert_eq!(record.finished_at_ms, Some(200));
}

/// `run` returns the record, datasets (by name) and detectors as planned, and names an
/// unknown run.
async fn run_details_round_trip(store: &dyn Store) {
    let mut planned = history_plan("r-details", 10, "fb", "v1");
    planned.datasets.push(dataset("unused", "v9", 0));
    planned.detectors[0].kind = "torchscript".into();
    planned.detectors[0].card = Some("[model]\npath = '/m.pt'".into());
    planned.run.requires = vec!["torch".to_string()];
    store.create_run(&planned).await.expect("create");
    let details = store.run(&RunId("r-details".into())).await.expect("run");
    assert_eq!(details.run, planned.run);
    assert_eq!(details.datasets, planned.datasets);
    assert_eq!(details.detectors, planned.detectors);
    let missing = store
        .run(&RunId("nope".into()))
        .await
        .expect_err("unknown run");
    assert!(
        matches!(&missing, StoreError::RunNotFound(id) if id.0 == "nope"),
        "{missing}"
    );
}

/// `replace_metrics` replaces a run's rows, leaves other runs' alone; `metrics` reads them
/// back sorted by detector, dataset, perturbation, slice, level, metric, with their 95%
/// interval bounds and whether the interval was stored (schema 0013) exactly as written.
async fn metrics_are_replaced(store: &dyn Store) {
    store.create_run(&plan("m-1", 1)).await.expect("create");
    store.create_run(&plan("m-2", 2)).await.expect("create");
    let metric = |detector: &str, name: &str, value: Option<f64>| MetricRecord {
        detector: detector.into(),
        dataset: "demo".into(),
        perturbation: "none".into(),
        slice: "all".into(),
        level: "frame".into(),
        metric: name.into(),
        value,
        undefined_reason: value.is_none().then(|| "only fake".to_string()),
        n_real: 1,
        n_fake: 2,
        ci_low: value.map(|v| v - 0.0625),
        ci_high: value.map(|v| v + 0.03125),
        interval_stored: value.is_some(),
    };
    let (m1, m2) = (RunId("m-1".into()), RunId("m-2".into()));
    assert!(store.metrics(&m1).await.expect("read").is_empty());
    let first = [
        metric("b", "auc", Some(0.5)),
        metric("a", "eer", None),
        metric("a", "auc", Some(0.125)),
    ];
    store.replace_metrics(&m1, &first).await.expect("write");
    store
        .replace_metrics(&m2, &first[..1])
        .await
        .expect("write");
    assert_eq!(
        store.metrics(&m1).await.expect("read"),
        [first[2].clone(), first[1].clone(), first[0].clone()]
    );
    let second = [metric("a", "ap", Some(1.0))];
    store.replace_metrics(&m1, &second).await.expect("replace");
    assert_eq!(store.metrics(&m1).await.expect("read"), second);
    assert_eq!(store.metrics(&m2).await.expect("read"), first[..1]);
    store.replace_metrics(&m1, &[]).await.expect("clear");
    assert!(store.metrics(&m1).await.expect("read").is_empty());
}

/// `cluster_stats`: workers seen since the cut-off, running runs, shards by state (sorted).
async fn cluster_stats_count_workers_shards_and_runs(store: &dyn Store) {
    assert_eq!(
        store.cluster_stats(0).await.expect("stats"),
        ClusterStats::default()
    );
    store
        .register_worker(&worker("old", 1, &["builtin"], 100))
        .await
        .expect("register");
    store
        .register_worker(&worker("new", 1, &["builtin"], 500))
        .await
        .expect("register");
    store.create_run(&plan("s-1", 1)).await.expect("create");
    store.create_run(&plan("s-2", 2)).await.expect("create");
    lease_next(store, &owner("new", 1), 500, 1_000).await;
    store
        .cancel_run(&RunId("s-2".into()), 600)
        .await
        .expect("cancel");
    let stats = store.cluster_stats(200).await.expect("stats");
    assert_eq!(
        stats,
        ClusterStats {
            workers_alive: 1,
            runs_running: 1,
            shards_by_state: vec![
                ("cancelled".into(), 2),
                ("leased".into(), 1),
                ("ready".into(), 1)
            ],
        }
    );
    assert_eq!(
        store.cluster_stats(100).await.expect("stats").workers_alive,
        2
    );
}

/// `workers` returns what registration stored, most recently seen first; heartbeats of the
/// current incarnation move a worker up, registering again replaces its record.
async fn workers_most_recently_seen_first(store: &dyn Store) {
    assert!(store.workers().await.expect("workers").is_empty());
    let mut gpu = worker("gpu", 7, &["builtin", "torch"], 100);
    gpu.devices = vec!["cuda:0".into(), "cuda:1".into()];
    gpu.hostname = "node-1".into();
    let cpu = worker("cpu", 8, &[], 200);
    for record in [&gpu, &cpu] {
        store.register_worker(record).await.expect("register");
    }
    assert_eq!(
        store.workers().await.expect("workers"),
        [cpu.clone(), gpu.clone()]
    );
    let beat = store
        .heartbeat(&owner("gpu", 7), &[], 300, 1_000)
        .await
        .expect("heartbeat");
    assert!(!beat.unknown_worker);
    let stale = store
        .heartbeat(&owner("cpu", 1), &[], 400, 1_000)
        .await
        .expect("heartbeat");
    assert!(stale.unknown_worker, "another incarnation");
    let seen = store.workers().await.expect("workers");
    assert_eq!(
        seen,
        [
            WorkerRecord {
                now_ms: 300,
                ..gpu.clone()
            },
            cpu.clone()
        ]
    );
    let restarted = worker("cpu", 9, &["builtin"], 500);
    store.register_worker(&restarted).await.expect("register");
    let seen = store.workers().await.expect("workers");
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0], restarted);
}

/// `deregister_worker` marks only the named incarnation left (last seen then) and out of the
/// live count; a heartbeat after it changes nothing, registering again brings it back.
async fn workers_that_leave_are_not_alive(store: &dyn Store) {
    for name in ["going", "staying"] {
        store
            .register_worker(&worker(name, 1, &["builtin"], 100))
            .await
            .expect("register");
    }
    let gone = |seen: Vec<WorkerRecord>| -> Vec<(String, Option<i64>)> {
        seen.into_iter()
            .map(|worker| (worker.worker_id, worker.left_at_ms))
            .collect()
    };
    assert!(
        !store
            .deregister_worker(&owner("going", 2), 150)
            .await
            .expect("deregister"),
        "another incarnation"
    );
    assert!(
        !store
            .deregister_worker(&owner("ghost", 1), 150)
            .await
            .expect("deregister"),
        "never registered"
    );
    assert_eq!(
        store.cluster_stats(0).await.expect("stats").workers_alive,
        2
    );
    assert!(
        store
            .deregister_worker(&owner("going", 1), 200)
            .await
            .expect("deregister")
    );
    let seen = store.workers().await.expect("workers");
    assert_eq!(seen[0].now_ms, 200, "last seen when it left");
    assert_eq!(
        gone(seen),
        [("going".into(), Some(200)), ("staying".into(), None)]
    );
    assert_eq!(
        store.cluster_stats(0).await.expect("stats").workers_alive,
        1
    );
    store
        .heartbeat(&owner("going", 1), &[], 300, 1_000)
        .await
        .expect("late heartbeat");
    assert_eq!(
        store.workers().await.expect("workers")[0].left_at_ms,
        Some(200),
        "a heartbeat in flight when it left does not bring it back"
    );
    store
        .register_worker(&worker("going", 3, &["builtin"], 400))
        .await
        .expect("register again");
    assert_eq!(
        gone(store.workers().await.expect("workers")),
        [("going".into(), None), ("staying".into(), None)]
    );
    assert_eq!(
        store.cluster_stats(0).await.expect("stats").workers_alive,
        2
    );
}

async fn backend_names_itself(db: &TestDb) {
    assert_eq!(db.store().backend(), db.kind);
}
