//! The sorted form every threshold metric is computed from, and the metric formulas.
//!
//! A [`ScoreTable`] holds the distinct scores in descending order ("thresholds") and, per class,
//! how many samples sit at each threshold. Metrics are functions of those per-threshold counts
//! ([`evaluate`]), so a bootstrap resample only redraws counts and never sorts again.
//!
//! Formulas (scikit-learn / DeepfakeBench, see REFERENCE §2.1):
//! - AUC: Mann–Whitney U with ties ½, exact integer numerator (= `roc_auc_score`).
//! - AP: Σ (Rₙ − Rₙ₋₁)·Pₙ over thresholds, descending (= `average_precision_score`).
//! - EER: on `roc_curve(drop_intermediate=True)` points with the leading (0, 0),
//!   `fpr[argmin |(1 − tpr) − fpr|]`, first index on ties (DeepfakeBench).
//! - interpolated EER: where the piecewise-linear ROC crosses FNR = FPR (linear interpolation
//!   on the segment where `1 − tpr − fpr` first reaches ≤ 0); the FPR there.
//! - TPR@FPR=t: the largest TPR over all thresholds whose FPR ≤ t (no interpolation; the
//!   (0, 0) point counts, so it is 0 when no threshold qualifies).
//! - ACC: `(score > 0.5) == label`; real accuracy = share of reals with score ≤ 0.5; fake
//!   accuracy = share of fakes with score > 0.5 (DIRE / CNNSpot `r_acc` / `f_acc`).

use super::sort::{descending_key, score_of_key, sort_keys};
use super::{MetricSet, MetricValue};

/// Decision threshold of ACC: `score > 0.5` means fake.
pub const ACC_THRESHOLD: f64 = 0.5;
/// FPR levels of the `tpr@fpr=…` metrics.
pub const TPR_FPR_LEVELS: [f64; 2] = [0.01, 0.05];

/// Distinct scores (descending) and per-class sample counts at each.
#[derive(Debug, Clone)]
pub struct ScoreTable {
    pub thresholds: Vec<f64>,
    /// Threshold index of every real sample, ascending (for resampling).
    pub real_groups: Vec<u32>,
    /// Threshold index of every fake sample, ascending (for resampling).
    pub fake_groups: Vec<u32>,
    pub real_counts: Vec<u64>,
    pub fake_counts: Vec<u64>,
}

impl ScoreTable {
    /// Sorts the scores once; `Err(reason)` when no metric can be computed at all.
    pub fn new(scores: &[f64], labels: &[bool]) -> Result<ScoreTable, String> {
        if scores.len() != labels.len() {
            return Err("scores and labels differ in length".to_string());
        }
        if scores.is_empty() {
            return Err("no samples".to_string());
        }
        if scores.len() >= u32::MAX as usize {
            return Err("more than 4 billion samples".to_string());
        }
        if scores.iter().any(|s| !s.is_finite()) {
            return Err("non-finite score".to_string());
        }
        let mut real_keys = Vec::with_capacity(scores.len());
        let mut fake_keys = Vec::with_capacity(scores.len());
        for (&score, &fake) in scores.iter().zip(labels) {
            let key = descending_key(score);
            if fake {
                fake_keys.push(key);
            } else {
                real_keys.push(key);
            }
        }
        sort_keys(&mut real_keys);
        sort_keys(&mut fake_keys);
        let mut table = ScoreTable {
            thresholds: Vec::new(),
            real_groups: Vec::with_capacity(real_keys.len()),
            fake_groups: Vec::with_capacity(fake_keys.len()),
            real_counts: Vec::new(),
            fake_counts: Vec::new(),
        };
        let (mut i, mut j) = (0, 0);
        while i < real_keys.len() || j < fake_keys.len() {
            let key = match (real_keys.get(i), fake_keys.get(j)) {
                (Some(&r), Some(&f)) => r.min(f),
                (Some(&r), None) => r,
                (None, Some(&f)) => f,
                (None, None) => break,
            };
            let group = table.thresholds.len() as u32;
            let (mut n_real, mut n_fake) = (0u64, 0u64);
            while real_keys.get(i) == Some(&key) {
                table.real_groups.push(group);
                n_real += 1;
                i += 1;
            }
            while fake_keys.get(j) == Some(&key) {
                table.fake_groups.push(group);
                n_fake += 1;
                j += 1;
            }
            table.thresholds.push(score_of_key(key));
            table.real_counts.push(n_real);
            table.fake_counts.push(n_fake);
        }
        Ok(table)
    }

