//! The reuse index: facts of the first run stay reusable however many runs follow, the oldest
//! fact wins, a cancelled run's facts are reused and a running run's are not yet,
//! infrastructure failures are never reused, changed fingerprints never match, two runs
//! planned at the same time both index and reuse, and ended runs are indexed by their last
//! completion or on demand.

use crate::support::*;
use dfbench_benchmarks::FailureKind;
use dfbench_store::*;

store_contract! {
    first_facts_survive_many_runs,
    cancelled_runs_count_running_runs_wait,
    only_reusable_failures_are_reused,
    concurrent_plannings_both_reuse,
    finished_runs_are_indexed_at_once,
    ended_runs_are_indexed_on_demand,
}

/// Infrastructure failures: a new run retries them.
const NOT_REUSABLE: [FailureKind; 7] = [
    FailureKind::LeaseExpired,
    FailureKind::NoWorkers,
    FailureKind::WorkerError,
    FailureKind::ModelLoadError,
    FailureKind::ForwardError,
    FailureKind::FileUnreadable,
    FailureKind::DetectorUnavailable,
];

fn score_by_path(path: &str, _detector: &str) -> Outcome {
    Outcome::Score(if path.starts_with("1_") { 0.75 } else { 0.25 })
}

/// (detector, path, worker, score) of every prediction of `run_id`.
async fn facts(store: &dyn Store, run_id: &str) -> Vec<(String, String, String, Option<f64>)> {
    let rows = store
        .predictions(&RunId(run_id.into()))
        .await
        .expect("predictions");
    rows.into_iter()
        .map(|row| {
            (
                row.detector,
                row.rel_path,
                row.outcome.worker_id,
                row.outcome.score,
            )
        })
        .collect()
}

async fn plan(
    store: &dyn Store,
    run_id: &str,
    at: i64,
    fingerprint_b: &str,
    version: &str,
) -> CreatedRun {
    store
        .create_run_with(&history_plan(run_id, at, fingerprint_b, version), &reuse())
        .await
        .expect("create run")
}

async fn first_facts_survive_many_runs(store: &dyn Store) {
    let t0 = 2_000_000;
    plan(store, "first", t0, "fb", "v1").await;
    for _ in 0..2 {
        compute_next_shard(store, "alice", t0, score_by_path).await;
    }
    // History grows: unchanged reruns (all reused) and runs over other dataset versions.
    for round in 1..=4_i64 {
        let created = plan(
            store,
            &format!("rerun-{round}"),
            t0 + round * 10,
            "fb",
            "v1",
        )
        .await;
        assert_eq!(
            (created.reused, created.finished),
            (8, true),
            "rerun {round}"
        );
        let version = format!("v{}", round + 1);
        plan(
            store,
            &format!("other-{round}"),
            t0 + round * 10 + 1,
            "fb",
            &version,
        )
        .await;
        for _ in 0..2 {
            compute_next_shard(store, "bob", t0 + round * 10 + 1, |_, _| {
                Outcome::Score(0.5)
            })
            .await;
        }
    }
    let created = plan(store, "last", t0 + 100, "fb", "v1").await;
    assert_eq!(
        (created.reused, created.shards_done, created.finished),
        (8, 2, true)
    );
    assert_eq!(facts(store, "last").await, facts(store, "first").await);
    assert!(
        facts(store, "last")
            .await
            .iter()
            .all(|fact| fact.2 == "alice")
    );
    // Each copy names the run that computed it (not the rerun it was last copied into); the
    // first run computed its own.
    let sources = |rows: Vec<PredictionRow>| -> Vec<Option<String>> {
        rows.into_iter()
            .map(|row| row.outcome.reused_from)
            .collect()
    };
    let last = store
        .predictions(&RunId("last".into()))
        .await
        .expect("rows");
    assert_eq!(sources(last), vec![Some("first".to_string()); 8]);
    let first = store
        .predictions(&RunId("first".into()))
        .await
        .expect("rows");
    assert_eq!(sources(first), vec![None; 8]);

    // Another fingerprint of detector b, or another dataset version, never matches.
    let created = plan(store, "changed-b", t0 + 101, "fb-new", "v1").await;
    assert_eq!(
        (created.reused, created.shards_done),
        (4, 0),
        "only detector a is reused"
    );
    let created = plan(store, "changed-data", t0 + 102, "fb", "v-new").await;
    assert_eq!(created.reused, 0);
    for run_id in ["changed-b", "changed-data"] {
        store
            .cancel_run(&RunId(run_id.into()), t0 + 103)
            .await
            .expect("cancel");
    }
}

