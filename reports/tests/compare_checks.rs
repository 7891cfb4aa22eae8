//! Runs that cannot be compared say why; unpaired samples are counted and left out, failures
//! counted and judged.

mod synthetic;

use dfbench_reports::compare::{NotComparable, Regression, Verdict};
use dfbench_reports::model::{PredictionRecord, RunInfo};
use dfbench_reports::{CompareOptions, CompareOutcome, RunSide, compare_runs};
use synthetic::*;

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
    assert!(
        comparison.cells.iter().all(|c| c.key.detector == "d1"),
        "d2 is not compared"
    );
    assert!(
        comparison.unpaired.is_empty(),
        "missing cells are not unpaired samples"
    );

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
fn unpaired_samples_are_left_out_and_failures_counted_and_judged() {
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
        r.failure_kind = Some(dfbench_benchmarks::FailureKind::DecodeError);
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
    // 4 failures in the candidate only: 0.91% of method=C's 440 pairs and 0.54% of the 740
    // pairs of `all` and `subset=test`, above the 0.5 percentage point default; method=A and
    // method=B have none.
    let regressed: Vec<(&str, Verdict)> = comparison
        .regressed()
        .map(|c| (c.key.slice.as_str(), c.verdict))
        .collect();
    let failures = Verdict::Regressed(Regression::Failures);
    assert_eq!(
        regressed,
        [
            ("all", failures),
            ("method=C", failures),
            ("subset=test", failures)
        ]
    );
    assert!(comparison.regressed().all(|c| c.key.detector == "d1"));
    assert_eq!(comparison.outcome(), CompareOutcome::Regression);
}
