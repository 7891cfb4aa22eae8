//! Whether two runs can be compared at all: both done, neither partial (unless allowed), the
//! same dataset versions, every baseline cell present in the candidate, and no cell that cannot
//! be tested (unless allowed).

use crate::report::slices::VideoAggregation;
use std::collections::BTreeSet;
use std::fmt;

use super::{CellComparison, CellKey, CompareOptions, RunSide, Untestable, Verdict, pairing};
use crate::model::PredictionRecord;

/// One reason the runs cannot be compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotComparable {
    /// `side` is "baseline" or "candidate".
    RunNotDone {
        side: &'static str,
        run_id: String,
        status: String,
    },
    PartialRun {
        side: &'static str,
        run_id: String,
    },
    FingerprintDiffers {
        dataset: String,
        baseline: String,
        candidate: String,
    },
    /// A cell of the baseline the candidate does not have.
    MissingCell(CellKey),
    /// A cell that cannot be tested for a blocking reason ([`Untestable::blocks`]).
    UndefinedCell {
        key: CellKey,
        why: Untestable,
    },
}

impl fmt::Display for NotComparable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotComparable::RunNotDone {
                side,
                run_id,
                status,
            } => write!(
                f,
                "{side} run {run_id} is {status}, not done; compare finished runs only"
            ),
            NotComparable::PartialRun { side, run_id } => write!(
                f,
                "{side} run {run_id} is partial (--limit); pass --allow-partial to compare it"
            ),
            NotComparable::FingerprintDiffers {
                dataset,
                baseline,
                candidate,
            } => write!(
                f,
                "dataset {dataset} changed: fingerprint {baseline} in the baseline, {candidate} \
                 in the candidate; compare runs over the same dataset version"
            ),
            NotComparable::MissingCell(key) => {
                write!(f, "cell {key} of the baseline is missing in the candidate")
            }
            NotComparable::UndefinedCell { key, why } => write!(
                f,
                "cell {key} cannot be tested: {why}; pass --allow-undefined to judge the other \
                 cells without it"
            ),
        }
    }
}

/// Status, partial and fingerprint problems of the two runs.
pub fn run_problems(
    baseline: &RunSide<'_>,
    candidate: &RunSide<'_>,
    options: &CompareOptions,
) -> Vec<NotComparable> {
    let mut problems = Vec::new();
    for (side, run) in [("baseline", baseline), ("candidate", candidate)] {
        if run.run.status != "done" {
            problems.push(NotComparable::RunNotDone {
                side,
                run_id: run.run.run_id.clone(),
                status: run.run.status.clone(),
            });
        }
        if run.partial && !options.allow_partial {
            problems.push(NotComparable::PartialRun {
                side,
                run_id: run.run.run_id.clone(),
            });
        }
    }
    for base in &baseline.run.datasets {
        let Some(cand) = candidate.run.datasets.iter().find(|d| d.name == base.name) else {
            continue; // its cells are reported missing
        };
        if cand.fingerprint != base.fingerprint {
            problems.push(NotComparable::FingerprintDiffers {
                dataset: base.name.clone(),
                baseline: base.fingerprint.clone(),
                candidate: cand.fingerprint.clone(),
            });
        }
    }
    problems
}

/// (baseline cells missing in the candidate, candidate cells new to the baseline), sorted.
pub fn cell_differences(
    baseline: &[PredictionRecord],
    candidate: &[PredictionRecord],
    aggregation: VideoAggregation,
) -> (Vec<CellKey>, Vec<CellKey>) {
    let base: BTreeSet<CellKey> = pairing::cell_keys(baseline, aggregation)
        .into_iter()
        .collect();
    let cand: BTreeSet<CellKey> = pairing::cell_keys(candidate, aggregation)
        .into_iter()
        .collect();
    (
        base.difference(&cand).cloned().collect(),
        cand.difference(&base).cloned().collect(),
    )
}

/// The cells left `undefined` for a blocking reason, in cell order.
pub fn undefined_cells(cells: &[CellComparison]) -> Vec<NotComparable> {
    cells
        .iter()
        .filter_map(|c| match c.verdict {
            Verdict::Undefined(why) if why.blocks() => Some(NotComparable::UndefinedCell {
                key: c.key.clone(),
                why,
            }),
            _ => None,
        })
        .collect()
}
