//! Pillow's `Image.resize` on RGB images.
//!
//! `BILINEAR` / `BICUBIC` (Pillow's resampling, `Resample.c` semantics): a convolution whose
//! support grows with the shrink factor (antialiasing). Per output index the source window is
//! `[center − support + ½, center + support + ½)` truncated and clipped to the image, weights
//! `filter((x − center + ½) / filterscale)` normalised to sum 1 (doubles), then rounded to 22-bit
//! fixed point (half away from zero). Horizontal pass first, then vertical — unless the height
//! shrinks by more than twice as many pixels as the width, where Pillow 13 runs the vertical pass
//! first ([`vertical_first`]); each pass starts from ½ (2²¹), shifts right by 22 and clips to
//! 0..=255.
//!
//! `NEAREST`: source index truncated from a position that starts at ½·scale and is advanced by
//! adding `scale` (src/dst as a double) once per output pixel, as Pillow accumulates it.

use super::{CN, Plane};
use std::borrow::Cow;

const PRECISION_BITS: u32 = 32 - 8 - 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Filter {
    Bilinear,
    Bicubic,
}

impl Filter {
    fn support(self) -> f64 {
        match self {
            Filter::Bilinear => 1.0,
            Filter::Bicubic => 2.0,
        }
    }

    fn weight(self, x: f64) -> f64 {
        let x = x.abs();
        match self {
            Filter::Bilinear => {
                if x < 1.0 {
                    1.0 - x
                } else {
                    0.0
                }
            }
            Filter::Bicubic => {
                const A: f64 = -0.5;
                if x < 1.0 {
                    ((A + 2.0) * x - (A + 3.0)) * x * x + 1.0
                } else if x < 2.0 {
                    (((x - 5.0) * x + 8.0) * x - 4.0) * A
                } else {
                    0.0
                }
            }
        }
    }
}

/// Windows of one axis: output `d` reads `len[d]` source pixels from `first[d]` with weights
/// `coef[d * ksize ..]`.
struct Windows {
    ksize: usize,
    first: Vec<usize>,
    len: Vec<usize>,
    coef: Vec<i32>,
}

fn windows(in_size: usize, out_size: usize, filter: Filter) -> Windows {
    let scale = in_size as f64 / out_size as f64;
    let filterscale = scale.max(1.0);
    let support = filter.support() * filterscale;
    let ksize = support.ceil() as usize * 2 + 1;
    let mut first = Vec::with_capacity(out_size);
    let mut len = Vec::with_capacity(out_size);
    let mut coef = vec![0i32; out_size * ksize];
    let mut weights = vec![0f64; ksize];
    for d in 0..out_size {
        let center = (d as f64 + 0.5) * scale;
        let ss = 1.0 / filterscale;
        // C's (int) truncates toward zero; negative starts clip to 0 either way.
        let xmin = ((center - support + 0.5) as i64).max(0) as usize;
        let xmax = ((center + support + 0.5) as i64).clamp(0, in_size as i64) as usize;
        let count = xmax.saturating_sub(xmin).min(ksize);
        let mut total = 0.0;
        for (x, w) in weights.iter_mut().enumerate().take(count) {
            *w = filter.weight((x as f64 + xmin as f64 - center + 0.5) * ss);
            total += *w;
        }
        let row = &mut coef[d * ksize..d * ksize + count];
        for (c, &w) in row.iter_mut().zip(&weights) {
            let w = if total != 0.0 { w / total } else { w };
            let scaled = w * f64::from(1u32 << PRECISION_BITS);
            *c = if w < 0.0 {
                (scaled - 0.5).trunc() as i32
            } else {
                (scaled + 0.5).trunc() as i32
            };
        }
        first.push(xmin);
        len.push(count);
    }
    Windows {
        ksize,
        first,
        len,
        coef,
    }
}

fn clip8(sum: i32) -> u8 {
    if sum >= 1 << PRECISION_BITS << 8 {
        255
    } else if sum <= 0 {
        0
    } else {
        (sum >> PRECISION_BITS) as u8
    }
}

const HALF: i32 = 1 << (PRECISION_BITS - 1);

/// Whether Pillow runs the vertical pass first: since Pillow 13.0 (`ImagingResampleInner`, PR
/// #9549) when the height shrinks, by more than twice as many pixels as the width does. Pillow
/// 12 and older always run the horizontal pass first; the two orders round the intermediate
/// image differently (at most one level apart).
pub(crate) fn vertical_first(src: (usize, usize), dst: (usize, usize)) -> bool {
    let shrink = |from: usize, to: usize| from as i64 - to as i64;
    let (height_shrink, width_shrink) = (shrink(src.1, dst.1), shrink(src.0, dst.0));
    height_shrink > 0 && height_shrink > width_shrink * 2
}

