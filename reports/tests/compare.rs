//! Run comparison on synthetic scores: rerun noise is never a regression, a detector made worse
//! on one method is, and runs that cannot be compared say why.
//!
//! Score model: dataset `ff` with 300 reals and three fake methods (A, B, C; 150 each). Each
//! detector has a latent logit per image, N(−1, 1) for reals and N(+1, 1) for fakes (AUC ≈ 0.92).
//! Rerun noise: every run scores sigmoid(latent + N(0, σ)), independently per run — what
//! rescoring the same images on another GPU / cuDNN algorithm / JPEG decoder does to a detector.
//! σ = 0.05 logit in the 20-seed test (already ~50× the differences GPU nondeterminism usually
//! causes); σ = 0.1 in the calibration test, where ΔAUC's spread (~0.002) comes close to
//! `--max-drop` and only the Holm-corrected test keeps false regressions rare. Baseline and
//! candidate are two such runs, so their expected AUCs are equal.

use dfbench_reports::compare::{NotComparable, Verdict};
use dfbench_reports::metrics::bootstrap::Rng;
use dfbench_reports::model::{DatasetInfo, PredictionRecord, RunInfo};
use dfbench_reports::{
    CompareOptions, CompareOutcome, Comparison, RunSide, compare_runs, delong_paired_test,
};

const DETECTORS: [&str; 2] = ["d1", "d2"];
const METHODS: [&str; 3] = ["A", "B", "C"];

