//! Run comparison: a baseline run against a candidate run, per detector × dataset ×
//! perturbation × slice, with a verdict per cell and one outcome for CI.
//!
//! Predictions are paired by (detector, dataset, perturbation, sample path); samples present in
//! only one run are counted and left out ([`UnpairedSamples`]); a pair where either side failed
//! is counted per side and left out. Slices are the report's own (`report::slices`, frame
//! level): `all`, `subset=…`, `method=…` (fakes of one method plus every real), `split=…`.
//!
//! Per cell, both AUCs come from the same paired samples; ΔAUC = candidate − baseline. Its
//! interval is the normal interval ΔAUC ± z·√Var(Δ) with the DeLong variance of the paired
//! difference (Var₁ + Var₂ − 2·Cov, [`crate::delong_paired_test`]); p is that test's two-sided
//! p-value. p-values are Holm-adjusted over every testable cell ([`holm::holm_adjust`]). Verdict:
//! `regressed` when ΔAUC < −max_drop and adjusted p < alpha, `improved` when ΔAUC > +max_drop and
//! adjusted p < alpha, else `unchanged`; `undefined` (with the reason) when the test cannot run.
//!
//! Outcome: not comparable (exit 2) when a run is not done, a run is partial and partial runs
//! were not allowed, a dataset fingerprint differs, or a baseline cell is missing in the
//! candidate; else regression (exit 1) when a cell regressed; else no regression (exit 0).

pub mod checks;
pub mod holm;
pub mod html;
pub mod json;
pub mod markdown;
mod pairing;
mod write;

use crate::delong_paired_test;
use crate::metrics::{MetricValue, frame_metrics};
use crate::model::{PredictionRecord, RunInfo};
pub use checks::NotComparable;
pub use write::{ComparisonFiles, write_comparison};

/// Tolerances of the verdict.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompareOptions {
    /// Smallest AUC drop (or gain) that counts, e.g. 0.005.
    pub max_drop: f64,
    /// Significance level of the Holm-adjusted p-value, e.g. 0.05.
    pub alpha: f64,
    /// Compare runs stamped partial (`--limit`) instead of declaring them not comparable.
    pub allow_partial: bool,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            max_drop: 0.005,
            alpha: 0.05,
            allow_partial: false,
        }
    }
}

/// One run as handed in by the caller.
#[derive(Debug, Clone, Copy)]
pub struct RunSide<'a> {
    pub run: &'a RunInfo,
    pub predictions: &'a [PredictionRecord],
    /// The run was stamped partial (`--limit`); from the store's run record.
    pub partial: bool,
}

/// Detector × dataset × perturbation × slice.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellKey {
    pub detector: String,
    pub dataset: String,
    pub perturbation: String,
    pub slice: String,
}

impl std::fmt::Display for CellKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} / {} / {} / {}",
            self.detector, self.dataset, self.perturbation, self.slice
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Improved,
    Regressed,
    Unchanged,
    /// The test could not run (e.g. fewer than 2 paired reals or fakes).
    Undefined(String),
}

impl Verdict {
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Improved => "improved",
            Verdict::Regressed => "regressed",
            Verdict::Unchanged => "unchanged",
            Verdict::Undefined(_) => "undefined",
        }
    }
}

/// AUC, AP and EER of one side of a cell, on the paired samples.
#[derive(Debug, Clone, PartialEq)]
pub struct SideMetrics {
    pub auc: MetricValue,
    pub ap: MetricValue,
    pub eer: MetricValue,
}

impl SideMetrics {
    fn of(scores: &[f64], labels: &[bool]) -> SideMetrics {
        let set = frame_metrics(scores, labels);
        SideMetrics {
            auc: set.auc,
            ap: set.ap,
            eer: set.eer,
        }
    }
}

/// The comparison of one cell.
#[derive(Debug, Clone, PartialEq)]
pub struct CellComparison {
    pub key: CellKey,
    /// Paired samples scored on both sides.
    pub n_real: u64,
    pub n_fake: u64,
    /// Paired samples whose baseline / candidate prediction failed (left out).
    pub failed_baseline: u64,
    pub failed_candidate: u64,
    pub baseline: SideMetrics,
    pub candidate: SideMetrics,
    /// Candidate AUC − baseline AUC.
    pub delta_auc: Option<f64>,
    /// Normal interval of the delta from the DeLong variance of the paired difference.
    pub delta_interval: Option<(f64, f64)>,
    /// Two-sided paired DeLong p-value, and Holm-adjusted over all testable cells.
    pub p_value: Option<f64>,
    pub p_adjusted: Option<f64>,
    pub verdict: Verdict,
}

