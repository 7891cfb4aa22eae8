//! Additive Gaussian noise from a seeded generator, written here so the bytes never change with
//! a dependency's version.
//!
//! Since every output value is `v + round(σ·z)` clamped to [0, 255] (`v` an integer), only the
//! rounded noise `k = round(σ·z)` matters, and it is drawn directly: a 65 536-entry table maps a
//! 16-bit uniform `u` to the `k` whose bucket of the normal CDF holds it, `Φ((k − ½)/σ) ≤ (u + ½) /
//! 2¹⁶ < Φ((k + ½)/σ)` (inverse-CDF sampling of the rounded Gaussian). Each SplitMix64 output
//! gives four values (its 16-bit words, lowest first). Tolerance against an exact rounded
//! Gaussian: each k's probability is within 2⁻¹⁶ of its exact value, and |k| never exceeds the
//! point where the tail holds less than 2⁻¹⁷ (≈ 4.3 σ).
//!
//! This is version 2 of `noise` (`noise=2` in [`crate::image_io::PREPROCESSING_VERSION`]); version 1 drew a full normal per
//! value with Marsaglia's polar method (a logarithm and a square root per pair), 5× slower.

use crate::image_io::RgbImage;
use crate::rng::SplitMix64;
use std::cell::RefCell;

/// Entries of the inverse-CDF table: one per 16-bit uniform.
const TABLE_LEN: usize = 1 << 16;

thread_local! {
    /// The table of the last σ used on this thread (a run applies one σ to every image).
    static TABLE: RefCell<Option<(u64, Vec<i16>)>> = const { RefCell::new(None) };
}

pub(super) fn add_gaussian(image: RgbImage, sigma: f64, seed: u64) -> RgbImage {
    TABLE.with(|cell| {
        let mut cached = cell.borrow_mut();
        let table = match cached.as_ref() {
            Some((bits, table)) if *bits == sigma.to_bits() => table,
            _ => {
                &cached
                    .insert((sigma.to_bits(), rounded_gaussian_table(sigma)))
                    .1
            }
        };
        apply(image, table, seed)
    })
}

fn apply(mut image: RgbImage, table: &[i16], seed: u64) -> RgbImage {
    let mut generator = SplitMix64(seed);
    for quad in image.chunks_mut(4) {
        let word = generator.next_u64();
        for (lane, value) in quad.iter_mut().enumerate() {
            let uniform = (word >> (16 * lane)) as u16;
            let noisy = i16::from(*value) + table[usize::from(uniform)];
            *value = noisy.clamp(0, 255) as u8;
        }
    }
    image
}

/// `table[u]` = the rounded noise k for the 16-bit uniform u, at standard deviation `sigma`.
fn rounded_gaussian_table(sigma: f64) -> Vec<i16> {
    let mut table = Vec::with_capacity(TABLE_LEN);
    // Start at the most negative k whose bucket can hold a uniform; σ ≤ 255 keeps |k| < 2¹⁵.
    let mut k = -((10.0 * sigma).ceil() as i32) - 1;
    let upper = |k: i32| normal_cdf((f64::from(k) + 0.5) / sigma);
    let mut bound = upper(k);
    for uniform in 0..TABLE_LEN {
        let point = (uniform as f64 + 0.5) / TABLE_LEN as f64;
        while bound <= point {
            k += 1;
            bound = upper(k);
        }
        table.push(k as i16);
    }
    table
}

/// Φ(x), the standard normal CDF, as erfc(−x/√2)/2.
fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// The complementary error function by its Chebyshev fit (Numerical Recipes' `erfcc`,
/// fractional error below 1.2·10⁻⁷ everywhere: far finer than the table's 2⁻¹⁶ steps).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let value = t * poly.exp();
    if x >= 0.0 { value } else { 2.0 - value }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes of version 2 for fixed seeds, pinned: a change here is a new noise version.
    #[test]
    fn fixed_seeds_give_the_pinned_bytes() {
        let image = RgbImage::from_fn(37, 23, |x, y| {
            image::Rgb([(x * 7) as u8, (y * 11) as u8, 128])
        });
        let mut digests = Vec::new();
        for (sigma, seed) in [(5.0, 1u64), (0.5, 42), (40.0, u64::MAX)] {
            let out = add_gaussian(image.clone(), sigma, seed);
            assert_eq!(
                out,
                add_gaussian(image.clone(), sigma, seed),
                "deterministic"
            );
            digests.push(crate::fingerprint::sha256_hex(out.as_raw())[..16].to_string());
        }
        assert_eq!(
            digests,
            ["1307fc7b0e6d571d", "51f3fc9593fae296", "d99a02e03414ec9e"]
        );
    }

    /// The drawn noise has the rounded Gaussian's law: each k's frequency over 3·2²⁰ draws
    /// matches Φ((k+½)/σ) − Φ((k−½)/σ) within five standard errors, and the variance is σ² + 1/12.
    #[test]
    fn noise_follows_the_rounded_gaussian() {
        let sigma = 5.0;
        let grey = RgbImage::from_pixel(1024, 1024, image::Rgb([128, 128, 128]));
        let out = add_gaussian(grey, sigma, 7);
        let draws = out.len() as f64;
        let mut counts = std::collections::BTreeMap::<i32, f64>::new();
        for value in out.iter() {
            *counts.entry(i32::from(*value) - 128).or_default() += 1.0;
        }
        let variance: f64 = counts
            .iter()
            .map(|(k, n)| f64::from(k * k) * n)
            .sum::<f64>()
            / draws;
        assert!(
            (variance / (sigma * sigma + 1.0 / 12.0) - 1.0).abs() < 0.01,
            "{variance}"
        );
        for k in -20..=20 {
            let exact =
                normal_cdf((f64::from(k) + 0.5) / sigma) - normal_cdf((f64::from(k) - 0.5) / sigma);
            let seen = counts.get(&k).copied().unwrap_or(0.0) / draws;
            let error = (exact * (1.0 - exact) / draws).sqrt();
            assert!(
                (seen - exact).abs() < 5.0 * error + 2.0f64.powi(-16),
                "k {k}: {seen} vs {exact}"
            );
        }
    }

    #[test]
    fn erfc_matches_known_values() {
        for (x, expected) in [
            (0.0, 1.0),
            (0.5, 0.479_500_122),
            (1.0, 0.157_299_207),
            (-1.0, 1.842_700_793),
            (2.5, 0.000_406_952),
        ] {
            assert!(
                (erfc(x) - expected).abs() < 2e-7 * expected.max(1e-3),
                "erfc({x}) = {}",
                erfc(x)
            );
        }
    }
}