async fn cancelled_runs_count_running_runs_wait(store: &dyn Store) {
    let t0 = 3_000_000;
    // `early` computes its first shard with alice and is still running when `late` is planned.
    plan(store, "early", t0, "fb", "w1").await;
    let early_shard = compute_next_shard(store, "alice", t0, score_by_path).await;
    let created = plan(store, "late", t0 + 1, "fb", "w1").await;
    assert_eq!(
        created.reused, 0,
        "a running run's predictions are not reused yet"
    );
    store
        .cancel_run(&RunId("early".into()), t0 + 2)
        .await
        .expect("cancel early");
    for _ in 0..2 {
        compute_next_shard(store, "bob", t0 + 2, |_, _| Outcome::Score(0.5)).await;
    }
    // Both ended runs are indexed now, oldest first: `early`'s facts win where both have one.
    let created = plan(store, "after", t0 + 3, "fb", "w1").await;
    assert_eq!((created.reused, created.finished), (8, true));
    let early_paths: Vec<&str> = early_shard
        .samples
        .iter()
        .map(|(_, path)| path.as_str())
        .collect();
    for (detector, path, worker, score) in facts(store, "after").await {
        let expected = if early_paths.contains(&path.as_str()) {
            ("alice", score_by_path(&path, &detector))
        } else {
            ("bob", Outcome::Score(0.5))
        };
        assert_eq!(
            (worker.as_str(), score.map(Outcome::Score)),
            (expected.0, Some(expected.1)),
            "{path}"
        );
    }
}

async fn only_reusable_failures_are_reused(store: &dyn Store) {
    let t0 = 4_000_000;
    let reusable = FailureKind::KNOWN
        .into_iter()
        .filter(FailureKind::is_reusable)
        .map(|kind| (kind, 8));
    let retried = NOT_REUSABLE.into_iter().map(|kind| (kind, 7));
    for (at, (kind, expected_reused)) in (t0..).step_by(10).zip(reusable.chain(retried)) {
        // The dataset version is the kind, so each kind's facts are apart from the others'.
        plan(store, &format!("compute-{kind}"), at, "fb", kind.as_str()).await;
        let outcome = |path: &str, detector: &str| match (path, detector) {
            ("0_real/p0.png", "a") => Outcome::Failure {
                kind: kind.clone(),
                message: "m".into(),
            },
            _ => score_by_path(path, detector),
        };
        for _ in 0..2 {
            compute_next_shard(store, "alice", at, outcome).await;
        }
        let created = plan(store, &format!("rerun-{kind}"), at + 1, "fb", kind.as_str()).await;
        assert_eq!(created.reused, expected_reused, "{kind}");
        let progress = store
            .run_progress(&RunId(format!("rerun-{kind}")))
            .await
            .expect("progress");
        assert_eq!(
            progress.prediction_failures,
            i64::from(expected_reused == 8),
            "{kind}"
        );
        store
            .cancel_run(&RunId(format!("rerun-{kind}")), at + 2)
            .await
            .expect("cancel");
    }
}

/// Two runs planned at the same time, both with the same two ended runs to index first.
async fn concurrent_plannings_both_reuse(store: &dyn Store) {
    let t0 = 5_000_000;
    plan(store, "overlap-1", t0, "fb", "x1").await;
    plan(store, "overlap-2", t0 + 1, "fb", "x1").await;
    for _ in 0..4 {
        compute_next_shard(store, "alice", t0 + 1, score_by_path).await;
    }
    let (left, right) = tokio::join!(
        plan(store, "together-1", t0 + 2, "fb", "x1"),
        plan(store, "together-2", t0 + 2, "fb", "x1")
    );
    assert_eq!((left.reused, left.finished), (8, true));
    assert_eq!((right.reused, right.finished), (8, true));
}

/// (runs indexed, facts in the index), read directly from the database.
async fn index_state(db: &TestDb) -> (i64, i64) {
    db.counts(
        "SELECT (SELECT COUNT(*) FROM runs WHERE reuse_indexed = TRUE), \
         (SELECT COUNT(*) FROM reuse_index)",
    )
    .await
}

/// The last completion of a run indexes it, so the next planning has nothing left to index.
async fn finished_runs_are_indexed_at_once(db: &TestDb) {
    let store = db.store();
    let t0 = 9_000_000;
    plan(store, "solo", t0, "fb", "v1").await;
    compute_next_shard(store, "alice", t0, score_by_path).await;
    assert_eq!(index_state(db).await, (0, 0), "one shard is still open");
    compute_next_shard(store, "alice", t0, score_by_path).await;
    let progress = store
        .run_progress(&RunId("solo".into()))
        .await
        .expect("progress");
    assert_eq!(progress.status, "done");
    assert_eq!(index_state(db).await, (1, progress.predictions));
}

/// `index_ended_runs` indexes a cancelled run (which no completion indexed) once, and never a
/// running one.
async fn ended_runs_are_indexed_on_demand(db: &TestDb) {
    let store = db.store();
    let t0 = 10_000_000;
    plan(store, "ended", t0, "fb", "e1").await;
    compute_next_shard(store, "alice", t0, score_by_path).await;
    store
        .cancel_run(&RunId("ended".into()), t0 + 1)
        .await
        .expect("cancel");
    // Planned without reuse, so this planning indexes nothing.
    store
        .create_run(&history_plan("open", t0 + 2, "fb", "e2"))
        .await
        .expect("create run");
    compute_next_shard(store, "alice", t0 + 2, score_by_path).await;
    assert_eq!(index_state(db).await, (0, 0), "nothing indexed yet");
    store.index_ended_runs().await.expect("index");
    assert_eq!(
        index_state(db).await,
        (1, 4),
        "the cancelled run's one computed shard"
    );
    store.index_ended_runs().await.expect("index again");
    assert_eq!(index_state(db).await, (1, 4), "each run once");
    let created = plan(store, "next", t0 + 3, "fb", "e1").await;
    assert_eq!((created.reused, created.shards_done), (4, 1));
}
