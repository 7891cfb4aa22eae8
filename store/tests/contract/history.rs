//! Run history: prediction reuse at planning, shards narrowed to missing detectors, tags /
//! partial / promotion lookups, worker exclusion and shard provenance.

use crate::support::*;
use dfbench_benchmarks::FailureKind;
use dfbench_store::*;

store_contract! {
    run_history,
    promotion_is_recorded,
}

fn first_run_outcome(path: &str, detector: &str) -> Outcome {
    let failure = |kind: FailureKind| Outcome::Failure {
        kind,
        message: "m".into(),
    };
    match (path, detector) {
        ("1_fake/p2.png", "a") => failure(FailureKind::DecodeError),
        ("1_fake/p3.png", "b") => failure(FailureKind::ForwardError),
        _ => Outcome::Score(if path.starts_with("1_") { 0.75 } else { 0.25 }),
    }
}

/// Reuse at planning, shards narrowed to the missing detectors, tags, partial runs, excluded
/// workers, provenance, lookups and promotion, over one growing history.
async fn run_history(store: &dyn Store) {
    let t0 = 1_000_000;

    // First run: nothing to reuse, both shards computed by alice.
    let created = store
        .create_run_with(
            &history_plan("r-a", t0, "fb", "v1"),
            &PlanOptions {
                tags: vec!["first".into()],
                ..reuse()
            },
        )
        .await
        .expect("create r-a");
    assert_eq!(created, CreatedRun::default());
    for _ in 0..2 {
        compute_next_shard(store, "alice", t0, first_run_outcome).await;
    }
    let run_a = RunId("r-a".into());
    assert_eq!(
        store.run_progress(&run_a).await.expect("progress").status,
        "done"
    );

    // Unchanged rerun: 7 of 8 predictions reused (the forward_error is retried); the first
    // shard is done at once, the second is leased with detector b only.
    let created = store
        .create_run_with(&history_plan("r-b", t0 + 1, "fb", "v1"), &reuse())
        .await
        .expect("create r-b");
    assert_eq!(
        created,
        CreatedRun {
            reused: 7,
            clips_reused: 0,
            shards_done: 1,
            finished: false
        }
    );
    let run_b = RunId("r-b".into());
    let progress = store.run_progress(&run_b).await.expect("progress");
    assert_eq!((progress.predictions, progress.predictions_reused), (7, 7));
    assert_eq!(
        progress.prediction_failures, 1,
        "the decode_error is reused"
    );
    let narrowed = compute_next_shard(store, "bob", t0 + 1, |_, _| Outcome::Score(0.5)).await;
    let names: Vec<&str> = narrowed.detectors.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["b"]);
    let progress = store.run_progress(&run_b).await.expect("progress");
    assert_eq!(
        (progress.status.as_str(), progress.predictions),
        ("done", 8)
    );
    let b_scores: Vec<(String, Option<f64>)> = store
        .predictions(&run_b)
        .await
        .expect("predictions")
        .into_iter()
        .filter(|row| row.detector == "b")
        .map(|row| (row.rel_path, row.outcome.score))
        .collect();
    assert_eq!(
        b_scores[2..],
        [
            ("1_fake/p2.png".to_string(), Some(0.75)),
            ("1_fake/p3.png".to_string(), Some(0.5))
        ],
        "the reused score stays, the retried one is new"
    );
    let provenance = store.shard_provenance(&run_b).await.expect("provenance");
    assert_eq!(provenance.len(), 2, "{provenance:?}");
    assert_eq!(
        (
            provenance[0].worker_id.as_str(),
            provenance[0].shards,
            provenance[0].leases
        ),
        ("", 1, 0)
    );
    assert_eq!(
        (
            provenance[1].worker_id.as_str(),
            provenance[1].provenance.batch_size
        ),
        ("bob", 32)
    );

    // A third unchanged run needs no model work at all: done at submit, never leased.
    let created = store
        .create_run_with(&history_plan("r-c", t0 + 2, "fb", "v1"), &reuse())
        .await
        .expect("create r-c");
    assert_eq!(
        (created.reused, created.shards_done, created.finished),
        (8, 2, true)
    );
    let idle = owner("carol", 1);
    assert!(try_lease(store, &idle, t0 + 2, 60_000).await.is_none());

    // A changed detector b, a changed dataset version, or --no-reuse recompute.
    let created = store
        .create_run_with(&history_plan("r-d", t0 + 3, "fb-new", "v1"), &reuse())
        .await
        .expect("create r-d");
    assert_eq!(
        (created.reused, created.shards_done),
        (4, 0),
        "only a is reused"
    );
    let changed = compute_next_shard(store, "alice", t0 + 3, |_, _| Outcome::Score(0.5)).await;
    assert_eq!(changed.detectors.len(), 1);
    assert_eq!(changed.detectors[0].name, "b");
    store
        .cancel_run(&RunId("r-d".into()), t0 + 3)
        .await
        .expect("cancel");
    for (run_id, fingerprint_b, version, options) in [
        ("r-e", "fb", "v2", reuse()),
        ("r-f", "fb", "v1", PlanOptions::default()),
    ] {
        let created = store
            .create_run_with(
                &history_plan(run_id, t0 + 4, fingerprint_b, version),
                &options,
            )
            .await
            .expect("create");
        assert_eq!(created.reused, 0, "{run_id}");
        store
            .cancel_run(&RunId(run_id.into()), t0 + 4)
            .await
            .expect("cancel");
    }

    // Excluded workers never lease the run's shards; ids are matched exactly (`_` is no wildcard).
    store
        .create_run_with(
            &history_plan("r-g", t0 + 5, "fb", "v1"),
            &PlanOptions {
                excluded_workers: vec!["alice".into(), "carolX1".into()],
                partial: Some("limit=4 seed=0".into()),
                tags: vec!["verify".into()],
                ..Default::default()
            },
        )
        .await
        .expect("create r-g");
    let alice = owner("alice", 1);
    assert!(try_lease(store, &alice, t0 + 5, 60_000).await.is_none());
    compute_next_shard(store, "carol_1", t0 + 5, |_, _| Outcome::Score(0.5)).await;
    compute_next_shard(store, "carol_1", t0 + 5, |_, _| Outcome::Score(0.5)).await;
    let history = store
        .run_history(&RunId("r-g".into()))
        .await
        .expect("history");
    assert_eq!(
        history,
        RunHistory {
            partial: true,
            sampling: Some("limit=4 seed=0".into()),
            promoted_at_ms: None,
            tags: vec!["verify".into()],
            excluded_workers: vec!["alice".into(), "carolX1".into()],
        }
    );

    // Lookups: `latest` skips partial and unfinished runs; promotion refuses them.
    let find = |filter: RunFilter| async move {
        store
            .find_runs(&RunFilter {
                limit: 10,
                ..filter
            })
            .await
            .expect("find")
            .into_iter()
            .map(|run| run.id.0)
            .collect::<Vec<_>>()
    };
    let complete = RunFilter {
        complete_only: true,
        ..Default::default()
    };
    assert_eq!(find(complete.clone()).await, ["r-c", "r-b", "r-a"]);
    let tagged = RunFilter {
        tag: Some("first".into()),
        ..Default::default()
    };
    assert_eq!(find(tagged).await, ["r-a"]);
    let prefix = RunFilter {
        id_prefix: Some("r-".into()),
        name: Some("nightly".into()),
        ..Default::default()
    };
    assert_eq!(find(prefix).await.len(), 7);
    let partial = store.promote_run(&RunId("r-g".into()), t0).await;
    assert!(
        matches!(partial, Err(StoreError::NotPromotable { .. })),
        "{partial:?}"
    );
    let cancelled = store.promote_run(&RunId("r-d".into()), t0).await;
    assert!(
        matches!(cancelled, Err(StoreError::NotPromotable { .. })),
        "{cancelled:?}"
    );
    store
        .promote_run(&RunId("r-b".into()), t0 + 10)
        .await
        .expect("promote r-b");
    store
        .promote_run(&run_a, t0 + 11)
        .await
        .expect("promote r-a");
    let promoted = RunFilter {
        promoted_only: true,
        ..Default::default()
    };
    assert_eq!(
        find(promoted).await,
        ["r-a", "r-b"],
        "newest promotion first"
    );
}

