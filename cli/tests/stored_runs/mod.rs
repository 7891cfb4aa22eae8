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
            reads: dfbench_benchmarks::FrameReads::Both,
            published_md5: None,
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
    /// The run whose rerun noise the scores carry: the run's own id, or another run's id for
    /// predictions identical to that run's.
    pub noise_of: &'a str,
    /// What (detector, rel_path, score) is stored as: the score ([`scored`]), or a failure or a
    /// broken detector's output.
    pub outcome: fn(&str, &str, f64) -> Outcome,
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
            clips: Vec::new(),
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
            exif_orientation: "ignore".into(),
            max_pixels: 64_000_000,
        }],
        detectors: spec
            .detectors
            .iter()
            .map(|name| DetectorRecord::builtin(name))
            .collect(),
        samples,
        contents: Vec::new(),
        shards,
        sample_failures: Vec::new(),
        max_attempts: 2,
        max_losses: 2,
    }
}

/// Plans the run, then leases, scores and completes every shard; the run ends done.
pub async fn store_run(store: &dyn Store, spec: &RunSpec<'_>) {
    store_run_with(store, spec, &PlanOptions::default()).await;
}

/// As [`store_run`], planned with `options` (tags, partial).
pub async fn store_run_with(store: &dyn Store, spec: &RunSpec<'_>, options: &PlanOptions) {
    store
        .create_run_with(&plan(spec), options)
        .await
        .expect("create run");
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
                let score = score(spec.noise_of, detector, rel_path, shift);
                predictions.push(NewPrediction {
                    sample_id: sample_id.clone(),
                    detector: (*detector).into(),
                    detector_fingerprint: format!("fp-{detector}"),
                    outcome: (spec.outcome)(detector, rel_path, score),
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

pub fn scored(_: &str, _: &str, score: f64) -> Outcome {
    Outcome::Score(score)
}

fn failure() -> Outcome {
    Outcome::Failure {
        kind: dfbench_benchmarks::FailureKind::ForwardError,
        message: "detector crashed".into(),
    }
}

/// The sample number of `A/0042.png` (42).
fn number(rel_path: &str) -> usize {
    let stem = rel_path.rsplit('/').next().unwrap_or_default();
    stem.trim_end_matches(".png").parse().unwrap_or(0)
}

pub fn d1_fails_everywhere(detector: &str, _: &str, score: f64) -> Outcome {
    if detector == "d1" {
        failure()
    } else {
        Outcome::Score(score)
    }
}

/// d1 fails on one sample in five (20%) of every method and of the reals.
pub fn d1_fails_on_one_in_five(detector: &str, rel_path: &str, score: f64) -> Outcome {
    if detector == "d1" && number(rel_path).is_multiple_of(5) {
        failure()
    } else {
        Outcome::Score(score)
    }
}

/// d1 separates reals and fakes perfectly.
pub fn d1_perfect(detector: &str, rel_path: &str, score: f64) -> Outcome {
    match (detector, rel_path.starts_with("real/")) {
        ("d1", true) => Outcome::Score(0.1),
        ("d1", false) => Outcome::Score(0.9),
        _ => Outcome::Score(score),
    }
}

/// d1 collapsed to one constant output.
pub fn d1_constant(detector: &str, _: &str, score: f64) -> Outcome {
    Outcome::Score(if detector == "d1" { 0.5 } else { score })
}
