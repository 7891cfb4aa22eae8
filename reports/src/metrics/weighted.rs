//! Every metric of a weighted sample in one linear pass over the sorted groups: the inner loop
//! of the bootstrap.
//!
//! A bootstrap resample of a [`super::table::ScoreTable`] is a vector of multinomial counts
//! ("weights") per tie group: how many times the resample drew a real / a fake of that score.
//! The metrics of the resample are functions of the already sorted groups and those weights,
//! exactly as [`super::table::evaluate`] computes them from per-threshold counts, so nothing is
//! sorted again. [`Resampler::metrics`] computes what `evaluate` computes, with the same
//! floating-point expressions in the same order, so each value is bit-identical to `evaluate`
//! on the same counts, and so to the unweighted metrics of the materialised resample (`tests`
//! checks both): one branch-free pass compacts the cumulative counts of the non-empty groups
//! (groups of weight zero are not thresholds of the resample), one pass sums AUC (exact
//! integers) and AP, and the threshold metrics are found by binary search, because they only
//! depend on where the curve crosses a level. `1 − tpr − fpr` never increases along the curve
//! (rounded divisions and subtractions are monotone too), so the EER (first minimum of
//! `|1 − tpr − fpr|` over the points sklearn's `drop_intermediate` keeps) and the interpolated
//! EER sit at the first point with `1 − tpr − fpr ≤ 0` or just before it, and TPR@FPR is the
//! TPR just before the first point whose FPR exceeds the level.

use super::table::{ACC_THRESHOLD, TPR_FPR_LEVELS};

/// Values in [`super::METRIC_NAMES`] order; `None` where undefined (one class is missing).
pub type Values = [Option<f64>; 9];

/// Largest class size with a rate table (128 MiB of `f64`); larger classes divide on the fly.
pub const RATE_TABLE_MAX: u64 = 1 << 24;

/// Counts as `f64` (exact below 2⁵³). The signed conversion is one instruction on baseline
/// x86-64 (the unsigned one is several); both give the same value for counts < 2⁶³.
fn float(count: u64) -> f64 {
    count as i64 as f64
}

/// `count / n` for every count of one class, computed once per slice: the divisions the
/// unweighted code does, looked up instead of repeated in every resample.
#[derive(Debug, Clone)]
struct Rates {
    n: u64,
    n_float: f64,
    table: Vec<f64>,
}

impl Rates {
    fn new(n: u64) -> Rates {
        let n_float = float(n);
        let table = if n <= RATE_TABLE_MAX {
            (0..=n).map(|c| float(c) / n_float).collect()
        } else {
            Vec::new()
        };
        Rates { n, n_float, table }
    }

    /// `count / n`, bit-identical to `count as f64 / n as f64`.
    fn of(&self, count: u64) -> f64 {
        match self.table.get(count as usize) {
            Some(&rate) => rate,
            None => float(count) / self.n_float,
        }
    }
}

/// Evaluates resamples of one slice whose class sizes stay fixed (a stratified bootstrap):
/// rate tables and scratch space are built once and reused, so a resample allocates nothing.
#[derive(Debug, Clone)]
pub struct Resampler {
    real: Rates,
    fake: Rates,
    /// Cumulative `(fp, tp)` per non-empty group of the current resample.
    curve: Vec<(u64, u64)>,
}

fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| float(num) / float(den))
}

/// Whether sklearn's `drop_intermediate` keeps point `i` (first and last always stay; others
/// unless both second differences are zero). Counts are < 2³², so `i64` cannot overflow.
fn roc_keeps(curve: &[(u64, u64)], i: usize) -> bool {
    if i == 0 || i + 1 >= curve.len() {
        return true;
    }
    let second = |a: u64, b: u64, c: u64| c as i64 - 2 * b as i64 + a as i64;
    let (a, b, c) = (curve[i - 1], curve[i], curve[i + 1]);
    second(a.0, b.0, c.0) != 0 || second(a.1, b.1, c.1) != 0
}

/// The DeepfakeBench EER (`fpr` at the first minimum of `|1 − tpr − fpr|` over the kept
/// points and the leading (0, 0), whose value is 1), found around `cross`, the first point with
/// `1 − tpr − fpr ≤ 0`. That value never increases along the curve, so before `cross` the
/// minimum is at the last kept point (the first of its run of equal values), and from `cross`
/// on at the first kept point; of the two, the earlier wins ties.
fn eer_at(curve: &[(u64, u64)], cross: usize, point: &impl Fn(usize) -> (f64, f64, f64)) -> f64 {
    let mut best = (1.0, 0.0);
    if let Some(mut last) = (0..cross).rev().find(|&i| roc_keeps(curve, i)) {
        let value = point(last).2;
        while let Some(earlier) = (0..last).rev().find(|&i| roc_keeps(curve, i)) {
            if point(earlier).2 != value {
                break;
            }
            last = earlier;
        }
        let (fpr, _, gap) = point(last);
        if gap.abs() < best.0 {
            best = (gap.abs(), fpr);
        }
    }
    if let Some(first) = (cross..curve.len()).find(|&i| roc_keeps(curve, i)) {
        let (fpr, _, gap) = point(first);
        if gap.abs() < best.0 {
            best = (gap.abs(), fpr);
        }
    }
    best.1
}

