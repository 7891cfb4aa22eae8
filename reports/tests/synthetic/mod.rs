//! Synthetic runs for the comparison tests.
//!
//! Score model: dataset `ff` with 300 reals and three fake methods (A, B, C; 150 each). Each
//! detector has a latent logit per image, N(−1, 1) for reals and N(+1, 1) for fakes (AUC ≈ 0.92).
//! Rerun noise: every run scores sigmoid(latent + N(0, σ)), independently per run — what
//! rescoring the same images on another GPU / cuDNN algorithm / JPEG decoder does to a detector.
//! σ = 0.05 logit in the 20-seed test (already ~50× the differences GPU nondeterminism usually
//! causes); σ = 0.1 in the calibration test, where ΔAUC's spread (~0.002) comes close to
//! `--max-drop` and only the Holm-corrected test keeps false regressions rare. Baseline and
//! candidate are two such runs, so their expected AUCs are equal.
#![allow(dead_code)]

use dfbench_reports::metrics::bootstrap::Rng;
use dfbench_reports::model::{DatasetInfo, PredictionRecord, RunInfo};
use dfbench_reports::{CompareOptions, Comparison, RunSide, compare_runs};

pub const DETECTORS: [&str; 2] = ["d1", "d2"];
pub const METHODS: [&str; 3] = ["A", "B", "C"];

pub fn gaussian(rng: &mut Rng) -> f64 {
    let u1 = 1.0 - rng.unit(); // (0, 1]
    let u2 = rng.unit();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// (rel_path, method, label) of every sample.
pub fn samples() -> Vec<(String, &'static str, i64)> {
    let mut out: Vec<(String, &'static str, i64)> = (0..300)
        .map(|i| (format!("real/{i:04}.png"), "real", 0))
        .collect();
    for method in METHODS {
        out.extend((0..150).map(|i| (format!("{method}/{i:04}.png"), method, 1)));
    }
    out
}

pub fn run(id: &str, fingerprint: &str) -> RunInfo {
    RunInfo {
        run_id: id.to_string(),
        name: "nightly".to_string(),
        status: "done".to_string(),
        datasets: vec![DatasetInfo {
            name: "ff".to_string(),
            fingerprint: fingerprint.to_string(),
            samples: 750,
            ..DatasetInfo::default()
        }],
        ..RunInfo::default()
    }
}

pub fn record(detector: &str, sample: &(String, &str, i64), logit: f64) -> PredictionRecord {
    PredictionRecord {
        detector: detector.to_string(),
        dataset: "ff".to_string(),
        subset: "test".to_string(),
        perturbation: "none".to_string(),
        rel_path: sample.0.clone(),
        video_key: format!("ff/{}", sample.0),
        label: sample.2,
        method: sample.1.to_string(),
        score: Some(sigmoid(logit)),
        ..PredictionRecord::default()
    }
}

/// The latent logit of every (detector, sample), in [`scored`] order.
pub fn latent(seed: u64) -> Vec<f64> {
    let mut rng = Rng::new(seed);
    let mut logits = Vec::new();
    for _ in DETECTORS {
        for sample in samples() {
            let mean = if sample.2 == 1 { 1.0 } else { -1.0 };
            logits.push(mean + gaussian(&mut rng));
        }
    }
    logits
}

/// One run's predictions: latent + rerun noise (σ `noise`, stream `run`) + `shift`.
pub fn scored(
    latent: &[f64],
    noise: f64,
    run: u64,
    shift: impl Fn(&str, &str) -> f64,
) -> Vec<PredictionRecord> {
    let mut rng = Rng::new(run);
    let pairs = DETECTORS
        .iter()
        .flat_map(|detector| samples().into_iter().map(move |sample| (*detector, sample)));
    pairs
        .zip(latent)
        .map(|((detector, sample), logit)| {
            let jitter = noise * gaussian(&mut rng);
            record(
                detector,
                &sample,
                logit + jitter + shift(detector, sample.1),
            )
        })
        .collect()
}

/// Baseline and candidate of one seed with rerun noise σ = `noise`; the candidate gets `shift`.
pub fn runs_with(
    seed: u64,
    noise: f64,
    shift: impl Fn(&str, &str) -> f64,
) -> (Vec<PredictionRecord>, Vec<PredictionRecord>) {
    let latent = latent(seed);
    let base = scored(&latent, noise, seed ^ 0xBA5E, no_shift);
    let cand = scored(&latent, noise, seed ^ 0xCA4D, shift);
    (base, cand)
}

pub fn runs(
    seed: u64,
    shift: impl Fn(&str, &str) -> f64,
) -> (Vec<PredictionRecord>, Vec<PredictionRecord>) {
    runs_with(seed, 0.05, shift)
}

pub fn no_shift(_: &str, _: &str) -> f64 {
    0.0
}

pub fn compare(
    base: (&RunInfo, &[PredictionRecord]),
    cand: (&RunInfo, &[PredictionRecord]),
    options: &CompareOptions,
) -> Comparison {
    let baseline = RunSide {
        run: base.0,
        predictions: base.1,
        partial: false,
    };
    let candidate = RunSide {
        run: cand.0,
        predictions: cand.1,
        partial: false,
    };
    compare_runs(baseline, candidate, options)
}
