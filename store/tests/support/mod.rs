//! Shared by the store's history and reuse-index tests: a small run plan over four files in two
//! shards with two detectors, and a worker that computes one shard.

#![allow(dead_code)]

use dfbench_benchmarks::{Label, Sample};
use dfbench_store::*;

pub const PATHS: [&str; 4] = [
    "0_real/p0.png",
    "0_real/p1.png",
    "1_fake/p2.png",
    "1_fake/p3.png",
];

/// A run over `PATHS` in two shards with detectors `a` and `b` of the given fingerprints.
pub fn history_plan(
    run_id: &str,
    created_at_ms: i64,
    fingerprint_b: &str,
    dataset_version: &str,
) -> RunPlan {
    let samples = PATHS
        .iter()
        .map(|path| Sample {
            dataset: "set".into(),
            subset: "s".into(),
            rel_path: (*path).into(),
            label: if path.starts_with("0_") {
                Label::Real
            } else {
                Label::Fake
            },
            label_group: "g".into(),
            method: "m".into(),
            split: "test".into(),
            compression: "raw".into(),
            video_key: format!("set/{path}"),
            frame_index: None,
        })
        .collect();
    let detector = |name: &str, fingerprint: &str| DetectorRecord {
        name: name.into(),
        kind: "builtin".into(),
        builtin: "spectral".into(),
        card: None,
        fingerprint: Some(fingerprint.into()),
    };
    let shard = |sample_indices: Vec<usize>| PlannedShard {
        dataset: "set".into(),
        perturbation: "jpeg:75".into(),
        sample_indices,
    };
    RunPlan {
        run: RunRecord {
            id: RunId(run_id.into()),
            name: "nightly".into(),
            suite_name: "history".into(),
            suite_toml: String::new(),
            suite_hash: "h".into(),
            data_root: "/".into(),
            dfbench_version: "0".into(),
            status: RunStatus::Running,
            error: None,
            created_at_ms,
            finished_at_ms: None,
            requires: Vec::new(),
        },
        datasets: vec![DatasetRecord {
            name: "set".into(),
            format: "cnnspot".into(),
            root: "/data".into(),
            fingerprint: dataset_version.into(),
            samples: PATHS.len() as i64,
        }],
        detectors: vec![detector("a", "fa"), detector("b", fingerprint_b)],
        samples,
        contents: Vec::new(),
        shards: vec![shard(vec![0, 1]), shard(vec![2, 3])],
        max_attempts: 2,
        max_losses: 2,
    }
}

pub fn reuse() -> PlanOptions {
    PlanOptions {
        reuse_predictions: true,
        ..Default::default()
    }
}

/// Leases the next shard as `worker`, reports `outcome(path, detector)` for each of the
/// shard's (sample, detector) pairs, records provenance and completes it.
pub async fn compute_next_shard(
    store: &dyn Store,
    worker: &str,
    now: i64,
    outcome: impl Fn(&str, &str) -> Outcome,
) -> ShardAssignment {
    let owner = LeaseOwner {
        worker_id: worker.into(),
        incarnation: 1,
    };
    let assignment = store
        .acquire_shard(&owner, now, 60_000)
        .await
        .expect("acquire")
        .expect("a ready shard");
    let mut predictions = Vec::new();
    for (sample_id, path) in &assignment.samples {
        for detector in &assignment.detectors {
            predictions.push(NewPrediction {
                sample_id: sample_id.clone(),
                detector: detector.name.clone(),
                detector_fingerprint: detector.fingerprint.clone().unwrap_or_default(),
                outcome: outcome(path, &detector.name),
                latency_us: 5,
            });
        }
    }
    let lease = LeaseRef {
        shard_id: assignment.shard_id.clone(),
        epoch: assignment.epoch.clone(),
        owner,
    };
    store
        .ingest_predictions(&lease, &predictions)
        .await
        .expect("ingest");
    let provenance = ShardProvenance {
        device: "cpu".into(),
        libtorch: String::new(),
        cuda: String::new(),
        batch_size: 32,
    };
    store
        .complete_shard_with(&lease, now, Some(&provenance))
        .await
        .expect("complete");
    assignment
}
