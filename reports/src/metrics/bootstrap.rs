//! Stratified bootstrap percentile intervals for every metric of a slice.
//!
//! Each resample draws `n_real` reals and `n_fake` fakes with replacement (class counts stay
//! fixed, so AUC stays defined) from the units given: frames at frame level, videos at video
//! level (the caller passes video scores, so whole videos are resampled). The interval is the
//! `(1 − confidence)/2` and `(1 + confidence)/2` percentiles of the resampled values, with
//! numpy's default linear interpolation.
//!
//! Cost: the slice is sorted once ([`ScoreTable`]). A resample is multinomial counts per tie
//! group (each of the `n_real` + `n_fake` draws picks a sample uniformly and adds one to the
//! count of its score group; not Poisson weights, so class sizes stay exact), then all nine
//! metrics come out of one allocation-free linear pass over the sorted groups with those counts
//! ([`Resampler`]): O(n) per resample, no sort. The percentiles are order statistics
//! found by selection, O(resamples).
//!
//! Randomness: xoshiro256** seeded with SplitMix64 from `config.seed` mixed with a caller
//! `stream` (e.g. a hash of the slice key), so every slice has its own reproducible draws no
//! matter the order or thread it is computed on.

use super::table::ScoreTable;
use super::weighted::Resampler;

/// How intervals are computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BootstrapConfig {
    /// Number of resamples; 0 disables intervals.
    pub resamples: u32,
    pub seed: u64,
    /// Coverage of the interval, e.g. 0.95.
    pub confidence: f64,
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        BootstrapConfig {
            resamples: 1000,
            seed: 20_240_601,
            confidence: 0.95,
        }
    }
}

/// Intervals of one slice, per metric in [`super::METRIC_NAMES`] order.
#[derive(Debug, Clone, PartialEq)]
pub struct Intervals {
    /// `(low, high)`, or `None` where the metric is undefined.
    pub bounds: [Option<(f64, f64)>; 9],
    /// The resampled AUCs in draw order (empty when AUC is undefined), for intervals of means
    /// across independent slices (average replicate `i` of every slice, then take percentiles).
    pub auc_replicates: Vec<f64>,
}

/// xoshiro256**: fast, small state, good statistical quality.
#[derive(Debug, Clone)]
pub struct Rng([u64; 4]);