/// A plain run's history (tags sorted), its promotion as `run_history` and `find_runs` show
/// it, provenance only for finished shards, and unknown runs named.
async fn promotion_is_recorded(store: &dyn Store) {
    let run_id = RunId("p".into());
    let options = PlanOptions {
        tags: vec!["b".into(), "a".into()],
        ..Default::default()
    };
    store
        .create_run_with(&history_plan("p", 40, "fb", "v1"), &options)
        .await
        .expect("create");
    assert!(
        store
            .shard_provenance(&run_id)
            .await
            .expect("provenance")
            .is_empty()
    );
    for _ in 0..2 {
        compute_next_shard(store, "gina", 45, |_, _| Outcome::Score(0.5)).await;
    }
    let plain = RunHistory {
        tags: vec!["a".into(), "b".into()],
        ..Default::default()
    };
    assert_eq!(store.run_history(&run_id).await.expect("history"), plain);
    store.promote_run(&run_id, 50).await.expect("promote");
    assert_eq!(
        store.run_history(&run_id).await.expect("history"),
        RunHistory {
            promoted_at_ms: Some(50),
            ..plain
        }
    );
    let promoted = RunFilter {
        promoted_only: true,
        limit: 10,
        ..Default::default()
    };
    assert_eq!(
        store.find_runs(&promoted).await.expect("find"),
        [FoundRun {
            id: run_id.clone(),
            name: "nightly".into(),
            status: "done".into(),
            created_at_ms: 40,
            promoted_at_ms: Some(50),
        }]
    );
    let provenance = store.shard_provenance(&run_id).await.expect("provenance");
    assert_eq!(
        provenance
            .iter()
            .map(|summary| (summary.worker_id.as_str(), summary.shards, summary.leases))
            .collect::<Vec<_>>(),
        [("gina", 2, 2)]
    );
    let nope = RunId("nope".into());
    for error in [
        store.run_history(&nope).await.map(|_| ()),
        store.promote_run(&nope, 60).await,
    ] {
        assert!(
            matches!(error, Err(StoreError::RunNotFound(_))),
            "{error:?}"
        );
    }
}
