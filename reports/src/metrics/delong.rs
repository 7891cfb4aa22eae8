//! DeLong variance of an AUC and the paired DeLong test for two AUCs on the same samples, with
//! the fast O(n log n) algorithm of Sun & Xu (2014, IEEE SPL 21(11)).
//!
//! With m fakes (positives) X and n reals (negatives) Y, midranks are taken within X (`tx`),
//! within Y (`ty`) and in X ∪ Y (`tz`). Then AUC = (Σ tz[X] − m(m+1)/2) / (m·n), the structural
//! components are V₁₀ᵢ = (tz[Xᵢ] − tx[Xᵢ]) / n for each fake and V₀₁ⱼ = 1 − (tz[Yⱼ] − ty[Yⱼ]) / m
//! for each real, and Cov(AUCₐ, AUC_b) = S₁₀[a,b]/m + S₀₁[a,b]/n with S the sample covariances
//! (n − 1 denominator). The paired test: z = (AUCₐ − AUC_b) / √(Varₐ + Var_b − 2·Cov),
//! two-sided p = erfc(|z| / √2). Needs at least 2 fakes and 2 reals.

use std::cmp::Ordering;

/// AUC with its DeLong variance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AucVariance {
    pub auc: f64,
    pub variance: f64,
}

/// Result of the paired DeLong test of detector A against detector B.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedAucTest {
    pub auc_a: f64,
    pub auc_b: f64,
    pub variance_a: f64,
    pub variance_b: f64,
    pub covariance: f64,
    /// `auc_a − auc_b`.
    pub difference: f64,
    /// `None` when the difference has zero variance (identical rankings): then p = 1.
    pub z: Option<f64>,
    /// Two-sided p-value.
    pub p_value: f64,
}

/// 1-based midranks (ties get their average rank), in input order.
fn midranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_unstable_by(|&a, &b| values[a].partial_cmp(&values[b]).unwrap_or(Ordering::Equal));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0; // ranks i+1 ..= j+1
        for &k in &order[i..=j] {
            ranks[k] = rank;
        }
        i = j + 1;
    }
    ranks
}

/// Per-classifier AUC and structural components (V₁₀ over fakes, V₀₁ over reals).
struct Components {
    auc: f64,
    v10: Vec<f64>,
    v01: Vec<f64>,
}

fn components(scores: &[f64], labels: &[bool]) -> Components {
    let fakes: Vec<f64> = scores
        .iter()
        .zip(labels)
        .filter(|p| *p.1)
        .map(|p| *p.0)
        .collect();
    let reals: Vec<f64> = scores
        .iter()
        .zip(labels)
        .filter(|p| !*p.1)
        .map(|p| *p.0)
        .collect();
    let (m, n) = (fakes.len() as f64, reals.len() as f64);
    let tx = midranks(&fakes);
    let ty = midranks(&reals);
    let combined: Vec<f64> = fakes.iter().chain(&reals).copied().collect();
    let tz = midranks(&combined);
    let (tz_fake, tz_real) = tz.split_at(fakes.len());
    let auc = (tz_fake.iter().sum::<f64>() - m * (m + 1.0) / 2.0) / (m * n);
    let v10 = tz_fake.iter().zip(&tx).map(|(z, x)| (z - x) / n).collect();
    let v01 = tz_real
        .iter()
        .zip(&ty)
        .map(|(z, y)| 1.0 - (z - y) / m)
        .collect();
    Components { auc, v10, v01 }
}

fn covariance(a: &[f64], b: &[f64]) -> f64 {
    let len = a.len() as f64;
    let (mean_a, mean_b) = (a.iter().sum::<f64>() / len, b.iter().sum::<f64>() / len);
    let sum: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - mean_a) * (y - mean_b))
        .sum();
    sum / (len - 1.0)
}

fn check(scores: &[&[f64]], labels: &[bool]) -> Result<(), String> {
    if scores.iter().any(|s| s.len() != labels.len()) {
        return Err("scores and labels differ in length".to_string());
    }
    if scores.iter().any(|s| s.iter().any(|v| !v.is_finite())) {
        return Err("non-finite score".to_string());
    }
    let fakes = labels.iter().filter(|&&l| l).count();
    if fakes < 2 || labels.len() - fakes < 2 {
        return Err("DeLong needs at least 2 real and 2 fake samples".to_string());
    }
    Ok(())
}

fn cov_of(a: &Components, b: &Components) -> f64 {
    covariance(&a.v10, &b.v10) / a.v10.len() as f64
        + covariance(&a.v01, &b.v01) / a.v01.len() as f64
}

/// AUC and its DeLong variance; `Err(reason)` when undefined.
pub fn delong_auc_variance(scores: &[f64], labels: &[bool]) -> Result<AucVariance, String> {
    check(&[scores], labels)?;
    let c = components(scores, labels);
    Ok(AucVariance {
        auc: c.auc,
        variance: cov_of(&c, &c),
    })
}

/// Paired DeLong test of two detectors scored on the same samples (index i of `scores_a`,
/// `scores_b` and `labels` is the same sample).
pub fn delong_paired_test(
    scores_a: &[f64],
    scores_b: &[f64],
    labels: &[bool],
) -> Result<PairedAucTest, String> {
    check(&[scores_a, scores_b], labels)?;
    let (a, b) = (components(scores_a, labels), components(scores_b, labels));
    let (variance_a, variance_b, covariance) = (cov_of(&a, &a), cov_of(&b, &b), cov_of(&a, &b));
    let difference = a.auc - b.auc;
    let variance_of_difference = variance_a + variance_b - 2.0 * covariance;
    let (z, p_value) = if variance_of_difference > 1e-300 {
        let z = difference / variance_of_difference.sqrt();
        (Some(z), libm::erfc(z.abs() / std::f64::consts::SQRT_2))
    } else if difference == 0.0 {
        (None, 1.0)
    } else {
        return Err("the AUC difference has zero variance".to_string());
    };
    Ok(PairedAucTest {
        auc_a: a.auc,
        auc_b: b.auc,
        variance_a,
        variance_b,
        covariance,
        difference,
        z,
        p_value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn midranks_average_ties() {
        assert_eq!(midranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }

    #[test]
    fn auc_equals_mann_whitney_and_identical_detectors_give_p_one() {
        let s = [0.1, 0.4, 0.35, 0.8, 0.5, 0.5];
        let y = [false, false, true, true, false, true];
        let v = delong_auc_variance(&s, &y).expect("defined");
        let mw = super::super::auc(&s, &y).value().expect("auc");
        assert!((v.auc - mw).abs() < 1e-12 && v.variance > 0.0);
        let t = delong_paired_test(&s, &s, &y).expect("defined");
        assert_eq!((t.z, t.p_value, t.difference), (None, 1.0, 0.0));
        assert!(delong_auc_variance(&s[..3], &y[..3]).is_err());
    }
}
