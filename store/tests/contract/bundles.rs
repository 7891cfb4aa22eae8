//! Bundles (issue 21): `export_run` reads a run as its rows with positions for ids, and
//! `import_run` stores them in another store giving the same reads (predictions, clip outcomes,
//! metrics, provenance, history, workers); re-importing is a no-op; a run id held with other
//! content and a detector or dataset name known under other fingerprints are refused, writing
//! nothing.

use crate::support::*;
use dfbench_benchmarks::{FailureKind, Label, Sample};
use dfbench_store::*;

store_contract! {
    bundles_round_trip_and_refuse_conflicts,
}

/// A clip run `run_id`: video `vid/a` (fake, frames 0-3) scored by image detector `img` and
/// clip detector `clip` (clips 0 and 1) in one shard, computed by worker `alice` with
/// provenance, tagged, promoted, with metrics stored. Returns the run id.
async fn computed_clip_run(store: &dyn Store, run_id: &str, at: i64) -> RunId {
    let samples: Vec<Sample> = (0..4)
        .map(|i| Sample {
            video_key: "vid/a".into(),
            frame_index: Some(i),
            ..sample("vid", &format!("a/{i}.png"), Label::Fake)
        })
        .collect();
    let shards = vec![PlannedShard {
        clips: vec![
            clip_of_a(0, vec![0, 1], "k0".into()),
            clip_of_a(1, vec![2, 3], "k1".into()),
        ],
        ..shard("vid", "none", vec![0, 1, 2, 3])
    }];
    let mut plan = video_plan((run_id, "clips", at), samples, shards, 2);
    plan.run.requires = vec!["torch".into()];
    store
        .create_run_with(&plan, &PlanOptions::default())
        .await
        .expect("create run");
    store
        .register_worker(&worker("alice", 1, &["torch"], at))
        .await
        .expect("register");
    let clip = |index: i64, outcome: Outcome| NewClipPrediction {
        detector: "clip".into(),
        detector_fingerprint: "f-clip".into(),
        video_key: "vid/a".into(),
        clip_index: index,
        outcome,
        latency_us: 9,
    };
    let clips = [
        clip(0, Outcome::Score(0.1 + 0.2)),
        clip(
            1,
            Outcome::Failure {
                kind: FailureKind::DecodeError,
                message: "frame 3 is truncated".into(),
            },
        ),
    ];
    let alice = owner("alice", 1);
    let assignment = lease_next(store, &alice, at, 60_000).await;
    let lease = lease_of(&assignment, &alice);
    let scores: Vec<NewPrediction> = (assignment.samples.iter().enumerate())
        .map(|(i, (sample_id, _))| NewPrediction {
            sample_id: sample_id.clone(),
            detector: "img".into(),
            detector_fingerprint: "f-img".into(),
            outcome: Outcome::Score(1.0 / (i as f64 + 3.0)),
            latency_us: 4,
        })
        .collect();
    store
        .ingest_predictions(&lease, &scores)
        .await
        .expect("ingest");
    store
        .ingest_clip_predictions(&lease, &clips)
        .await
        .expect("clips");
    let provenance = ShardProvenance {
        device: "cuda:0".into(),
        libtorch: "2.13".into(),
        cuda: "12.8".into(),
        batch_size: 16,
    };
    store
        .complete_shard_with(&lease, at + 5, Some(&provenance))
        .await
        .expect("complete");
    let run_id = RunId(run_id.into());
    store.promote_run(&run_id, at + 9).await.expect("promote");
    let metric = MetricRecord {
        detector: "img".into(),
        dataset: "vid".into(),
        perturbation: "none".into(),
        slice: "all".into(),
        level: "frame".into(),
        metric: "auc".into(),
        value: Some(2.0 / 3.0),
        undefined_reason: None,
        n_real: 0,
        n_fake: 4,
        ci_low: Some(0.1),
        ci_high: Some(0.7),
        interval_stored: true,
    };
    store
        .replace_metrics(&run_id, &[metric])
        .await
        .expect("metrics");
    run_id
}

