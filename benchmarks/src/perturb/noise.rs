//! Additive Gaussian noise from a seeded generator (SplitMix64 + Box–Muller), written here so
//! the bytes never change with a dependency's version.

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

    /// Uniform in (0, 1]: never 0, so its logarithm is finite.
    fn next_unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }
}

pub(super) fn add_gaussian(image: RgbImage, sigma: f64, seed: u64) -> RgbImage {
    let mut generator = SplitMix64(seed);
    let mut image = image;
    for pair in image.chunks_mut(2) {
        // Box–Muller: two independent standard normals per pair of uniforms.
        let radius = (-2.0 * generator.next_unit().ln()).sqrt() * sigma;
        let angle = std::f64::consts::TAU * generator.next_unit();
        let noise = [radius * angle.cos(), radius * angle.sin()];
        for (value, noise) in pair.iter_mut().zip(noise) {
            *value = (f64::from(*value) + noise).round().clamp(0.0, 255.0) as u8;
        }
    }
    image
}
