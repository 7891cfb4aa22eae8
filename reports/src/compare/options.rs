//! The tolerances and choices of a comparison (`dfbench compare` flags).

use std::fmt;
use std::str::FromStr;

/// Which cells Holm's correction counts as the family of tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HolmFamily {
    /// Every cell with a defined p-value, including cells whose scores are identical in both
    /// runs (p = 1 by construction). The most conservative family: many identical cells (reused
    /// predictions of unchanged detectors) raise every other cell's adjusted p.
    All,
    /// Only cells whose paired scores differ between the runs. Identical cells can never be a
    /// false regression (p = 1), so leaving them out keeps the family-wise error rate at alpha
    /// over all cells while the changed cells keep their power.
    #[default]
    Changed,
}

impl HolmFamily {
    pub fn as_str(self) -> &'static str {
        match self {
            HolmFamily::All => "all",
            HolmFamily::Changed => "changed",
        }
    }
}

impl fmt::Display for HolmFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown `--holm-family` value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Holm family `{0}`; expected `all` or `changed`")]
pub struct UnknownHolmFamily(pub String);

impl FromStr for HolmFamily {
    type Err = UnknownHolmFamily;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "all" => Ok(HolmFamily::All),
            "changed" => Ok(HolmFamily::Changed),
            other => Err(UnknownHolmFamily(other.to_string())),
        }
    }
}

/// Tolerances of the verdict.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompareOptions {
    /// Smallest AUC drop (or gain) that counts, e.g. 0.005.
    pub max_drop: f64,
    /// Significance level of the Holm-adjusted p-value, e.g. 0.05.
    pub alpha: f64,
    /// Largest rise of a cell's failure rate (candidate − baseline) that is not a regression,
    /// in percentage points, e.g. 0.5; a rise always needs one more failed sample to count.
    pub max_failure_increase: f64,
    /// The cells Holm's correction runs over.
    pub holm_family: HolmFamily,
    /// Compare runs stamped partial (`--limit`) instead of declaring them not comparable.
    pub allow_partial: bool,
    /// Leave cells that cannot be tested out of the outcome instead of declaring the runs not
    /// comparable (they are still listed).
    pub allow_undefined: bool,
    /// How a clip detector's clip scores make its video-level cells.
    pub video_aggregation: crate::report::slices::VideoAggregation,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            max_drop: 0.005,
            alpha: 0.05,
            max_failure_increase: 0.5,
            holm_family: HolmFamily::default(),
            allow_partial: false,
            allow_undefined: false,
            video_aggregation: Default::default(),
        }
    }
}
