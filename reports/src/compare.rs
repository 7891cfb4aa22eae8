//! Run comparison: a baseline run against a candidate run, per detector × dataset ×
//! perturbation × slice, with a verdict per cell and one outcome for CI.
//!
//! Predictions are paired by (detector, dataset, perturbation, sample path); samples present in
//! only one run are counted and left out ([`UnpairedSamples`]). Slices are the report's own
//! (`report::slices`, frame level): `all`, `subset=…`, `method=…` (fakes of one method plus every
//! real), `split=…`.
//!
//! Per cell, both AUCs come from the pairs scored in both runs; ΔAUC = candidate − baseline. Its
//! interval is the normal interval ΔAUC ± z·√Var(Δ) with the DeLong variance of the paired
//! difference (Var₁ + Var₂ − 2·Cov, [`crate::delong_paired_test`]); p is that test's two-sided
//! p-value, Holm-adjusted over the family [`HolmFamily`] picks ([`holm::holm_adjust`]).
//!
//! Verdict ([`Verdict`], reasons in [`verdict`]), first rule that applies ([`rules`]):
//! - `regressed (all failed)`: the candidate failed on every pair of the cell, the baseline not;
//! - `regressed (failures)`: the candidate's failure rate over the cell's pairs exceeds the
//!   baseline's by more than `max_failure_increase` percentage points (one sample at least),
//!   whatever its AUC says;
//! - `undefined`: the test cannot run (a side failed everywhere, too few scored pairs, or a
//!   single-class slice);
//! - zero variance of the paired difference with ΔAUC ≠ 0 (every sample moved the same way):
//!   `regressed (deterministic drop)` when ΔAUC < −max_drop, `improved (deterministic gain)` when
//!   ΔAUC > max_drop, else `unchanged`, outside the Holm family;
//! - else `regressed` when ΔAUC < −max_drop and adjusted p < alpha, `improved` symmetrically,
//!   else `unchanged`.
//!
//! Outcome: not comparable (exit 2) when a run is not done, a run is partial and partial runs
//! were not allowed, a dataset fingerprint differs, a baseline cell is missing in the
//! candidate, or a cell is `undefined` for a blocking reason ([`Untestable::blocks`]) and
//! undefined cells were not allowed; else regression (exit 1) when a cell regressed; else no
//! regression (exit 0).

pub mod checks;
pub mod holm;
pub mod html;
pub mod json;
pub mod markdown;
mod options;
mod pairing;
mod rules;
pub mod verdict;
mod write;

use crate::metrics::{MetricValue, frame_metrics};
use crate::model::{PredictionRecord, RunInfo};
pub use checks::NotComparable;
pub use options::{CompareOptions, HolmFamily, UnknownHolmFamily};
pub use rules::failure_increase_pp;
pub use verdict::{Change, Regression, Untestable, Verdict};
pub use write::{ComparisonFiles, write_comparison};

/// One run as handed in by the caller.
#[derive(Debug, Clone, Copy)]
pub struct RunSide<'a> {
    pub run: &'a RunInfo,
    pub predictions: &'a [PredictionRecord],
    /// The run was stamped partial (`--limit`); from the store's run record.
    pub partial: bool,
}

/// Detector × dataset × perturbation × level × slice.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellKey {
    pub detector: String,
    pub dataset: String,
    pub perturbation: String,
    /// `frame` (images and frames), `clip`, or a video level (`video`, `video-max`).
    pub level: String,
    pub slice: String,
}

impl CellKey {
    /// The slice as shown: `all` at frame level, `video · all` at another level.
    pub fn slice_label(&self) -> String {
        if self.level == crate::report::slices::LEVEL_FRAME {
            self.slice.clone()
        } else {
            format!("{} · {}", self.level, self.slice)
        }
    }
}