/// Samples of one detector × dataset × perturbation present in one run only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnpairedSamples {
    pub detector: String,
    pub dataset: String,
    pub perturbation: String,
    pub only_baseline: u64,
    pub only_candidate: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOutcome {
    NoRegression,
    Regression,
    NotComparable,
}

impl CompareOutcome {
    /// 0 = no regression, 1 = regression, 2 = not comparable.
    pub fn exit_code(self) -> u8 {
        match self {
            CompareOutcome::NoRegression => 0,
            CompareOutcome::Regression => 1,
            CompareOutcome::NotComparable => 2,
        }
    }
}

/// Everything the renderers need.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub baseline: RunInfo,
    pub candidate: RunInfo,
    pub options: CompareOptions,
    /// Why the runs cannot be compared; empty when they can.
    pub problems: Vec<NotComparable>,
    /// Sorted by key.
    pub cells: Vec<CellComparison>,
    pub unpaired: Vec<UnpairedSamples>,
    /// Cells of the candidate that the baseline does not have (informational).
    pub new_cells: Vec<CellKey>,
}

impl Comparison {
    pub fn outcome(&self) -> CompareOutcome {
        if !self.problems.is_empty() {
            CompareOutcome::NotComparable
        } else if self.regressed().next().is_some() {
            CompareOutcome::Regression
        } else {
            CompareOutcome::NoRegression
        }
    }

    pub fn regressed(&self) -> impl Iterator<Item = &CellComparison> {
        self.cells
            .iter()
            .filter(|c| c.verdict == Verdict::Regressed)
    }

    pub fn improved(&self) -> impl Iterator<Item = &CellComparison> {
        self.cells.iter().filter(|c| c.verdict == Verdict::Improved)
    }
}

/// z of the two-sided 95% normal interval of the delta.
const Z_95: f64 = 1.959_963_984_540_054;

fn compare_cell(key: CellKey, paired: pairing::PairedCell) -> (CellComparison, Option<f64>) {
    let baseline = SideMetrics::of(&paired.baseline, &paired.labels);
    let candidate = SideMetrics::of(&paired.candidate, &paired.labels);
    let n_fake = paired.labels.iter().filter(|&&fake| fake).count() as u64;
    let test = delong_paired_test(&paired.candidate, &paired.baseline, &paired.labels);
    let (delta_auc, delta_interval, p_value, verdict) = match test {
        Ok(t) => {
            let sd = (t.variance_a + t.variance_b - 2.0 * t.covariance)
                .max(0.0)
                .sqrt();
            let interval = (t.difference - Z_95 * sd, t.difference + Z_95 * sd);
            (
                Some(t.difference),
                Some(interval),
                Some(t.p_value),
                Verdict::Unchanged,
            )
        }
        Err(reason) => (None, None, None, Verdict::Undefined(reason)),
    };
    let cell = CellComparison {
        key,
        n_real: paired.labels.len() as u64 - n_fake,
        n_fake,
        failed_baseline: paired.failed_baseline,
        failed_candidate: paired.failed_candidate,
        baseline,
        candidate,
        delta_auc,
        delta_interval,
        p_value,
        p_adjusted: None,
        verdict,
    };
    (cell, p_value)
}

/// Compares `candidate` against `baseline`.
pub fn compare_runs(
    baseline: RunSide<'_>,
    candidate: RunSide<'_>,
    options: &CompareOptions,
) -> Comparison {
    let mut problems = checks::run_problems(&baseline, &candidate, options);
    let (missing, new_cells) =
        checks::cell_differences(baseline.predictions, candidate.predictions);
    problems.extend(missing.into_iter().map(NotComparable::MissingCell));

    let paired = pairing::pair(baseline.predictions, candidate.predictions);
    let mut cells = Vec::with_capacity(paired.cells.len());
    let mut p_values = Vec::new();
    for (key, cell) in paired.cells {
        let (cell, p) = compare_cell(key, cell);
        if let Some(p) = p {
            p_values.push((cells.len(), p));
        }
        cells.push(cell);
    }
    let adjusted = holm::holm_adjust(&p_values.iter().map(|(_, p)| *p).collect::<Vec<_>>());
    for ((index, _), p_adjusted) in p_values.iter().zip(adjusted) {
        let cell = &mut cells[*index];
        cell.p_adjusted = Some(p_adjusted);
        if let Some(delta) = cell.delta_auc {
            cell.verdict = holm::verdict(delta, p_adjusted, options);
        }
    }
    Comparison {
        baseline: baseline.run.clone(),
        candidate: candidate.run.clone(),
        options: *options,
        problems,
        cells,
        unpaired: paired.unpaired,
        new_cells,
    }
}
