//! Additive Gaussian noise from a seeded generator (SplitMix64 + Marsaglia's polar method),
//! written here so the bytes never change with a dependency's version.

use crate::image_io::RgbImage;

/// SplitMix64 (Steele et al. 2014): a tiny, well-mixed 64-bit generator.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [−1, 1).
    fn next_signed_unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }

    /// Two independent standard normals (Marsaglia's polar method: Box–Muller without the
    /// sine and cosine, rejecting the ~21% of points outside the unit disc).
    fn next_normal_pair(&mut self) -> [f64; 2] {
        loop {
            let (u, v) = (self.next_signed_unit(), self.next_signed_unit());
            let squared = u * u + v * v;
            if squared > 0.0 && squared < 1.0 {
                let factor = (-2.0 * squared.ln() / squared).sqrt();
                return [u * factor, v * factor];
            }
        }
    }
}

pub(super) fn add_gaussian(image: RgbImage, sigma: f64, seed: u64) -> RgbImage {
    let mut generator = SplitMix64(seed);
    let mut image = image;
    for pair in image.chunks_mut(2) {
        let noise = generator.next_normal_pair().map(|z| z * sigma);
        for (value, noise) in pair.iter_mut().zip(noise) {
            *value = (f64::from(*value) + noise).round().clamp(0.0, 255.0) as u8;
        }
    }
    image
}