fn gaussian(rng: &mut Rng) -> f64 {
    let u1 = 1.0 - rng.unit(); // (0, 1]
    let u2 = rng.unit();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// (rel_path, method, label) of every sample.
fn samples() -> Vec<(String, &'static str, i64)> {
    let mut out: Vec<(String, &'static str, i64)> = (0..300)
        .map(|i| (format!("real/{i:04}.png"), "real", 0))
        .collect();
    for method in METHODS {
        out.extend((0..150).map(|i| (format!("{method}/{i:04}.png"), method, 1)));
    }
    out
}

fn run(id: &str, fingerprint: &str) -> RunInfo {
    RunInfo {
        run_id: id.to_string(),
        name: "nightly".to_string(),
        status: "done".to_string(),
        datasets: vec![DatasetInfo {
            name: "ff".to_string(),
            fingerprint: fingerprint.to_string(),
            samples: 750,
        }],
        ..RunInfo::default()
    }
}

fn record(detector: &str, sample: &(String, &str, i64), logit: f64) -> PredictionRecord {
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
fn latent(seed: u64) -> Vec<f64> {
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
fn scored(
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
fn runs_with(
    seed: u64,
    noise: f64,
    shift: impl Fn(&str, &str) -> f64,
) -> (Vec<PredictionRecord>, Vec<PredictionRecord>) {
    let latent = latent(seed);
    let base = scored(&latent, noise, seed ^ 0xBA5E, no_shift);
    let cand = scored(&latent, noise, seed ^ 0xCA4D, shift);
    (base, cand)
}

fn runs(
    seed: u64,
    shift: impl Fn(&str, &str) -> f64,
) -> (Vec<PredictionRecord>, Vec<PredictionRecord>) {
    runs_with(seed, 0.05, shift)
}

fn no_shift(_: &str, _: &str) -> f64 {
    0.0
}

fn compare(
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

#[test]
fn rerun_noise_is_never_a_regression_in_20_seeds() {
    let options = CompareOptions::default();
    let (base_run, cand_run) = (run("base", "fp"), run("cand", "fp"));
    for seed in 0..20 {
        let (base, cand) = runs(seed, no_shift);
        let comparison = compare((&base_run, &base), (&cand_run, &cand), &options);
        // 2 detectors × (all, subset=test, method=A/B/C) cells, all tested.
        assert_eq!(comparison.cells.len(), 10);
        assert!(comparison.cells.iter().all(|c| c.p_value.is_some()));
        assert!(comparison.problems.is_empty(), "{:?}", comparison.problems);
        assert_eq!(
            comparison.outcome(),
            CompareOutcome::NoRegression,
            "seed {seed}: {}",
            dfbench_reports::compare::markdown::render(&comparison)
        );
        assert_eq!(comparison.outcome().exit_code(), 0);
    }
}

/// Under the null (σ = 0.1), the 95% ΔAUC interval covers 0 about 95% of the time and the
/// share of comparisons with a false regression stays below alpha (Holm controls the
/// family-wise error rate; one-sided, so about alpha / 2 is expected).
#[test]
fn null_comparisons_are_calibrated() {
    let options = CompareOptions::default();
    let (base_run, cand_run) = (run("base", "fp"), run("cand", "fp"));
    let (seeds, mut covered, mut cells, mut false_regressions) = (200, 0, 0, 0);
    for seed in 1000..1000 + seeds {
        let (base, cand) = runs_with(seed, 0.1, no_shift);
        let comparison = compare((&base_run, &base), (&cand_run, &cand), &options);
        false_regressions += u32::from(comparison.outcome() != CompareOutcome::NoRegression);
        for cell in comparison
            .cells
            .iter()
            .filter(|c| c.key.slice.starts_with("method="))
        {
            let (low, high) = cell.delta_interval.expect("interval");
            covered += u32::from(low <= 0.0 && 0.0 <= high);
            cells += 1;
        }
    }
    let coverage = f64::from(covered) / f64::from(cells);
    assert!((0.92..=0.98).contains(&coverage), "coverage {coverage}");
    assert!(
        false_regressions <= 10,
        "{false_regressions} of {seeds} seeds"
    );
}

#[test]
fn a_detector_made_worse_on_one_method_is_flagged_and_named() {
    let (base, cand) = runs(7, |detector, method| {
        if detector == "d1" && method == "B" {
            -1.0
        } else {
            0.0
        }
    });
    let (base_run, cand_run) = (run("base", "fp"), run("cand", "fp"));
    let comparison = compare(
        (&base_run, &base),
        (&cand_run, &cand),
        &CompareOptions::default(),
    );
    assert_eq!(comparison.outcome(), CompareOutcome::Regression);
    assert_eq!(comparison.outcome().exit_code(), 1);
    let regressed: Vec<String> = comparison.regressed().map(|c| c.key.to_string()).collect();
    assert!(
        regressed.contains(&"d1 / ff / none / method=B".to_string()),
        "{regressed:?}"
    );
    assert!(
        regressed.iter().all(|k| k.starts_with("d1 /")),
        "{regressed:?}"
    );
    assert!(
        !regressed
            .iter()
            .any(|k| k.ends_with("method=A") || k.ends_with("method=C"))
    );
    let markdown = dfbench_reports::compare::markdown::render(&comparison);
    assert!(
        markdown.starts_with("**dfbench compare — REGRESSION"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| regressed | d1 | ff | none | method=B |"),
        "{markdown}"
    );

    // The cell's numbers are the paired DeLong test on the paired scores.
    let cell = comparison
        .cells
        .iter()
        .find(|c| c.key.detector == "d1" && c.key.slice == "method=B")
        .expect("cell");
    let pick = |records: &[PredictionRecord]| -> Vec<f64> {
        records
            .iter()
            .filter(|r| r.detector == "d1" && (r.method == "B" || r.method == "real"))
            .filter_map(|r| r.score)
            .collect()
    };
    let labels: Vec<bool> = base
        .iter()
        .filter(|r| r.detector == "d1" && (r.method == "B" || r.method == "real"))
        .map(|r| r.label == 1)
        .collect();
    let test = delong_paired_test(&pick(&cand), &pick(&base), &labels).expect("test");
    assert!((cell.delta_auc.expect("delta") - test.difference).abs() < 1e-12);
    assert!((cell.p_value.expect("p") - test.p_value).abs() < 1e-12);
    let (low, high) = cell.delta_interval.expect("interval");
    assert!(low < test.difference && test.difference < high && high < 0.0);
    assert_eq!((cell.n_real, cell.n_fake), (300, 150));
}

#[test]
fn different_fingerprints_missing_cells_and_unfinished_runs_are_not_comparable() {
    let (base, cand) = runs(3, no_shift);
    let options = CompareOptions::default();
    let base_run = run("base", "fp-old");
    let comparison = compare(
        (&base_run, &base),
        (&run("cand", "fp-new"), &cand),
        &options,
    );
    assert_eq!(comparison.outcome().exit_code(), 2);
    let reasons: Vec<String> = comparison
        .problems
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        reasons,
        [
            "dataset ff changed: fingerprint fp-old in the baseline, fp-new in the candidate; \
          compare runs over the same dataset version"
        ]
    );

    let without_d2: Vec<PredictionRecord> = cand
        .iter()
        .filter(|r| r.detector != "d2")
        .cloned()
        .collect();
    let cand_run = run("cand", "fp-old");
    let comparison = compare((&base_run, &base), (&cand_run, &without_d2), &options);
    assert_eq!(comparison.outcome(), CompareOutcome::NotComparable);
    let missing: Vec<String> = comparison
        .problems
        .iter()
        .filter_map(|p| match p {
            NotComparable::MissingCell(key) => Some(key.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(missing.len(), 5, "{missing:?}");
    assert!(missing.contains(&"d2 / ff / none / method=A".to_string()));

    let running = RunInfo {
        status: "running".to_string(),
        ..run("cand", "fp-old")
    };
    let comparison = compare((&base_run, &base), (&running, &cand), &options);
    assert_eq!(
        comparison.problems,
        [NotComparable::RunNotDone {
            side: "candidate",
            run_id: "cand".to_string(),
            status: "running".to_string()
        }]
    );
}

#[test]
fn partial_runs_need_allow_partial() {
    let (base, cand) = runs(4, no_shift);
    let (base_run, cand_run) = (run("base", "fp"), run("cand", "fp"));
    let sides = |partial| {
        (
            RunSide {
                run: &base_run,
                predictions: &base,
                partial: false,
            },
            RunSide {
                run: &cand_run,
                predictions: &cand,
                partial,
            },
        )
    };
    let (b, c) = sides(true);
    let refused = compare_runs(b, c, &CompareOptions::default());
    assert!(matches!(
        refused.problems[..],
        [NotComparable::PartialRun {
            side: "candidate",
            ..
        }]
    ));
    let allowed = CompareOptions {
        allow_partial: true,
        ..CompareOptions::default()
    };
    let (b, c) = sides(true);
    assert_eq!(
        compare_runs(b, c, &allowed).outcome(),
        CompareOutcome::NoRegression
    );
}

#[test]
fn unpaired_samples_and_failures_are_counted_and_left_out() {
    let (base, mut cand) = runs(5, no_shift);
    // The candidate lost 10 reals of d1 and failed on 4 fakes of method C of d1.
    cand.retain(|r| {
        !(r.detector == "d1" && r.rel_path.as_str() < "real/0010.png" && r.method == "real")
    });
    for r in cand
        .iter_mut()
        .filter(|r| r.detector == "d1" && r.method == "C")
        .take(4)
    {
        r.score = None;
        r.failure_kind = Some("decode".to_string());
    }
    let (base_run, cand_run) = (run("base", "fp"), run("cand", "fp"));
    let comparison = compare(
        (&base_run, &base),
        (&cand_run, &cand),
        &CompareOptions::default(),
    );
    assert_eq!(comparison.unpaired.len(), 1);
    let unpaired = &comparison.unpaired[0];
    assert_eq!(
        (
            unpaired.detector.as_str(),
            unpaired.only_baseline,
            unpaired.only_candidate
        ),
        ("d1", 10, 0)
    );
    let cell = |slice: &str| {
        comparison
            .cells
            .iter()
            .find(|c| c.key.detector == "d1" && c.key.slice == slice)
            .expect("cell")
    };
    assert_eq!(
        (cell("method=C").n_real, cell("method=C").n_fake),
        (290, 146)
    );
    assert_eq!(
        (
            cell("method=C").failed_baseline,
            cell("method=C").failed_candidate
        ),
        (0, 4)
    );
    assert_eq!(cell("all").failed_candidate, 4);
    assert_eq!(cell("method=A").failed_candidate, 0);
    assert!(
        comparison
            .cells
            .iter()
            .all(|c| c.verdict != Verdict::Regressed)
    );
}
