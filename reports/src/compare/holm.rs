//! Holm's step-down correction for multiple tests, and the verdict rule of one cell.

use super::{Change, CompareOptions, Regression, Verdict};

/// Holm-adjusted p-values, in input order: with p sorted ascending p₍₁₎ ≤ … ≤ p₍ₘ₎,
/// p̃₍ᵢ₎ = max_{j ≤ i} min(1, (m − j + 1)·p₍ⱼ₎). Rejecting p̃ < α controls the family-wise error
/// rate at α under any dependence between the tests (cells overlap: `all` ⊃ `method=…`).
pub fn holm_adjust(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    let mut adjusted = vec![1.0; m];
    let mut running_max: f64 = 0.0;
    for (rank, &index) in order.iter().enumerate() {
        let scaled = ((m - rank) as f64 * p_values[index]).min(1.0);
        running_max = running_max.max(scaled);
        adjusted[index] = running_max;
    }
    adjusted
}

/// `regressed` when the AUC dropped by more than `max_drop` and the adjusted p is below
/// `alpha`; `improved` symmetrically; else `unchanged`.
pub fn verdict(delta_auc: f64, p_adjusted: f64, options: &CompareOptions) -> Verdict {
    let significant = p_adjusted < options.alpha;
    if significant && delta_auc < -options.max_drop {
        Verdict::Regressed(Regression::PairedTest)
    } else if significant && delta_auc > options.max_drop {
        Verdict::Improved(Change::PairedTest)
    } else {
        Verdict::Unchanged(Change::PairedTest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holm_matches_the_textbook_example() {
        // statsmodels.stats.multitest.multipletests([0.01, 0.04, 0.03, 0.005], method="holm")
        // gives [0.03, 0.06, 0.06, 0.02].
        let adjusted = holm_adjust(&[0.01, 0.04, 0.03, 0.005]);
        let expected = [0.03, 0.06, 0.06, 0.02];
        for (a, e) in adjusted.iter().zip(expected) {
            assert!((a - e).abs() < 1e-12, "{adjusted:?}");
        }
        assert_eq!(holm_adjust(&[0.9, 0.8]), vec![1.0, 1.0]);
        assert!(holm_adjust(&[]).is_empty());
    }

    #[test]
    fn verdict_needs_both_size_and_significance() {
        let options = CompareOptions::default();
        let unchanged = Verdict::Unchanged(Change::PairedTest);
        assert_eq!(
            verdict(-0.02, 0.01, &options),
            Verdict::Regressed(Regression::PairedTest)
        );
        assert_eq!(
            verdict(0.02, 0.01, &options),
            Verdict::Improved(Change::PairedTest)
        );
        assert_eq!(verdict(-0.02, 0.2, &options), unchanged);
        assert_eq!(verdict(-0.004, 1e-9, &options), unchanged);
    }
}
