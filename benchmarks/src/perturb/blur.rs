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

    fn round(&self, sum: u32, edges: u32) -> u8 {
        let bulk = sum
            .wrapping_mul(self.inner)
            .wrapping_add(edges.wrapping_mul(self.far));
        (bulk.wrapping_add(1 << 23) >> 24) as u8
    }
}

pub(super) fn gaussian(image: &RgbImage, sigma: f64) -> RgbImage {
    let (width, height) = image.dimensions();
    let weights = BoxWeights::new(box_radius(sigma as f32, PASSES));
    let mut pixels = image.as_raw().clone();
    let mut scratch = vec![0u8; pixels.len()];
    let row_len = width as usize * 3;
    for _ in 0..PASSES {
        for (row_in, row_out) in pixels
            .chunks_exact(row_len)
            .zip(scratch.chunks_exact_mut(row_len))
        {
            blur_row(row_in, row_out, &weights);
        }
        std::mem::swap(&mut pixels, &mut scratch);
    }
    for _ in 0..PASSES {
        blur_columns(&pixels, &mut scratch, row_len, height as usize, &weights);
        std::mem::swap(&mut pixels, &mut scratch);
    }
    RgbImage::from_raw(width, height, pixels).unwrap_or_else(|| image.clone())
}

/// One horizontal pass over one row of interleaved RGB.
fn blur_row(input: &[u8], output: &mut [u8], weights: &BoxWeights) {
    let last = input.len() / 3 - 1;
    let radius = weights.radius;
    let at = |x: isize, channel: usize| -> u32 {
        u32::from(input[x.clamp(0, last as isize) as usize * 3 + channel])
    };
    for channel in 0..3 {
        // The window sum for x = −1: pixels −1−r ..= −1+r, edges extended.
        let mut sum: u32 = (-1 - radius as isize..radius as isize)
            .map(|x| at(x, channel))
            .sum();
        for x in 0..=last as isize {
            let r = radius as isize;
            sum = sum + at(x + r, channel) - at(x - r - 1, channel);
            let edges = at(x - r - 1, channel) + at(x + r + 1, channel);
            output[x as usize * 3 + channel] = weights.round(sum, edges);
        }
    }
}

/// One vertical pass over the whole image, row by row, with one running sum per column.
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
    let mut sums = vec![0u32; row_len];
    for y in -1 - r..r {
        for (sum, &value) in sums.iter_mut().zip(row(y)) {
            *sum += u32::from(value);
        }
    }
    for (y, out_row) in output.chunks_exact_mut(row_len).enumerate() {
        let y = y as isize;
        let (added, removed) = (row(y + r), row(y - r - 1));
        let (far_before, far_after) = (removed, row(y + r + 1));
        for column in 0..row_len {
            let sum = sums[column] + u32::from(added[column]) - u32::from(removed[column]);
            sums[column] = sum;
            let edges = u32::from(far_before[column]) + u32::from(far_after[column]);
            out_row[column] = weights.round(sum, edges);
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
    fn flat_images_stay_flat_and_impulses_spread_symmetrically() {
        let flat = RgbImage::from_raw(9, 7, vec![77; 9 * 7 * 3]).expect("size");
        assert_eq!(gaussian(&flat, 2.0), flat);
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
