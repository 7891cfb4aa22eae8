//! Gaussian blur as Pillow computes it (`ImageFilter.GaussianBlur`, `src/libImaging/BoxBlur.c`):
//! an *extended box blur*, three passes of a box with a fractional radius derived from σ
//! (Gwosdek et al. 2011), horizontal passes first, then vertical ones, edges extended, 24-bit
//! fixed-point weights and rounding to 8 bits after every pass. O(1) per pixel whatever σ is,
//! and bit-compatible with Pillow.

use crate::image_io::RgbImage;

const PASSES: usize = 3;

/// Pillow's `_gaussian_blur_radius`: the fractional box radius whose `passes`-fold repetition
/// has variance σ².
fn box_radius(sigma: f32, passes: usize) -> f32 {
    let sigma2 = sigma * sigma / passes as f32;
    let box_length = (12.0 * f64::from(sigma2) + 1.0).sqrt() as f32;
    let whole = ((box_length - 1.0) / 2.0).floor();
    let mut fraction = (2.0 * whole + 1.0) * (whole * (whole + 1.0) - 3.0 * sigma2);
    fraction /= 6.0 * (sigma2 - (whole + 1.0) * (whole + 1.0));
    whole + fraction
}

/// Box weights: `inner` for the 2r+1 pixels of the integer radius r, `far` for the two pixels
/// at ±(r+1), in units of 2⁻²⁴.
struct BoxWeights {
    radius: usize,
    inner: u32,
    far: u32,
}

impl BoxWeights {
    fn new(float_radius: f32) -> BoxWeights {
        let radius = float_radius as usize;
        let inner = ((1u32 << 24) as f32 / (float_radius * 2.0 + 1.0)) as u32;
        let far = ((1u32 << 24) - (radius as u32 * 2 + 1) * inner) / 2;
        BoxWeights { radius, inner, far }
    }

    #[inline(always)]
    fn round(&self, sum: u32, edges: u32) -> u8 {
        let bulk = sum
            .wrapping_mul(self.inner)
            .wrapping_add(edges.wrapping_mul(self.far));
        (bulk.wrapping_add(1 << 23) >> 24) as u8
    }
}

pub(super) fn gaussian(image: &RgbImage, sigma: f64) -> RgbImage {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { gaussian_avx2(image, sigma) };
    }
    blur(image, sigma)
}

/// [`blur`] compiled for AVX2 (8-lane 32-bit multiplies). All integer arithmetic: the same
/// bytes as the baseline build on any CPU, only faster.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn gaussian_avx2(image: &RgbImage, sigma: f64) -> RgbImage {
    blur(image, sigma)
}

#[inline(always)]
fn blur(image: &RgbImage, sigma: f64) -> RgbImage {
    let (width, height) = (image.width() as usize, image.height() as usize);
    let weights = BoxWeights::new(box_radius(sigma as f32, PASSES));
    // Horizontal passes first, as Pillow: vertical passes over the transposed image, so every
    // pass runs the same row-by-row loop over contiguous memory (which the compiler vectorises).
    let transposed = transpose(image.as_raw(), width, height);
    let blurred = vertical_passes(transposed, height, width, &weights);
    let restored = transpose(&blurred, height, width);
    let pixels = vertical_passes(restored, width, height, &weights);
    RgbImage::from_raw(image.width(), image.height(), pixels).unwrap_or_else(|| image.clone())
}

/// The RGB image `width`×`height` turned into `height`×`width`.
#[inline(always)]
fn transpose(pixels: &[u8], width: usize, height: usize) -> Vec<u8> {
    let mut out = vec![0u8; pixels.len()];
    for y in 0..height {
        for x in 0..width {
            let from = (y * width + x) * 3;
            let to = (x * height + y) * 3;
            out[to..to + 3].copy_from_slice(&pixels[from..from + 3]);
        }
    }
    out
}

