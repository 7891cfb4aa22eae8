//! The gate around the statistics: failures, cells without pairs and collapsed detectors are
//! judged instead of left out, and the Holm family is chosen and stated.

mod synthetic;

use dfbench_reports::compare::{Change, Regression, Untestable, Verdict, json, markdown};
use dfbench_reports::model::PredictionRecord;
use dfbench_reports::{CompareOptions, CompareOutcome, Comparison, HolmFamily};
use synthetic::*;

fn compare_with(
    base: &[PredictionRecord],
    cand: &[PredictionRecord],
    options: &CompareOptions,
) -> Comparison {
    compare(
        (&run("base", "fp"), base),
        (&run("cand", "fp"), cand),
        options,
    )
}

fn fail(record: &mut PredictionRecord) {
    record.score = None;
    record.failure_kind = Some(dfbench_benchmarks::FailureKind::ForwardError);
}

fn verdicts_of(comparison: &Comparison, detector: &str) -> Vec<Verdict> {
    comparison
        .cells
        .iter()
        .filter(|c| c.key.detector == detector)
        .map(|c| c.verdict)
        .collect()
}

#[test]
fn a_detector_failing_on_every_candidate_sample_is_regressed_all_failed() {
    let (base, mut cand) = runs(11, no_shift);
    cand.iter_mut()
        .filter(|r| r.detector == "d1")
        .for_each(fail);
    let comparison = compare_with(&base, &cand, &CompareOptions::default());
    assert_eq!(comparison.outcome(), CompareOutcome::Regression);
    assert_eq!(comparison.outcome().exit_code(), 1);
    let d1 = verdicts_of(&comparison, "d1");
    assert_eq!(d1.len(), 5);
    assert!(
        d1.iter()
            .all(|v| *v == Verdict::Regressed(Regression::AllFailed)),
        "{d1:?}"
    );
    assert!(comparison.problems.is_empty(), "{:?}", comparison.problems);
    let text = markdown::render(&comparison);
    assert!(
        text.contains("| regressed (all failed) | d1 | ff | none | all |"),
        "{text}"
    );
    assert!(text.contains("0 / 750 (0.0% → 100.0%)"), "{text}");
}

#[test]
fn a_detector_failing_on_20_percent_more_samples_is_regressed_failures() {
    let (mut base, mut cand) = runs(12, no_shift);
    // The baseline fails on 1 sample in 50 of d1, the candidate on those and 1 in 5 more.
    for (index, record) in base.iter_mut().enumerate() {
        if record.detector == "d1" && index % 50 == 0 {
            fail(record);
        }
    }
    for (index, record) in cand.iter_mut().enumerate() {
        if record.detector == "d1" && (index % 50 == 0 || index % 5 == 1) {
            fail(record);
        }
    }
    let comparison = compare_with(&base, &cand, &CompareOptions::default());
    assert_eq!(comparison.outcome().exit_code(), 1);
    for cell in comparison.cells.iter().filter(|c| c.key.detector == "d1") {
        assert_eq!(
            cell.verdict,
            Verdict::Regressed(Regression::Failures),
            "{}",
            cell.key
        );
        let (base_rate, cand_rate) = cell.failure_rates();
        assert!(
            (18.0..22.0).contains(&(cand_rate - base_rate)),
            "{}",
            cell.key
        );
        // The AUC test still ran on the pairs scored in both runs, and is reported.
        assert!(cell.delta_auc.is_some() && cell.p_value.is_some());
    }
    assert!(
        verdicts_of(&comparison, "d2")
            .iter()
            .all(|v| *v == Verdict::Unchanged(Change::PairedTest))
    );

    // A looser threshold lets the same failures through; the AUCs are rerun noise.
    let loose = CompareOptions {
        max_failure_increase: 25.0,
        ..CompareOptions::default()
    };
    assert_eq!(
        compare_with(&base, &cand, &loose).outcome(),
        CompareOutcome::NoRegression
    );
}

/// Baseline d1 separates every slice perfectly; the candidate's d1 outputs one constant.
fn perfect_and_constant() -> (Vec<PredictionRecord>, Vec<PredictionRecord>) {
    let (mut base, mut cand) = runs(13, no_shift);
    for record in base.iter_mut().filter(|r| r.detector == "d1") {
        record.score = Some(if record.label == 1 { 0.9 } else { 0.1 });
    }
    for record in cand.iter_mut().filter(|r| r.detector == "d1") {
        record.score = Some(0.5);
    }
    (base, cand)
}