/// A fresh, empty store of the backend `db` is on.
async fn other_store(db: &TestDb) -> Option<TestDb> {
    if db.kind == "sqlite" {
        Some(TestDb::sqlite().await)
    } else {
        TestDb::postgres("bundles_target").await
    }
}

async fn bundles_round_trip_and_refuse_conflicts(db: &TestDb) {
    let source = db.store();
    let run_id = computed_clip_run(source, "b-1", 7_000_000).await;
    let rows = source.export_run(&run_id).await.expect("export");
    assert_eq!(
        (
            rows.shards.len(),
            rows.samples.len(),
            rows.shard_clips.len()
        ),
        (1, 4, 2)
    );
    assert_eq!(
        (rows.predictions.len(), rows.clip_predictions.len()),
        (4, 2)
    );
    assert_eq!(rows.samples[3].id, 3, "ids are positions");
    assert_eq!(rows.shard_clips[1].sample_ids, "2 3");
    assert_eq!(rows.workers[0].capabilities.as_deref(), Some("torch"));

    let Some(target_db) = other_store(db).await else {
        return;
    };
    let target = target_db.store();
    // Rows of another run first, so the target's ids differ from the source's.
    target
        .create_run(&plan("other", 1_000))
        .await
        .expect("other run");
    assert_eq!(
        target.import_run(&rows).await.expect("import"),
        ImportOutcome::Imported
    );
    let imported = target.export_run(&run_id).await.expect("export again");
    assert_eq!(imported.differences(&rows), Vec::<&str>::new());
    assert_eq!(
        (&imported.metrics, &imported.tags),
        (&rows.metrics, &rows.tags)
    );
    assert_eq!(imported.run.promoted_at_ms, Some(7_000_009));
    assert_eq!(
        target.predictions(&run_id).await.expect("predictions"),
        source.predictions(&run_id).await.expect("predictions")
    );
    assert_eq!(
        target.clip_predictions(&run_id).await.expect("clips"),
        source.clip_predictions(&run_id).await.expect("clips")
    );
    assert_eq!(
        target.shard_provenance(&run_id).await.expect("provenance"),
        source.shard_provenance(&run_id).await.expect("provenance")
    );
    let (there, here) = (
        target.run(&run_id).await.expect("run"),
        source.run(&run_id).await.expect("run"),
    );
    assert_eq!(
        (there.run, there.datasets, there.detectors),
        (here.run, here.datasets, here.detectors)
    );
    let workers = target.workers().await.expect("workers");
    assert_eq!(workers.len(), 1);
    assert!(
        workers[0].left_at_ms.is_some(),
        "imported workers have left"
    );
    assert_eq!(workers[0].capabilities, vec!["torch".to_string()]);

    assert_eq!(
        target.import_run(&rows).await.expect("re-import"),
        ImportOutcome::AlreadyImported
    );

    let mut changed = rows.clone();
    changed.predictions[0].score = Some(0.99);
    let error = target
        .import_run(&changed)
        .await
        .expect_err("other content");
    assert!(
        matches!(&error, StoreError::RunConflict { differs, .. } if differs == "predictions"),
        "{error}"
    );

    let mut renamed = rows.clone();
    renamed.run.record.id = dfbench_store::RunId("b-2".into());
    renamed.detectors[1].fingerprint = Some("f-img-retrained".into());
    let error = target.import_run(&renamed).await.expect_err("conflict");
    let message = error.to_string();
    assert!(
        message.contains("detector `img`")
            && message.contains("f-img-retrained")
            && message.contains("f-img"),
        "{message}"
    );
    let error = target
        .run(&RunId("b-2".into()))
        .await
        .expect_err("nothing imported");
    assert!(matches!(error, StoreError::RunNotFound(_)), "{error}");
}