impl Resampler {
    /// For resamples with `n_real` reals and `n_fake` fakes.
    pub fn new(n_real: u64, n_fake: u64) -> Resampler {
        Resampler {
            real: Rates::new(n_real),
            fake: Rates::new(n_fake),
            curve: Vec::new(),
        }
    }

    /// All nine metrics of the sample that has `real[g]` reals and `fake[g]` fakes at
    /// `thresholds[g]` (descending). Equal to [`super::table::evaluate`] on the same counts,
    /// value for value. Counts whose class sizes differ from [`Resampler::new`]'s get fresh
    /// rate tables (slower, same result).
    pub fn metrics(&mut self, thresholds: &[f64], real: &[u64], fake: &[u64]) -> Values {
        let above = thresholds.partition_point(|&s| s > ACC_THRESHOLD);
        let totals = self.compact(real, fake, above);
        let (n_real, n_fake) = totals.all;
        if (n_real, n_fake) != (self.real.n, self.fake.n) {
            return weighted_metrics(thresholds, real, fake);
        }
        let (true_real, true_fake) = (n_real - totals.above.0, totals.above.1);
        let mut out: Values = [None; 9];
        out[0] = ratio(true_fake + true_real, n_real + n_fake);
        out[5] = ratio(true_fake, n_fake);
        out[6] = ratio(true_real, n_real);
        if n_real == 0 || n_fake == 0 {
            return out;
        }
        let curve = self.curve.as_slice();
        let (fpr_of, tpr_of) = (&self.real, &self.fake);
        let (mut fp, mut tp) = (0u64, 0u64);
        // 2·U ≤ 2·n_real·n_fake < 2⁶³ because n_real + n_fake < 2³² (ScoreTable's limit).
        let mut twice_u: u64 = 0;
        let (mut ap, mut prev_recall) = (0.0, 0.0);
        for &(f, t) in curve {
            twice_u += (f - fp) * (tp + t); // reals of the group × (2·tp_before + fakes)
            let tpr = tpr_of.of(t);
            ap += (tpr - prev_recall) * (float(t) / float(t + f));
            (fp, tp, prev_recall) = (f, t, tpr);
        }
        let point = |i: usize| {
            let (f, t) = curve[i];
            let (fpr, tpr) = (fpr_of.of(f), tpr_of.of(t));
            (fpr, tpr, (1.0 - tpr) - fpr)
        };
        out[1] = Some(ap.max(0.0));
        out[2] = Some(float(twice_u) / (2.0 * float(n_fake) * float(n_real)));
        // The first point with 1 − tpr − fpr ≤ 0 (the last point, (1, 1), always qualifies).
        let cross = curve.partition_point(|&(f, t)| (1.0 - tpr_of.of(t)) - fpr_of.of(f) > 0.0);
        out[3] = Some(eer_at(curve, cross, &point));
        let (fpr0, gap0) = cross.checked_sub(1).map_or((0.0, 1.0), |i| {
            let (fpr, _, gap) = point(i);
            (fpr, gap)
        });
        let (fpr1, _, gap1) = point(cross);
        out[4] = Some(fpr0 + gap0 / (gap0 - gap1) * (fpr1 - fpr0));
        for (slot, level) in out[7..].iter_mut().zip(TPR_FPR_LEVELS) {
            // The largest TPR before the first point whose FPR exceeds the level.
            let end = curve.partition_point(|&(f, _)| fpr_of.of(f) <= level);
            *slot = Some(end.checked_sub(1).map_or(0.0, |i| point(i).1));
        }
        out
    }

    /// Cumulative `(fp, tp)` of the non-empty groups, without a data-dependent branch: every
    /// group writes its point, and only a non-empty one advances the end. Also returns the
    /// class totals and the cumulative counts of the groups scored above the ACC threshold
    /// (the first `above` groups).
    fn compact(&mut self, real: &[u64], fake: &[u64], above: usize) -> Totals {
        let groups = real.len().min(fake.len());
        self.curve.clear();
        self.curve.resize(groups + 1, (0, 0));
        let (mut fp, mut tp, mut len) = (0u64, 0u64, 0usize);
        let mut at_above = (0, 0);
        for (g, (&r, &f)) in real[..groups].iter().zip(&fake[..groups]).enumerate() {
            if g == above {
                at_above = (fp, tp);
            }
            fp += r;
            tp += f;
            if let Some(slot) = self.curve.get_mut(len) {
                *slot = (fp, tp);
            }
            len += usize::from(r | f != 0);
        }
        if above >= groups {
            at_above = (fp, tp);
        }
        self.curve.truncate(len);
        Totals {
            all: (fp, tp),
            above: at_above,
        }
    }
}