#[test]
fn a_constant_candidate_against_a_perfect_baseline_is_a_deterministic_drop() {
    let (base, cand) = perfect_and_constant();
    let comparison = compare_with(&base, &cand, &CompareOptions::default());
    assert_eq!(comparison.outcome().exit_code(), 1);
    for cell in comparison.cells.iter().filter(|c| c.key.detector == "d1") {
        assert_eq!(
            cell.verdict,
            Verdict::Regressed(Regression::DeterministicDrop)
        );
        assert_eq!(cell.delta_auc, Some(-0.5), "{}", cell.key);
        assert_eq!(cell.p_value, None, "outside the Holm family");
    }
    let text = markdown::render(&comparison);
    assert!(
        text.contains("| regressed (deterministic drop) | d1 | ff | none | method=A |"),
        "{text}"
    );
    assert!(text.contains("-0.5000 [zero variance]"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&json::render(&comparison).expect("json")).expect("parse");
    let first = &json["cells"][0];
    assert_eq!(first["delta_auc"], serde_json::json!(-0.5));
    assert_eq!(first["reason"], "deterministic drop");

    // The other way round the collapse is a certain gain.
    let reversed = compare_with(&cand, &base, &CompareOptions::default());
    assert_eq!(reversed.outcome(), CompareOutcome::NoRegression);
    assert!(
        verdicts_of(&reversed, "d1")
            .iter()
            .all(|v| *v == Verdict::Improved(Change::Deterministic))
    );
}

#[test]
fn identical_runs_pass_under_both_holm_families() {
    let (base, _) = runs(14, no_shift);
    for holm_family in [HolmFamily::All, HolmFamily::Changed] {
        let options = CompareOptions {
            holm_family,
            ..CompareOptions::default()
        };
        let comparison = compare_with(&base, &base, &options);
        assert_eq!(comparison.outcome(), CompareOutcome::NoRegression);
        assert_eq!(comparison.outcome().exit_code(), 0);
        assert!(comparison.cells.iter().all(|c| c.scores_identical));
        let in_family = comparison
            .cells
            .iter()
            .filter(|c| c.p_adjusted.is_some())
            .count();
        let expected = if holm_family == HolmFamily::All {
            10
        } else {
            0
        };
        assert_eq!(in_family, expected, "{holm_family}");
        let text = markdown::render(&comparison);
        assert!(
            text.contains(&format!("Holm family `{holm_family}`")),
            "{text}"
        );
    }
}

#[test]
fn the_changed_family_leaves_identical_cells_out_of_holm() {
    // d2 identical in both runs (reused predictions), d1 rescored with noise.
    let (base, mut cand) = runs(15, no_shift);
    for (c, b) in cand.iter_mut().zip(&base) {
        if c.detector == "d2" {
            c.score = b.score;
        }
    }
    let adjusted = |family| {
        let options = CompareOptions {
            holm_family: family,
            ..CompareOptions::default()
        };
        let comparison = compare_with(&base, &cand, &options);
        let of = |detector: &str| -> Vec<(Option<f64>, Option<f64>)> {
            let cells = comparison.cells.iter();
            let mine = cells.filter(|c| c.key.detector == detector);
            mine.map(|c| (c.p_value, c.p_adjusted)).collect()
        };
        let (d1, d2) = (of("d1"), of("d2"));
        let raw: Vec<f64> = d1.iter().filter_map(|(p, _)| *p).collect();
        let adjusted = |cells: Vec<(Option<f64>, Option<f64>)>| -> Vec<Option<f64>> {
            cells.into_iter().map(|(_, adjusted)| adjusted).collect()
        };
        (raw, adjusted(d1), adjusted(d2))
    };
    let (raw, changed_d1, changed_d2) = adjusted(HolmFamily::Changed);
    assert!(changed_d2.iter().all(Option::is_none), "{changed_d2:?}");
    let expected = dfbench_reports::compare::holm::holm_adjust(&raw);
    assert_eq!(
        changed_d1,
        expected.into_iter().map(Some).collect::<Vec<_>>()
    );
    let (_, all_d1, all_d2) = adjusted(HolmFamily::All);
    assert_eq!(all_d2, vec![Some(1.0); 5]);
    let mut with_identical = raw.clone();
    with_identical.extend([1.0; 5]);
    let expected_all = dfbench_reports::compare::holm::holm_adjust(&with_identical);
    assert_eq!(
        all_d1,
        expected_all[..5]
            .iter()
            .copied()
            .map(Some)
            .collect::<Vec<_>>()
    );
}

#[test]
fn a_baseline_failing_everywhere_makes_the_runs_not_comparable_unless_allowed() {
    let (mut base, cand) = runs(16, no_shift);
    base.iter_mut()
        .filter(|r| r.detector == "d2")
        .for_each(fail);
    let comparison = compare_with(&base, &cand, &CompareOptions::default());
    assert_eq!(comparison.outcome().exit_code(), 2);
    let problems: Vec<String> = comparison
        .problems
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(problems.len(), 5, "{problems:?}");
    assert!(
        problems.contains(
            &"cell d2 / ff / none / all cannot be tested: the baseline failed on all 750 \
              samples; pass --allow-undefined to judge the other cells without it"
                .to_string()
        ),
        "{problems:?}"
    );
    let allowed = CompareOptions {
        allow_undefined: true,
        ..CompareOptions::default()
    };
    let comparison = compare_with(&base, &cand, &allowed);
    assert_eq!(comparison.outcome(), CompareOutcome::NoRegression);
    assert!(
        verdicts_of(&comparison, "d2")
            .iter()
            .all(|v| matches!(v, Verdict::Undefined(Untestable::BaselineAllFailed { .. })))
    );
}

#[test]
fn a_single_class_slice_is_shown_but_never_blocks() {
    // Both runs lose every method-B fake but one: slice `method=B` has 300 reals and 1 fake.
    let (base, cand) = runs(17, no_shift);
    let keep = |r: &PredictionRecord| r.method != "B" || r.rel_path == "B/0000.png";
    let base: Vec<PredictionRecord> = base.into_iter().filter(keep).collect();
    let cand: Vec<PredictionRecord> = cand.into_iter().filter(keep).collect();
    let comparison = compare_with(&base, &cand, &CompareOptions::default());
    let cell = comparison
        .cells
        .iter()
        .find(|c| c.key.detector == "d1" && c.key.slice == "method=B")
        .expect("method=B cell");
    assert_eq!(
        cell.verdict,
        Verdict::Undefined(Untestable::SingleClass { real: 300, fake: 1 })
    );
    assert_eq!(comparison.outcome(), CompareOutcome::NoRegression);
}

/// Prints a comparison showing every new verdict reason (run with `--nocapture` to read it).
#[test]
fn markdown_names_every_new_reason() {
    let (mut base, mut cand) = perfect_and_constant();
    // d2 reused, except that it now fails on 1 sample in 10; d3 (a copy of d2) fails on all.
    let d3 = |records: &[PredictionRecord]| -> Vec<PredictionRecord> {
        let copies = records.iter().filter(|r| r.detector == "d2");
        copies
            .map(|r| PredictionRecord {
                detector: "d3".to_string(),
                ..r.clone()
            })
            .collect()
    };
    let (mut base_d3, mut cand_d3) = (d3(&base), d3(&base));
    cand_d3.iter_mut().for_each(fail);
    for (index, (b, c)) in base.iter().zip(cand.iter_mut()).enumerate() {
        if b.detector == "d2" {
            *c = b.clone();
            if index % 10 == 0 {
                fail(c);
            }
        }
    }
    base.append(&mut base_d3);
    cand.append(&mut cand_d3);
    let comparison = compare_with(&base, &cand, &CompareOptions::default());
    let text = markdown::render(&comparison);
    println!("{text}");
    for label in [
        "| regressed (deterministic drop) | d1 |",
        "| regressed (failures) | d2 | ff | none | all |",
        "| regressed (all failed) | d3 | ff | none | all |",
        "Holm family `changed`",
    ] {
        assert!(text.contains(label), "{label} in\n{text}");
    }
}