/// One horizontal pass: `height` rows of `in_width` pixels to `out_width`. The three channels
/// of a pixel are summed together, tap by tap (the same integer sums as channel by channel).
fn horizontal_pass(
    data: &[u8],
    in_width: usize,
    height: usize,
    out_width: usize,
    filter: Filter,
) -> Vec<u8> {
    let xw = windows(in_width, out_width, filter);
    let mut out = vec![0u8; out_width * height * CN];
    let in_row = in_width * CN;
    for (row, out_row) in data
        .chunks_exact(in_row)
        .zip(out.chunks_exact_mut(out_width * CN))
    {
        for (d, pixel) in out_row.chunks_exact_mut(CN).enumerate() {
            let taps = &xw.coef[d * xw.ksize..d * xw.ksize + xw.len[d]];
            let window = &row[xw.first[d] * CN..(xw.first[d] + taps.len()) * CN];
            let mut sum = [HALF; CN];
            for (source, &w) in window.chunks_exact(CN).zip(taps) {
                for c in 0..CN {
                    sum[c] = sum[c].wrapping_add(i32::from(source[c]) * w);
                }
            }
            for c in 0..CN {
                pixel[c] = clip8(sum[c]);
            }
        }
    }
    out
}

/// One vertical pass: `width` columns of `in_height` pixels to `out_height`. Each output row
/// accumulates whole source rows, tap by tap (the same integer sums as column by column).
fn vertical_pass(
    data: &[u8],
    width: usize,
    in_height: usize,
    out_height: usize,
    filter: Filter,
) -> Vec<u8> {
    let row_len = width * CN;
    let yw = windows(in_height, out_height, filter);
    let mut out = vec![0u8; row_len * out_height];
    let mut sums = vec![HALF; row_len];
    for (d, dst) in out.chunks_exact_mut(row_len).enumerate() {
        let taps = &yw.coef[d * yw.ksize..d * yw.ksize + yw.len[d]];
        sums.fill(HALF);
        for (k, &w) in taps.iter().enumerate() {
            let y = yw.first[d] + k;
            let source = &data[y * row_len..(y + 1) * row_len];
            for (sum, &value) in sums.iter_mut().zip(source) {
                *sum = sum.wrapping_add(i32::from(value) * w);
            }
        }
        for (value, &sum) in dst.iter_mut().zip(&sums) {
            *value = clip8(sum);
        }
    }
    out
}

pub(crate) fn resample(src: &Plane, width: usize, height: usize, filter: Filter) -> Vec<u8> {
    // Pillow skips a pass whose axis keeps its size.
    let (keep_width, keep_height) = (width == src.width, height == src.height);
    let horizontal = |data: &[u8], rows| horizontal_pass(data, src.width, rows, width, filter);
    let vertical = |data: &[u8], columns| vertical_pass(data, columns, src.height, height, filter);
    let source = Cow::Borrowed(src.data);
    let resized = if vertical_first((src.width, src.height), (width, height)) {
        let data = pass(source, keep_height, |data| vertical(data, src.width));
        pass(data, keep_width, |data| horizontal(data, height))
    } else {
        let data = pass(source, keep_width, |data| horizontal(data, src.height));
        pass(data, keep_height, |data| vertical(data, width))
    };
    resized.into_owned()
}

/// `data` through `run`, or as it is when the pass is skipped.
fn pass<'a>(data: Cow<'a, [u8]>, skip: bool, run: impl FnOnce(&[u8]) -> Vec<u8>) -> Cow<'a, [u8]> {
    if skip { data } else { Cow::Owned(run(&data)) }
}

pub(crate) fn nearest(src: &Plane, width: usize, height: usize) -> Vec<u8> {
    let positions = |in_size: usize, out_size: usize| -> Vec<usize> {
        let step = in_size as f64 / out_size as f64;
        let mut position = step * 0.5;
        let mut indices = Vec::with_capacity(out_size);
        for _ in 0..out_size {
            indices.push((position.max(0.0) as usize).min(in_size - 1));
            position += step;
        }
        indices
    };
    let columns = positions(src.width, width);
    let mut out = Vec::with_capacity(width * height * CN);
    for y in positions(src.height, height) {
        let row = src.row(y);
        for &column in &columns {
            out.extend_from_slice(&row[column * CN..column * CN + CN]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vertical_pass_goes_first_only_when_the_height_shrinks_twice_as_much() {
        // Pillow 13: (h − H) > 0 and (h − H) > 2 (w − W), in pixels.
        assert!(vertical_first((240, 360), (256, 256)));
        assert!(vertical_first((120, 120), (110, 90)));
        assert!(!vertical_first((120, 120), (110, 100)));
        assert!(!vertical_first((301, 181), (256, 256)));
        assert!(!vertical_first((400, 300), (256, 256)));
        assert!(!vertical_first((120, 120), (60, 30)));
        assert!(vertical_first((120, 120), (90, 30)));
    }
}