    /// All metrics of the full sample.
    pub fn evaluate(&self) -> MetricSet {
        evaluate(
            &self.thresholds,
            &self.real_counts,
            &self.fake_counts,
            &mut Vec::new(),
        )
    }
}

fn ratio(num: u64, den: u64, reason: &str) -> MetricValue {
    if den == 0 {
        MetricValue::Undefined(reason.to_string())
    } else {
        MetricValue::Value(num as f64 / den as f64)
    }
}

/// All metrics from per-threshold counts; `curve` is scratch space for cumulative points.
pub fn evaluate(
    thresholds: &[f64],
    real: &[u64],
    fake: &[u64],
    curve: &mut Vec<(u64, u64)>,
) -> MetricSet {
    curve.clear();
    let (mut fp, mut tp) = (0u64, 0u64);
    let (mut true_fake, mut true_real) = (0u64, 0u64);
    for ((&score, &r), &f) in thresholds.iter().zip(real).zip(fake) {
        if r == 0 && f == 0 {
            continue; // not a threshold of this (resampled) sample
        }
        fp += r;
        tp += f;
        curve.push((fp, tp));
        if score > ACC_THRESHOLD {
            true_fake += f;
        } else {
            true_real += r;
        }
    }
    let (n_real, n_fake) = (fp, tp);
    if n_real + n_fake == 0 {
        return MetricSet::undefined("no samples", 0, 0);
    }
    let mut set = MetricSet::undefined(
        if n_real == 0 {
            "only fake"
        } else {
            "only real"
        },
        n_real,
        n_fake,
    );
    set.acc = ratio(true_fake + true_real, n_real + n_fake, "no samples");
    set.real_acc = ratio(true_real, n_real, "only fake");
    set.fake_acc = ratio(true_fake, n_fake, "only real");
    if n_real == 0 || n_fake == 0 {
        return set;
    }
    set.auc = MetricValue::Value(auc_of(curve, n_real, n_fake));
    set.ap = MetricValue::Value(ap_of(curve, n_fake));
    set.eer = MetricValue::Value(eer_of(curve, n_real, n_fake));
    set.eer_interp = MetricValue::Value(eer_interpolated_of(curve, n_real, n_fake));
    set.tpr_at_fpr =
        TPR_FPR_LEVELS.map(|t| MetricValue::Value(tpr_at_fpr_of(curve, n_real, n_fake, t)));
    set
}

fn auc_of(curve: &[(u64, u64)], n_real: u64, n_fake: u64) -> f64 {
    // Each real scores against every fake strictly above it (1) and tied with it (½):
    // 2·U = Σ_groups real_g · (2·tp_before + fake_g), exact in u128.
    let (mut prev_f, mut prev_t) = (0u64, 0u64);
    let mut twice_u: u128 = 0;
    for &(f, t) in curve {
        let (real_g, fake_g) = (f - prev_f, t - prev_t);
        twice_u += u128::from(real_g) * (2 * u128::from(prev_t) + u128::from(fake_g));
        (prev_f, prev_t) = (f, t);
    }
    twice_u as f64 / (2.0 * n_fake as f64 * n_real as f64)
}

fn ap_of(curve: &[(u64, u64)], n_fake: u64) -> f64 {
    let total = n_fake as f64;
    let mut prev_recall = 0.0;
    let mut sum = 0.0;
    for &(f, t) in curve {
        let recall = t as f64 / total;
        let precision = t as f64 / (t + f) as f64; // t + f ≥ 1: empty groups are skipped
        sum += (recall - prev_recall) * precision;
        prev_recall = recall;
    }
    sum.max(0.0)
}

