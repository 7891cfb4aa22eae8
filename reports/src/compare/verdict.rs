//! The verdict of one cell and why: a small enum per verdict, so that every renderer (Markdown,
//! HTML, JSON) prints the same words and no verdict can carry a reason that does not fit it.

use std::fmt;

/// What a cell's comparison concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Improved(Change),
    Regressed(Regression),
    Unchanged(Change),
    /// The cell could not be tested; see [`Untestable::blocks`] for whether that stops the gate.
    Undefined(Untestable),
}

/// What an `improved` or `unchanged` verdict rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// ΔAUC against `--max-drop` and the Holm-adjusted paired DeLong p against `--alpha`.
    PairedTest,
    /// The paired difference has zero DeLong variance and ΔAUC ≠ 0: every sample moved the same
    /// way, so the change is certain and its size alone decides.
    Deterministic,
}

/// Why a cell regressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Regression {
    /// ΔAUC < −`--max-drop` with Holm-adjusted p < `--alpha`.
    PairedTest,
    /// Zero variance of the paired difference and ΔAUC < −`--max-drop`.
    DeterministicDrop,
    /// The candidate failed on more of the cell's samples than the baseline, beyond
    /// `--max-failure-increase` (whatever its AUC says).
    Failures,
    /// The candidate failed on every sample of the cell (the baseline did not).
    AllFailed,
}

/// Why a cell could not be tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Untestable {
    /// The baseline failed on every paired sample of the cell (the candidate did not).
    BaselineAllFailed { samples: u64 },
    /// Both runs failed on every paired sample of the cell.
    BothAllFailed { samples: u64 },
    /// Failures left fewer than 2 real or 2 fake samples scored in both runs.
    TooFewScored { real: u64, fake: u64 },
    /// The slice itself has fewer than 2 real or 2 fake samples: it has no AUC in either run,
    /// whatever the detectors do. Shown, never blocking (failures in it are still judged).
    SingleClass { real: u64, fake: u64 },
}

impl Untestable {
    /// Whether the cell makes the comparison "not comparable" (unless `--allow-undefined`).
    pub fn blocks(&self) -> bool {
        !matches!(self, Untestable::SingleClass { .. })
    }
}

impl fmt::Display for Untestable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Untestable::BaselineAllFailed { samples } => {
                write!(f, "the baseline failed on all {samples} samples")
            }
            Untestable::BothAllFailed { samples } => {
                write!(f, "both runs failed on all {samples} samples")
            }
            Untestable::TooFewScored { real, fake } => write!(
                f,
                "only {real} real and {fake} fake samples scored in both runs; the test needs 2 \
                 of each"
            ),
            Untestable::SingleClass { real, fake } => write!(
                f,
                "the slice has {real} real and {fake} fake samples; no AUC in either run"
            ),
        }
    }
}

impl Verdict {
    /// `improved`, `regressed`, `unchanged` or `undefined`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Improved(_) => "improved",
            Verdict::Regressed(_) => "regressed",
            Verdict::Unchanged(_) => "unchanged",
            Verdict::Undefined(_) => "undefined",
        }
    }

    /// The reason beside the verdict, e.g. `deterministic drop`; `None` for the paired test.
    pub fn reason(&self) -> Option<String> {
        match self {
            Verdict::Regressed(Regression::PairedTest)
            | Verdict::Improved(Change::PairedTest)
            | Verdict::Unchanged(Change::PairedTest) => None,
            Verdict::Regressed(Regression::DeterministicDrop) => {
                Some("deterministic drop".to_string())
            }
            Verdict::Regressed(Regression::Failures) => Some("failures".to_string()),
            Verdict::Regressed(Regression::AllFailed) => Some("all failed".to_string()),
            Verdict::Improved(Change::Deterministic) => Some("deterministic gain".to_string()),
            Verdict::Unchanged(Change::Deterministic) => {
                Some("deterministic, within --max-drop".to_string())
            }
            Verdict::Undefined(why) => Some(why.to_string()),
        }
    }

    /// The verdict with its reason: `regressed (failures)`, `unchanged`, …
    pub fn label(&self) -> String {
        match self.reason() {
            Some(reason) => format!("{} ({reason})", self.as_str()),
            None => self.as_str().to_string(),
        }
    }

    pub fn is_regressed(&self) -> bool {
        matches!(self, Verdict::Regressed(_))
    }

    pub fn is_improved(&self) -> bool {
        matches!(self, Verdict::Improved(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_name_the_reason_except_for_the_paired_test() {
        assert_eq!(
            Verdict::Regressed(Regression::PairedTest).label(),
            "regressed"
        );
        assert_eq!(
            Verdict::Regressed(Regression::DeterministicDrop).label(),
            "regressed (deterministic drop)"
        );
        assert_eq!(
            Verdict::Regressed(Regression::AllFailed).label(),
            "regressed (all failed)"
        );
        assert_eq!(
            Verdict::Undefined(Untestable::BaselineAllFailed { samples: 3 }).label(),
            "undefined (the baseline failed on all 3 samples)"
        );
        assert!(!Untestable::SingleClass { real: 0, fake: 9 }.blocks());
        assert!(Untestable::TooFewScored { real: 1, fake: 9 }.blocks());
    }
}
