//! Additive Gaussian noise from a seeded generator (SplitMix64 + Marsaglia's polar method),
//! written here so the bytes never change with a dependency's version.

use crate::image_io::RgbImage;

use crate::rng::SplitMix64;

impl SplitMix64 {
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