/// Whether sklearn `roc_curve(drop_intermediate=True)` keeps cumulative point `i`: it drops
/// points whose second differences of fps and tps are both zero (first and last always stay).
fn roc_keeps(curve: &[(u64, u64)], i: usize) -> bool {
    if i == 0 || i + 1 >= curve.len() {
        return true;
    }
    let second = |a: u64, b: u64, c: u64| (c as i128) - 2 * (b as i128) + (a as i128);
    let (a, b, c) = (curve[i - 1], curve[i], curve[i + 1]);
    second(a.0, b.0, c.0) != 0 || second(a.1, b.1, c.1) != 0
}

/// DeepfakeBench EER over the points sklearn's ROC keeps, plus the leading (0, 0).
fn eer_of(curve: &[(u64, u64)], n_real: u64, n_fake: u64) -> f64 {
    let (nr, nf) = (n_real as f64, n_fake as f64);
    let mut best = (1.0, 0.0); // the (0, 0) point: |1 − 0 − 0| = 1
    for (i, &(f, t)) in curve.iter().enumerate() {
        if !roc_keeps(curve, i) {
            continue;
        }
        let (fpr, tpr) = (f as f64 / nr, t as f64 / nf);
        let gap = ((1.0 - tpr) - fpr).abs();
        if gap < best.0 {
            best = (gap, fpr);
        }
    }
    best.1
}

/// Cumulative `(fps, tps)` of the full sample.
fn full_curve(table: &ScoreTable) -> Vec<(u64, u64)> {
    let (mut fp, mut tp) = (0u64, 0u64);
    table
        .real_counts
        .iter()
        .zip(&table.fake_counts)
        .map(|(&r, &f)| {
            fp += r;
            tp += f;
            (fp, tp)
        })
        .collect()
}

/// ROC points as sklearn `roc_curve` (drop_intermediate, leading (0, 0)); empty with one class.
pub fn roc_points(table: &ScoreTable) -> Vec<(f64, f64)> {
    let curve = full_curve(table);
    let Some(&(n_real, n_fake)) = curve.last() else {
        return Vec::new();
    };
    if n_real == 0 || n_fake == 0 {
        return Vec::new();
    }
    let (nr, nf) = (n_real as f64, n_fake as f64);
    std::iter::once((0.0, 0.0))
        .chain(
            (0..curve.len())
                .filter(|&i| roc_keeps(&curve, i))
                .map(|i| (curve[i].0 as f64 / nr, curve[i].1 as f64 / nf)),
        )
        .collect()
}

/// TPR at an arbitrary FPR level (see the module doc).
pub fn tpr_at_fpr_level(table: &ScoreTable, level: f64) -> MetricValue {
    let curve = full_curve(table);
    match curve.last() {
        Some(&(n_real, n_fake)) if n_real > 0 && n_fake > 0 => {
            MetricValue::Value(tpr_at_fpr_of(&curve, n_real, n_fake, level))
        }
        Some(&(0, _)) => MetricValue::Undefined("only fake".to_string()),
        Some(_) => MetricValue::Undefined("only real".to_string()),
        None => MetricValue::Undefined("no samples".to_string()),
    }
}

fn eer_interpolated_of(curve: &[(u64, u64)], n_real: u64, n_fake: u64) -> f64 {
    let (nr, nf) = (n_real as f64, n_fake as f64);
    let (mut fpr0, mut gap0) = (0.0, 1.0); // (0, 0): 1 − tpr − fpr = 1
    for &(f, t) in curve {
        let (fpr1, tpr1) = (f as f64 / nr, t as f64 / nf);
        let gap1 = 1.0 - tpr1 - fpr1;
        if gap1 <= 0.0 {
            let share = gap0 / (gap0 - gap1);
            return fpr0 + share * (fpr1 - fpr0);
        }
        (fpr0, gap0) = (fpr1, gap1);
    }
    fpr0 // unreachable for a complete curve: the last point is (1, 1)
}

fn tpr_at_fpr_of(curve: &[(u64, u64)], n_real: u64, n_fake: u64, level: f64) -> f64 {
    let mut best = 0.0;
    for &(f, t) in curve {
        if f as f64 / n_real as f64 > level {
            break;
        }
        best = t as f64 / n_fake as f64;
    }
    best
}