#[inline(always)]
fn vertical_passes(pixels: Vec<u8>, width: usize, height: usize, weights: &BoxWeights) -> Vec<u8> {
    let mut pixels = pixels;
    let mut scratch = vec![0u8; pixels.len()];
    for _ in 0..PASSES {
        blur_columns(&pixels, &mut scratch, width * 3, height, weights);
        std::mem::swap(&mut pixels, &mut scratch);
    }
    pixels
}

/// One vertical pass over the whole image, row by row, with one running sum per column
/// (Pillow's `ImagingLineBoxBlur` along each column, edges extended).
#[inline(always)]
fn blur_columns(
    input: &[u8],
    output: &mut [u8],
    row_len: usize,
    height: usize,
    weights: &BoxWeights,
) {
    let last = height as isize - 1;
    let r = weights.radius as isize;
    let row = |y: isize| -> &[u8] {
        let y = y.clamp(0, last) as usize;
        &input[y * row_len..(y + 1) * row_len]
    };
    // The window sums for y = −1: rows −1−r ..= −1+r.
    let mut sums = vec![0u32; row_len];
    for y in -1 - r..r {
        for (sum, &value) in sums.iter_mut().zip(row(y)) {
            *sum += u32::from(value);
        }
    }
    for (y, out_row) in output.chunks_exact_mut(row_len).enumerate() {
        let y = y as isize;
        // Row y+r enters the window, row y−r−1 leaves it and is the far row before it.
        let (entering, leaving, far_after) = (row(y + r), row(y - r - 1), row(y + r + 1));
        let columns = out_row
            .iter_mut()
            .zip(sums.iter_mut())
            .zip(entering.iter().zip(leaving).zip(far_after));
        for ((out, sum), ((&entering, &leaving), &far_after)) in columns {
            *sum = *sum + u32::from(entering) - u32::from(leaving);
            *out = weights.round(*sum, u32::from(leaving) + u32::from(far_after));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radius_matches_pillow_for_known_sigmas() {
        // Pillow's formula worked by hand: σ = 1 → 0 + 1/4, σ = 2 → 1 + 3/8, σ = 3 → 2 + 5/12.
        for (sigma, expected) in [(1.0f32, 0.25f32), (2.0, 1.375), (3.0, 2.416_667)] {
            let radius = box_radius(sigma, 3);
            assert!((radius - expected).abs() < 1e-5, "σ {sigma}: {radius}");
        }
    }

    #[test]
    fn every_build_gives_the_same_bytes() {
        // `gaussian` takes the AVX2 build where the CPU has it; `blur` here is the baseline one.
        let image = RgbImage::from_fn(67, 41, |x, y| {
            image::Rgb([((x * 31) ^ (y * 7)) as u8, (x * y) as u8, (y * 5) as u8])
        });
        for sigma in [0.5, 2.0, 7.5] {
            assert_eq!(gaussian(&image, sigma), blur(&image, sigma), "σ {sigma}");
        }
    }

    #[test]
    fn flat_images_stay_flat_and_impulses_spread_symmetrically() {
        let flat = RgbImage::from_raw(9, 7, vec![77; 9 * 7 * 3]).expect("size");
        assert_eq!(gaussian(&flat, 2.0), flat);
        // Radii far beyond the image extend its edges: a single pixel stays itself.
        let dot = RgbImage::from_raw(1, 1, vec![9, 200, 31]).expect("size");
        assert_eq!(gaussian(&dot, 40.0), dot);
        let mut impulse = RgbImage::new(21, 21);
        impulse.put_pixel(10, 10, image::Rgb([255, 255, 255]));
        let blurred = gaussian(&impulse, 1.5);
        let centre = blurred.get_pixel(10, 10)[0];
        assert!(centre > 0 && centre < 255);
        for (dx, dy) in [(1, 0), (0, 1), (2, 1)] {
            assert_eq!(
                blurred.get_pixel(10 + dx, 10 + dy),
                blurred.get_pixel(10 - dx, 10 - dy)
            );
            assert_eq!(
                blurred.get_pixel(10 + dx, 10 + dy),
                blurred.get_pixel(10 + dy, 10 + dx)
            );
        }
    }
}