impl std::fmt::Display for CellKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} / {} / {} / {}",
            self.detector,
            self.dataset,
            self.perturbation,
            self.slice_label()
        )
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
    /// Samples present in both runs, scored or failed: the denominator of the failure rates.
    pub n_pairs: u64,
    /// Paired samples whose baseline / candidate prediction failed (left out of the AUCs).
    pub failed_baseline: u64,
    pub failed_candidate: u64,
    pub baseline: SideMetrics,
    pub candidate: SideMetrics,
    /// Candidate AUC − baseline AUC.
    pub delta_auc: Option<f64>,
    /// Normal interval of the delta from the DeLong variance of the paired difference.
    pub delta_interval: Option<(f64, f64)>,
    /// Two-sided paired DeLong p-value, and Holm-adjusted over the family (`None` outside it).
    pub p_value: Option<f64>,
    pub p_adjusted: Option<f64>,
    /// The paired scores are identical in both runs (p = 1 by construction).
    pub scores_identical: bool,
    pub verdict: Verdict,
}

impl CellComparison {
    /// Baseline and candidate failure rates over the cell's pairs, in percent.
    pub fn failure_rates(&self) -> (f64, f64) {
        let rate = |failed: u64| {
            if self.n_pairs == 0 {
                0.0
            } else {
                100.0 * failed as f64 / self.n_pairs as f64
            }
        };
        (rate(self.failed_baseline), rate(self.failed_candidate))
    }

    /// Whether the cell is in Holm's family under `family`.
    fn in_family(&self, family: HolmFamily) -> bool {
        self.p_value.is_some() && (family == HolmFamily::All || !self.scores_identical)
    }
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
        self.cells.iter().filter(|c| c.verdict.is_regressed())
    }

    pub fn improved(&self) -> impl Iterator<Item = &CellComparison> {
        self.cells.iter().filter(|c| c.verdict.is_improved())
    }
}

/// The cell, and whether its own evidence settled the verdict (else the Holm step does).
fn compare_cell(
    key: CellKey,
    paired: pairing::PairedCell,
    options: &CompareOptions,
) -> (CellComparison, bool) {
    let baseline = SideMetrics::of(&paired.baseline, &paired.labels);
    let candidate = SideMetrics::of(&paired.candidate, &paired.labels);
    let n_fake = paired.labels.iter().filter(|&&fake| fake).count() as u64;
    let judged = rules::judge(&paired, options);
    let cell = CellComparison {
        key,
        n_real: paired.labels.len() as u64 - n_fake,
        n_fake,
        n_pairs: paired.n_pairs,
        failed_baseline: paired.failed_baseline,
        failed_candidate: paired.failed_candidate,
        baseline,
        candidate,
        delta_auc: judged.delta_auc,
        delta_interval: judged.delta_interval,
        p_value: judged.p_value,
        p_adjusted: None,
        scores_identical: judged.identical,
        verdict: judged
            .decided
            .unwrap_or(Verdict::Unchanged(Change::PairedTest)),
    };
    (cell, judged.decided.is_some())
}

/// Holm over the cells of `options.holm_family`; verdicts of cells not yet decided.
fn apply_holm(cells: &mut [CellComparison], decided: &[bool], options: &CompareOptions) {
    let family: Vec<usize> = (0..cells.len())
        .filter(|&i| cells[i].in_family(options.holm_family))
        .collect();
    let p_values: Vec<f64> = family.iter().filter_map(|&i| cells[i].p_value).collect();
    for (&index, p_adjusted) in family.iter().zip(holm::holm_adjust(&p_values)) {
        let cell = &mut cells[index];
        cell.p_adjusted = Some(p_adjusted);
        if let (false, Some(delta)) = (decided[index], cell.delta_auc) {
            cell.verdict = holm::verdict(delta, p_adjusted, options);
        }
    }
}

/// Compares `candidate` against `baseline`.
pub fn compare_runs(
    baseline: RunSide<'_>,
    candidate: RunSide<'_>,
    options: &CompareOptions,
) -> Comparison {
    let mut problems = checks::run_problems(&baseline, &candidate, options);
    let (missing, new_cells) = checks::cell_differences(
        baseline.predictions,
        candidate.predictions,
        options.video_aggregation,
    );
    problems.extend(missing.into_iter().map(NotComparable::MissingCell));

    let paired = pairing::pair(
        baseline.predictions,
        candidate.predictions,
        options.video_aggregation,
    );
    let (mut cells, decided): (Vec<CellComparison>, Vec<bool>) = paired
        .cells
        .into_iter()
        .map(|(key, cell)| compare_cell(key, cell, options))
        .unzip();
    apply_holm(&mut cells, &decided, options);
    if !options.allow_undefined {
        problems.extend(checks::undefined_cells(&cells));
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
