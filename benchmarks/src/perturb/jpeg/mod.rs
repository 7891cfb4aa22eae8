//! JPEG re-encoding as Pillow does it by default (`save(format="JPEG", quality=Q)` then
//! decoding back to RGB; Pillow ships libjpeg-turbo): IJG quality scaling of the Annex K tables
//! (baseline, steps ≤ 255), 4:2:0 chroma, the integer "islow" DCT both ways and fancy chroma
//! upsampling.
//!
//! Only the lossy steps run: the entropy coding between encoder and decoder is lossless, so
//! writing and parsing the bitstream cannot change a pixel and is skipped. Every step uses
//! libjpeg's own integer arithmetic, so the result is the same on every CPU and equals
//! Pillow's except where libjpeg-turbo's SIMD and C code disagree (IDCT outputs far out of
//! range, which quantisation of a real image does not produce).

mod color;
mod dct;

use crate::image_io::RgbImage;
use dct::Quantizer;

/// libjpeg's `JPEG_MAX_DIMENSION`: larger images cannot be written as JPEG.
const MAX_SIDE: u32 = 65500;

/// Annex K.1 luminance quantisation table, natural order.
const LUMINANCE: [u16; 64] = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
    92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/// Annex K.2 chrominance quantisation table, natural order.
const CHROMINANCE: [u16; 64] = [
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
    47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];

/// One image component, `width`×`height` samples (whole 8×8 blocks), row-major.
pub(super) struct Plane {
    pub width: usize,
    pub height: usize,
    pub data: Vec<u8>,
}

impl Plane {
    fn new(width: usize, height: usize) -> Plane {
        Plane {
            width,
            height,
            data: vec![0; width * height],
        }
    }

    /// Repeats row `used − 1` over the rows below it.
    fn extend_down(&mut self, used: usize) {
        let (last, below) = self.data.split_at_mut(used * self.width);
        let last = &last[(used - 1) * self.width..];
        for row in below.chunks_exact_mut(self.width) {
            row.copy_from_slice(last);
        }
    }

    /// Every block through quantisation and back.
    #[inline(always)]
    fn round_trip(&mut self, quantizer: &Quantizer) {
        for top in (0..self.height).step_by(8) {
            for left in (0..self.width).step_by(dct::BLOCKS * 8) {
                let blocks = ((self.width - left) / 8).min(dct::BLOCKS);
                let origin = top * self.width + left;
                dct::round_trip_blocks(&mut self.data, origin, self.width, blocks, quantizer);
            }
        }
    }
}

/// libjpeg's `jpeg_set_quality(quality, force_baseline = TRUE)` applied to `table`.
fn scaled_table(table: &[u16; 64], quality: u8) -> [u16; 64] {
    let quality = u32::from(quality.clamp(1, 100));
    let scale = if quality < 50 {
        5000 / quality
    } else {
        200 - quality * 2
    };
    table.map(|step| ((u32::from(step) * scale + 50) / 100).clamp(1, 255) as u16)
}

pub(super) fn reencode(image: &RgbImage, quality: u8) -> Result<RgbImage, String> {
    let (width, height) = image.dimensions();
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(format!(
            "a JPEG holds 1 to {MAX_SIDE} pixels per side, not {width}x{height}"
        ));
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return Ok(unsafe { round_trip_avx2(image, quality) });
    }
    Ok(round_trip(image, quality))
}

/// [`round_trip`] compiled for AVX2, whose 8-lane 32-bit multiplies the compiler uses for the
/// DCTs and colour conversions. The arithmetic is all integer, so the bytes are the same as
/// the baseline build's on any CPU; only the speed differs.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn round_trip_avx2(image: &RgbImage, quality: u8) -> RgbImage {
    round_trip(image, quality)
}

#[inline(always)]
fn round_trip(image: &RgbImage, quality: u8) -> RgbImage {
    let mut planes = color::to_planes(image);
    let luminance = Quantizer::new(&scaled_table(&LUMINANCE, quality));
    let chrominance = Quantizer::new(&scaled_table(&CHROMINANCE, quality));
    planes.luma.round_trip(&luminance);
    planes.blue.round_trip(&chrominance);
    planes.red.round_trip(&chrominance);
    color::to_rgb(&planes, image.width() as usize, image.height() as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quality_scales_the_tables_as_libjpeg() {
        assert_eq!(scaled_table(&LUMINANCE, 50), LUMINANCE);
        assert_eq!(scaled_table(&LUMINANCE, 100), [1; 64]);
        // q 75 halves (rounding half up), q 10 multiplies by 5 and caps at 255.
        assert_eq!(scaled_table(&LUMINANCE, 75)[..3], [8, 6, 5]);
        assert_eq!(scaled_table(&CHROMINANCE, 10)[..4], [85, 90, 120, 235]);
        assert_eq!(scaled_table(&CHROMINANCE, 10)[63], 255);
    }

    #[test]
    fn every_build_of_the_round_trip_gives_the_same_bytes() {
        // `reencode` takes the AVX2 build where the CPU has it; `round_trip` here is the
        // baseline one. Odd sizes exercise the partial strips and edge padding.
        let image = RgbImage::from_fn(203, 77, |x, y| {
            let v = (x * 7 + y * 13) ^ (x * y);
            image::Rgb([v as u8, (v >> 3) as u8 ^ x as u8, (255 - y * 3) as u8])
        });
        for quality in [5, 50, 75, 100] {
            assert_eq!(
                reencode(&image, quality).expect("jpeg"),
                round_trip(&image, quality),
                "quality {quality}"
            );
        }
    }

    #[test]
    fn sizes_a_jpeg_cannot_hold_are_refused() {
        let error = reencode(&RgbImage::new(0, 4), 75).expect_err("empty");
        assert!(error.contains("0x4"), "{error}");
        let odd = RgbImage::from_fn(3, 1, |x, _| image::Rgb([x as u8 * 90, 40, 200]));
        assert_eq!(reencode(&odd, 95).expect("3x1").dimensions(), (3, 1));
    }
}