/// Class totals of a resample and the cumulative `(reals, fakes)` above the ACC threshold.
struct Totals {
    all: (u64, u64),
    above: (u64, u64),
}

/// [`Resampler::metrics`] for one sample (builds the rate tables of its class sizes).
pub fn weighted_metrics(thresholds: &[f64], real: &[u64], fake: &[u64]) -> Values {
    Resampler::new(real.iter().sum(), fake.iter().sum()).metrics(thresholds, real, fake)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::bootstrap::Rng;
    use crate::metrics::frame_metrics;
    use crate::metrics::table::{ScoreTable, evaluate};

    /// A random slice: `levels` distinct scores (few levels = heavy ties), some exactly 0.5.
    fn slice(rng: &mut Rng, n: usize, levels: usize, fake_share: f64) -> (Vec<f64>, Vec<bool>) {
        (0..n)
            .map(|_| {
                let fake = rng.unit() < fake_share;
                let level = rng.below(levels) as f64 / (levels.max(2) - 1) as f64;
                let shifted = if fake { (level + 0.2).min(1.0) } else { level };
                (shifted, fake)
            })
            .unzip()
    }

    fn assert_equal(weighted: &Values, unweighted: &[(&str, &crate::metrics::MetricValue)]) {
        for (w, (name, u)) in weighted.iter().zip(unweighted) {
            match (w, u.value()) {
                (Some(a), Some(b)) => assert!((a - b).abs() <= 1e-12, "{name}: {a} vs {b}"),
                (None, None) => {}
                (a, _) => panic!("{name}: weighted {a:?} vs unweighted {u}"),
            }
        }
    }

    /// Weighted metrics of multinomial counts over the sorted table equal the unweighted
    /// metrics of the explicitly materialised resample (sorted from scratch), and `evaluate`
    /// on the same counts bit for bit.
    #[test]
    fn weighted_equals_materialised_resample() {
        let mut rng = Rng::new(0x5EED);
        let mut checked = 0;
        for case in 0..600 {
            let n = 1 + rng.below(if case % 10 == 0 { 2000 } else { 120 });
            let levels = [2, 3, 5, 20, 1000][case % 5];
            let (scores, labels) = slice(&mut rng, n, levels, [0.5, 0.1, 0.9, 0.0][case % 4]);
            let table = ScoreTable::new(&scores, &labels).expect("finite scores");
            let (n_real, n_fake) = (table.real_groups.len(), table.fake_groups.len());
            let mut resampler = Resampler::new(n_real as u64, n_fake as u64);
            for draw in 0..4 {
                let groups = table.thresholds.len();
                let (mut real, mut fake) = (vec![0u64; groups], vec![0u64; groups]);
                let (mut s, mut l) = (Vec::new(), Vec::new());
                // Stratified draws, as the bootstrap; the last draw ignores classes, so a class
                // can vanish (single-class branch).
                let stratified = draw < 3;
                for k in 0..n {
                    let (group, is_fake) = if !stratified {
                        let pick = rng.below(n);
                        match table.real_groups.get(pick) {
                            Some(&g) => (g, false),
                            None => (table.fake_groups[pick - n_real], true),
                        }
                    } else if k < n_real {
                        (table.real_groups[rng.below(n_real)], false)
                    } else {
                        (table.fake_groups[rng.below(n_fake)], true)
                    };
                    let counts = if is_fake { &mut fake } else { &mut real };
                    counts[group as usize] += 1;
                    s.push(table.thresholds[group as usize]);
                    l.push(is_fake);
                }
                let unweighted = frame_metrics(&s, &l);
                let weighted = if stratified {
                    resampler.metrics(&table.thresholds, &real, &fake)
                } else {
                    weighted_metrics(&table.thresholds, &real, &fake)
                };
                assert_equal(&weighted, &unweighted.named());
                let same_counts = evaluate(&table.thresholds, &real, &fake, &mut Vec::new());
                let exact: Vec<Option<f64>> =
                    same_counts.named().iter().map(|(_, v)| v.value()).collect();
                assert_eq!(weighted.to_vec(), exact, "case {case} draw {draw}");
                checked += 1;
            }
        }
        assert_eq!(checked, 2400);
    }
}
