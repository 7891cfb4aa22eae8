//! Run comparison on synthetic scores (model in `synthetic/mod.rs`): rerun noise is never a
//! regression, the null is calibrated, and a detector made worse on one method is flagged.

mod synthetic;

use dfbench_reports::model::PredictionRecord;
use dfbench_reports::{CompareOptions, CompareOutcome, delong_paired_test};
use synthetic::*;

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
