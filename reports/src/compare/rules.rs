//! What one cell's own evidence says before the Holm step: the failure-rate rule, cells that
//! cannot be tested, and paired differences with zero variance. [`judge`] is the one entry point;
//! frame-level cells call it, and a video-level cell calls it with its videos paired the same way
//! ([`PairedCell`] of videos), so both levels follow the same rules.
//!
//! Order: the failure rules first (a candidate that fails more is regressed whatever its AUC
//! says), then whether the cell can be tested at all, then the paired DeLong test. A paired
//! difference with zero variance and ΔAUC ≠ 0 means every sample moved the same way: the change
//! is certain (p → 0), so its size alone decides (`deterministic drop` / `gain`), outside the
//! Holm family.

use super::CompareOptions;
use super::pairing::PairedCell;
use super::verdict::{Change, Regression, Untestable, Verdict};
use crate::{delong_paired_test, metrics};

/// z of the two-sided 95% normal interval of the delta.
const Z_95: f64 = 1.959_963_984_540_054;

/// One cell's own evidence.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Assessment {
    /// Candidate AUC − baseline AUC on the samples scored in both runs.
    pub delta_auc: Option<f64>,
    /// 95% normal interval of the delta (zero width when the difference has zero variance).
    pub delta_interval: Option<(f64, f64)>,
    /// Two-sided paired DeLong p-value; `None` when the test could not run or was not needed.
    pub p_value: Option<f64>,
    /// The paired scores are identical in both runs (so p = 1 by construction).
    pub identical: bool,
    /// The verdict when the cell's own evidence settles it; `None` leaves it to the Holm step.
    pub decided: Option<Verdict>,
}

/// Candidate failure rate − baseline failure rate over the cell's pairs, in percentage points.
pub fn failure_increase_pp(pairs: u64, failed_baseline: u64, failed_candidate: u64) -> f64 {
    if pairs == 0 {
        return 0.0;
    }
    100.0 * (failed_candidate as f64 - failed_baseline as f64) / pairs as f64
}

/// `all failed` when the candidate failed on every pair and the baseline did not; `failures`
/// when the candidate failed on more pairs than the baseline by over `max_failure_increase`
/// percentage points (so always by one sample at least).
fn failure_rule(cell: &PairedCell, options: &CompareOptions) -> Option<Regression> {
    let pairs = cell.n_pairs;
    if pairs > 0 && cell.failed_candidate == pairs && cell.failed_baseline < pairs {
        return Some(Regression::AllFailed);
    }
    let increase = failure_increase_pp(pairs, cell.failed_baseline, cell.failed_candidate);
    (cell.failed_candidate > cell.failed_baseline && increase > options.max_failure_increase)
        .then_some(Regression::Failures)
}

/// Why the paired test cannot run on this cell, if it cannot.
fn untestable(cell: &PairedCell) -> Option<Untestable> {
    let pairs = cell.n_pairs;
    let (all_b, all_c) = (
        cell.failed_baseline == pairs,
        cell.failed_candidate == pairs,
    );
    let scored_fake = cell.labels.iter().filter(|&&fake| fake).count() as u64;
    let scored_real = cell.labels.len() as u64 - scored_fake;
    let (real, fake) = (pairs - cell.n_pairs_fake, cell.n_pairs_fake);
    if all_b && all_c {
        Some(Untestable::BothAllFailed { samples: pairs })
    } else if all_b {
        Some(Untestable::BaselineAllFailed { samples: pairs })
    } else if real < 2 || fake < 2 {
        Some(Untestable::SingleClass { real, fake })
    } else if scored_real < 2 || scored_fake < 2 {
        Some(Untestable::TooFewScored {
            real: scored_real,
            fake: scored_fake,
        })
    } else {
        None
    }
}

/// `regressed` / `improved` / `unchanged` of a certain change, by its size alone.
fn deterministic(delta: f64, options: &CompareOptions) -> Verdict {
    if delta < -options.max_drop {
        Verdict::Regressed(Regression::DeterministicDrop)
    } else if delta > options.max_drop {
        Verdict::Improved(Change::Deterministic)
    } else {
        Verdict::Unchanged(Change::Deterministic)
    }
}