impl Rng {
    /// Seeds the four state words with SplitMix64.
    pub fn new(seed: u64) -> Rng {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Rng([next(), next(), next(), next()])
    }

    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in `0..n` (Lemire's multiply-high; bias < n / 2⁶⁴).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A stable 64-bit hash (FNV-1a) of a slice key, for [`bootstrap`]'s `stream`.
pub fn stream_of(key: &str) -> u64 {
    key.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

/// Percentile `q` ∈ [0, 1] of sorted values, numpy `linear` method.
pub fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let pos = q.clamp(0.0, 1.0) * last as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(last);
    let frac = pos - lo as f64;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * frac)
}

/// Percentile `q` ∈ [0, 1] of unsorted values, numpy `linear` method: the same value as
/// [`percentile`] of the sorted values, by selection (O(n)); reorders `values`.
fn select_percentile(values: &mut [f64], q: f64) -> Option<f64> {
    let last = values.len().checked_sub(1)?;
    let pos = q.clamp(0.0, 1.0) * last as f64;
    let lo = pos.floor() as usize;
    let (_, &mut low, above) = values.select_nth_unstable_by(lo, f64::total_cmp);
    let high = above.iter().copied().min_by(f64::total_cmp).unwrap_or(low);
    Some(low + (high - low) * (pos - lo as f64))
}

/// The percentile interval of a set of replicate values (NaN-free).
pub fn interval_of(mut values: Vec<f64>, confidence: f64) -> Option<(f64, f64)> {
    let tail = (1.0 - confidence) / 2.0;
    let low = select_percentile(&mut values, tail)?;
    Some((low, select_percentile(&mut values, 1.0 - tail)?))
}

/// Intervals of every metric of `table`; `None` when `config.resamples` is 0.
pub fn bootstrap(table: &ScoreTable, config: &BootstrapConfig, stream: u64) -> Option<Intervals> {
    if config.resamples == 0 {
        return None;
    }
    let mut rng = Rng::new(config.seed ^ stream.rotate_left(17));
    let groups = table.thresholds.len();
    let (mut real, mut fake) = (vec![0u64; groups], vec![0u64; groups]);
    let mut resampler = Resampler::new(
        table.real_groups.len() as u64,
        table.fake_groups.len() as u64,
    );
    let mut replicates: [Vec<f64>; 9] =
        std::array::from_fn(|_| Vec::with_capacity(config.resamples as usize));
    for _ in 0..config.resamples {
        real.fill(0);
        fake.fill(0);
        for _ in 0..table.real_groups.len() {
            real[table.real_groups[rng.below(table.real_groups.len())] as usize] += 1;
        }
        for _ in 0..table.fake_groups.len() {
            fake[table.fake_groups[rng.below(table.fake_groups.len())] as usize] += 1;
        }
        let values = resampler.metrics(&table.thresholds, &real, &fake);
        for (slot, value) in replicates.iter_mut().zip(values) {
            if let Some(v) = value {
                slot.push(v);
            }
        }
    }
    let auc_replicates = replicates[2].clone();
    let bounds = replicates.map(|values| {
        // Stratified draws keep both classes, so a metric is defined in all or no resamples.
        if values.len() == config.resamples as usize {
            interval_of(values, config.confidence)
        } else {
            None
        }
    });
    Some(Intervals {
        bounds,
        auc_replicates,
    })
}

/// Convenience: intervals straight from `(scores, labels)`; `Err(reason)` when no metric is
/// defined (no samples, non-finite score, length mismatch) or resamples is 0.
pub fn bootstrap_intervals(
    scores: &[f64],
    labels: &[bool],
    config: &BootstrapConfig,
) -> Result<Intervals, String> {
    let table = ScoreTable::new(scores, labels)?;
    bootstrap(&table, config, 0).ok_or_else(|| "bootstrap disabled (0 resamples)".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_matches_numpy_linear() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&v, 0.5), Some(2.5));
        assert_eq!(percentile(&v, 0.025), Some(1.075));
        assert_eq!(percentile(&[7.0], 0.9), Some(7.0));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn selection_interval_equals_sorted_percentiles() {
        let mut rng = Rng::new(3);
        for len in [1usize, 2, 3, 10, 39, 40, 41, 1000] {
            // Few distinct values: ties at the percentile positions.
            let values: Vec<f64> = (0..len).map(|_| rng.below(7) as f64 / 7.0).collect();
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            for confidence in [0.95, 0.5, 0.9] {
                let tail = (1.0 - confidence) / 2.0;
                let expected = (percentile(&sorted, tail), percentile(&sorted, 1.0 - tail));
                let got = interval_of(values.clone(), confidence);
                assert_eq!(
                    got,
                    expected.0.zip(expected.1),
                    "len {len} conf {confidence}"
                );
            }
        }
        assert_eq!(interval_of(Vec::new(), 0.95), None);
    }

    #[test]
    fn same_seed_same_interval_and_interval_contains_estimate() {
        let scores: Vec<f64> = (0..200).map(|i| ((i * 37) % 101) as f64 / 100.0).collect();
        let labels: Vec<bool> = (0..200)
            .map(|i| (i * 37) % 101 > 40 || i % 7 == 0)
            .collect();
        let config = BootstrapConfig {
            resamples: 300,
            ..Default::default()
        };
        let a = bootstrap_intervals(&scores, &labels, &config).expect("defined");
        let b = bootstrap_intervals(&scores, &labels, &config).expect("defined");
        assert_eq!(a, b);
        let auc = super::super::auc(&scores, &labels).value().expect("auc");
        let (lo, hi) = a.bounds[2].expect("auc interval");
        assert!(lo < auc && auc < hi && hi - lo < 0.3, "{lo} {auc} {hi}");
        assert_eq!(a.auc_replicates.len(), 300);
    }

    #[test]
    fn single_class_has_accuracy_interval_only() {
        let config = BootstrapConfig {
            resamples: 50,
            ..Default::default()
        };
        let i = bootstrap_intervals(&[0.9, 0.2, 0.7], &[true; 3], &config).expect("defined");
        assert!(i.bounds[0].is_some(), "acc");
        assert!(i.bounds[2].is_none() && i.auc_replicates.is_empty(), "auc");
        assert!(bootstrap_intervals(&[], &[], &config).is_err());
    }
}
