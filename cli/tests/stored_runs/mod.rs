//! Runs stored through the `Store` API as the coordinator stores them: planned, leased, scored
//! and completed shard by shard, so they end `done`.
//!
//! Scores: per (detector, image) a latent logit N(−1, 1) for reals and N(+1, 1) for fakes; each
//! run scores sigmoid(latent + N(0, 0.05)) (rerun noise), plus a per-run logit shift.

use dfbench_benchmarks::{Label, Sample};
use dfbench_reports::metrics::bootstrap::{Rng, stream_of};
use dfbench_store::*;

pub const METHODS: [&str; 2] = ["A", "B"];

pub fn samples() -> Vec<Sample> {
    let mut out = Vec::new();
    let mut push = |rel_path: String, label: Label, method: &str| {
        out.push(Sample {
            dataset: "ff".into(),
            subset: "test".into(),
            video_key: format!("ff/{rel_path}"),
            rel_path,
            label,
            label_group: format!("ff/{method}"),
            method: method.into(),
            split: "test".into(),
            compression: "raw".into(),
            frame_index: None,
        })
    };
    for i in 0..200 {
        push(format!("real/{i:04}.png"), Label::Real, "real");
    }
    for method in METHODS {
        for i in 0..100 {
            push(format!("{method}/{i:04}.png"), Label::Fake, method);
        }
    }
    out
}

pub fn gaussian(rng: &mut Rng) -> f64 {
    let u1 = 1.0 - rng.unit();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * rng.unit()).cos()
}

/// The score of `detector` on `rel_path` in run `run_id`, shifted by `shift` (logit).
pub fn score(run_id: &str, detector: &str, rel_path: &str, shift: f64) -> f64 {
    let mean = if rel_path.starts_with("real/") {
        -1.0
    } else {
        1.0
    };
    let latent = mean + gaussian(&mut Rng::new(stream_of(&format!("{detector}/{rel_path}"))));
    let noise = 0.05
        * gaussian(&mut Rng::new(stream_of(&format!(
            "{run_id}/{detector}/{rel_path}"
        ))));
    1.0 / (1.0 + (-(latent + noise + shift)).exp())
}

pub struct RunSpec<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub created_at_ms: i64,
    pub fingerprint: &'a str,
    pub detectors: &'a [&'a str],
    /// Logit shift of (detector, rel_path).
    pub shift: fn(&str, &str) -> f64,
}

pub fn plan(spec: &RunSpec<'_>) -> RunPlan {
    let samples = samples();
    let shards = (0..samples.len())
        .collect::<Vec<_>>()
        .chunks(100)
        .map(|indices| PlannedShard {
            dataset: "ff".into(),
            perturbation: "none".into(),
            sample_indices: indices.to_vec(),
        })
        .collect();
    RunPlan {
        run: RunRecord {
            id: RunId(spec.id.into()),
            name: spec.name.into(),
            suite_name: "nightly-suite".into(),
            suite_toml: "name = 'nightly-suite'".into(),
            suite_hash: "h".into(),
            data_root: "/data".into(),
            dfbench_version: "test".into(),
            status: RunStatus::Running,
            error: None,
            created_at_ms: spec.created_at_ms,
            finished_at_ms: None,
            requires: Vec::new(),
        },
        datasets: vec![DatasetRecord {
            name: "ff".into(),
            format: "csv".into(),
            root: "/data/ff".into(),
            fingerprint: spec.fingerprint.into(),
            samples: samples.len() as i64,
        }],
        detectors: spec
            .detectors
            .iter()
            .map(|name| DetectorRecord::builtin(name))
            .collect(),
        samples,
        contents: Vec::new(),
        shards,
        max_attempts: 2,
        max_losses: 2,
    }
}

/// Plans the run, then leases, scores and completes every shard; the run ends done.
pub async fn store_run(store: &dyn Store, spec: &RunSpec<'_>) {
    store.create_run(&plan(spec)).await.expect("create run");
    let owner = LeaseOwner {
        worker_id: "w1".into(),
        incarnation: 1,
    };
    let now = now_ms();
    while let Some(shard) = store
        .acquire_shard(&owner, now, 600_000)
        .await
        .expect("acquire")
    {
        let mut predictions = Vec::new();
        for (sample_id, rel_path) in &shard.samples {
            for detector in spec.detectors {
                let shift = (spec.shift)(detector, rel_path);
                predictions.push(NewPrediction {
                    sample_id: sample_id.clone(),
                    detector: (*detector).into(),
                    detector_fingerprint: format!("fp-{detector}"),
                    outcome: Outcome::Score(score(spec.id, detector, rel_path, shift)),
                    latency_us: 1,
                });
            }
        }
        let lease = LeaseRef {
            shard_id: shard.shard_id.clone(),
            epoch: shard.epoch.clone(),
            owner: owner.clone(),
        };
        store
            .ingest_predictions(&lease, &predictions)
            .await
            .expect("ingest");
        store.complete_shard(&lease, now).await.expect("complete");
    }
    let details = store.run(&RunId(spec.id.into())).await.expect("run");
    assert_eq!(
        details.run.status,
        RunStatus::Done,
        "{} must be done",
        spec.id
    );
}

pub fn no_shift(_: &str, _: &str) -> f64 {
    0.0
}

pub fn d1_worse_on_b(detector: &str, rel_path: &str) -> f64 {
    if detector == "d1" && rel_path.starts_with("B/") {
        -1.5
    } else {
        0.0
    }
}