/// The cell's own evidence; see the module doc for the order of the rules.
pub(crate) fn judge(cell: &PairedCell, options: &CompareOptions) -> Assessment {
    let identical = cell.baseline == cell.candidate;
    let failures = failure_rule(cell, options).map(Verdict::Regressed);
    let mut assessment = Assessment {
        delta_auc: None,
        delta_interval: None,
        p_value: None,
        identical,
        decided: failures,
    };
    if let Some(why) = untestable(cell) {
        assessment.decided = failures.or(Some(Verdict::Undefined(why)));
        return assessment;
    }
    match delong_paired_test(&cell.candidate, &cell.baseline, &cell.labels) {
        Ok(t) => {
            let sd = (t.variance_a + t.variance_b - 2.0 * t.covariance)
                .max(0.0)
                .sqrt();
            assessment.delta_auc = Some(t.difference);
            assessment.delta_interval = Some((t.difference - Z_95 * sd, t.difference + Z_95 * sd));
            assessment.p_value = Some(t.p_value);
        }
        // With 2 reals and 2 fakes scored (checked above) and finite scores (pairing keeps no
        // other), the test's only refusal is a nonzero difference with zero variance.
        Err(reason) => {
            let auc = |scores: &[f64]| metrics::auc(scores, &cell.labels).value();
            let Some(delta) = auc(&cell.candidate)
                .zip(auc(&cell.baseline))
                .map(|(c, b)| c - b)
            else {
                tracing::warn!(%reason, "paired DeLong test refused a testable cell");
                let why = Untestable::TooFewScored { real: 0, fake: 0 };
                assessment.decided = failures.or(Some(Verdict::Undefined(why)));
                return assessment;
            };
            assessment.delta_auc = Some(delta);
            assessment.delta_interval = Some((delta, delta));
            assessment.decided = failures.or(Some(deterministic(delta, options)));
        }
    }
    assessment
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(baseline: &[f64], candidate: &[f64], labels: &[bool]) -> PairedCell {
        PairedCell {
            baseline: baseline.to_vec(),
            candidate: candidate.to_vec(),
            labels: labels.to_vec(),
            n_pairs: labels.len() as u64,
            n_pairs_fake: labels.iter().filter(|&&f| f).count() as u64,
            failed_baseline: 0,
            failed_candidate: 0,
        }
    }

    const LABELS: [bool; 6] = [false, false, false, true, true, true];

    #[test]
    fn a_constant_candidate_against_a_perfect_baseline_is_a_deterministic_drop() {
        let perfect = [0.1, 0.2, 0.3, 0.7, 0.8, 0.9];
        let judged = judge(
            &cell(&perfect, &[0.5; 6], &LABELS),
            &CompareOptions::default(),
        );
        assert_eq!(
            judged.decided,
            Some(Verdict::Regressed(Regression::DeterministicDrop))
        );
        assert_eq!(judged.delta_auc, Some(-0.5));
        let gain = judge(
            &cell(&[0.5; 6], &perfect, &LABELS),
            &CompareOptions::default(),
        );
        assert_eq!(gain.decided, Some(Verdict::Improved(Change::Deterministic)));
    }

    #[test]
    fn failure_rule_needs_more_than_the_threshold_and_one_sample() {
        let options = CompareOptions::default(); // 0.5 percentage points
        assert!((failure_increase_pp(1000, 2, 7) - 0.5).abs() < 1e-12);
        let mut c = cell(&[0.1, 0.2, 0.8, 0.9], &[0.1, 0.2, 0.8, 0.9], &LABELS[1..5]);
        c.n_pairs = 1000;
        c.n_pairs_fake = 500;
        (c.failed_baseline, c.failed_candidate) = (2, 7);
        assert_eq!(
            failure_rule(&c, &options),
            None,
            "exactly 0.5 pp is allowed"
        );
        c.failed_candidate = 8;
        assert_eq!(failure_rule(&c, &options), Some(Regression::Failures));
        let zero = CompareOptions {
            max_failure_increase: 0.0,
            ..options
        };
        (c.failed_baseline, c.failed_candidate) = (3, 3);
        assert_eq!(failure_rule(&c, &zero), None, "no extra failure, no rule");
    }

    #[test]
    fn cells_without_scored_pairs_say_which_side_failed() {
        let options = CompareOptions::default();
        let mut c = cell(&[], &[], &[]);
        (c.n_pairs, c.n_pairs_fake) = (6, 3);
        (c.failed_baseline, c.failed_candidate) = (0, 6);
        assert_eq!(
            judge(&c, &options).decided,
            Some(Verdict::Regressed(Regression::AllFailed))
        );
        (c.failed_baseline, c.failed_candidate) = (6, 0);
        assert_eq!(
            judge(&c, &options).decided,
            Some(Verdict::Undefined(Untestable::BaselineAllFailed {
                samples: 6
            }))
        );
        c.failed_candidate = 6;
        assert_eq!(
            judge(&c, &options).decided,
            Some(Verdict::Undefined(Untestable::BothAllFailed { samples: 6 }))
        );
    }
}
