//! OpenCV's separable 8-bit resize (`INTER_LINEAR`, `INTER_CUBIC`, and `INTER_AREA` when it is
//! not a pure shrink): per-axis tap tables with coefficients rounded to 11 bits
//! (`INTER_RESIZE_COEF_SCALE` = 2048), an exact integer horizontal pass per source row, then a
//! vertical combination of the needed rows.
//!
//! The vertical step is where OpenCV's output depends on how it is computed, and both variants
//! are reproduced (measured against `cv2.resize`, see `tests/resize_reference.rs`):
//! - linear: every value as its vectorised loop does it (the last block overlaps the previous one,
//!   so no scalar tail): `((S0>>4)·b0 >> 16) + ((S1>>4)·b1 >> 16)` on 16-bit lanes, then
//!   `(v + 2) >> 2`;
//! - cubic: blocks of 8 values in f32, `S0·c0 + (S1·c1 + (S2·c2 + S3·c3))` with
//!   `ck = bk / 2048²`, rounded half to even; the remaining `len % 8` values with the scalar
//!   fixed-point `(Σ Sk·bk + 2²¹) >> 22`.

use super::opencv::{Method, Scale};
use super::{CN, Plane};

const COEF_SCALE: f32 = 2048.0;

/// Taps of one axis: for destination index `d`, source indices `start[d] + k` (clamped into
/// the image) with fixed-point weights `coef[d * ksize + k]`.
struct Taps {
    ksize: usize,
    start: Vec<isize>,
    coef: Vec<i16>,
}

/// Cubic convolution weights with A = −0.75 at fractional offset `x` (OpenCV's formula, f32).
fn cubic_weights(x: f32) -> [f32; 4] {
    const A: f32 = -0.75;
    let c0 = ((A * (x + 1.0) - 5.0 * A) * (x + 1.0) + 8.0 * A) * (x + 1.0) - 4.0 * A;
    let c1 = ((A + 2.0) * x - (A + 3.0)) * x * x + 1.0;
    let c2 = ((A + 2.0) * (1.0 - x) - (A + 3.0)) * (1.0 - x) * (1.0 - x) + 1.0;
    [c0, c1, c2, 1.0 - c0 - c1 - c2]
}

fn fixed(weight: f32) -> i16 {
    (weight * COEF_SCALE)
        .round_ties_even()
        .clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16
}

/// `clamp_edges`: OpenCV pins the horizontal linear taps to the border (weight 1 on the edge
/// pixel); vertical tables keep the raw fraction and only clamp the row index.
fn taps(src_len: usize, dst_len: usize, scale: Scale, method: Method, clamp_edges: bool) -> Taps {
    let ksize = if method == Method::Cubic { 4 } else { 2 };
    let mut start = Vec::with_capacity(dst_len);
    let mut coef = Vec::with_capacity(dst_len * ksize);
    let last = src_len as isize - 1;
    for d in 0..dst_len {
        let (mut s, mut f) = if method == Method::Area {
            let s = (d as f64 * scale.scale).floor();
            let f = ((d + 1) as f64 - (s + 1.0) * scale.inv) as f32;
            (s as isize, if f <= 0.0 { 0.0 } else { f - f.floor() })
        } else {
            let position = ((d as f64 + 0.5) * scale.scale - 0.5) as f32;
            let s = position.floor();
            (s as isize, position - s)
        };
        if clamp_edges && method != Method::Cubic {
            if s < 0 {
                (s, f) = (0, 0.0);
            }
            if s >= last {
                (s, f) = (last, 0.0);
            }
        }
        start.push(s - (ksize as isize / 2) + 1);
        if method == Method::Cubic {
            coef.extend(cubic_weights(f).map(fixed));
        } else {
            coef.extend([fixed(1.0 - f), fixed(f)]);
        }
    }
    Taps { ksize, start, coef }
}

/// Horizontal pass of one source row: `width × 3` sums at scale 2048.
fn horizontal(row: &[u8], src_width: usize, taps: &Taps, out: &mut [i32]) {
    let last = src_width as isize - 1;
    for (d, &start) in taps.start.iter().enumerate() {
        let weights = &taps.coef[d * taps.ksize..(d + 1) * taps.ksize];
        for c in 0..CN {
            let mut sum = 0i32;
            for (k, &w) in weights.iter().enumerate() {
                let sx = (start + k as isize).clamp(0, last) as usize;
                sum = sum.wrapping_add(i32::from(row[sx * CN + c]) * i32::from(w));
            }
            out[d * CN + c] = sum;
        }
    }
}

fn scalar_cast(sum: i32) -> u8 {
    (sum.wrapping_add(1 << 21) >> 22).clamp(0, 255) as u8
}

fn vertical_linear(rows: [&[i32]; 2], beta: &[i16], out: &mut [u8]) {
    let (b0, b1) = (i32::from(beta[0]), i32::from(beta[1]));
    for (x, value) in out.iter_mut().enumerate() {
        let lane = |s: i32, b: i32| ((s >> 4).clamp(-32768, 32767) * b) >> 16;
        let sum = (lane(rows[0][x], b0) + lane(rows[1][x], b1)).clamp(-32768, 32767);
        *value = ((sum + 2) >> 2).clamp(0, 255) as u8;
    }
}

fn vertical_cubic(rows: [&[i32]; 4], beta: &[i16], out: &mut [u8]) {
    let scale = 1.0f32 / (COEF_SCALE * COEF_SCALE);
    let bf: [f32; 4] = std::array::from_fn(|k| f32::from(beta[k]) * scale);
    let bi: [i32; 4] = std::array::from_fn(|k| i32::from(beta[k]));
    let vector_end = (out.len() / 8) * 8;
    for (x, value) in out.iter_mut().enumerate() {
        let s: [i32; 4] = std::array::from_fn(|k| rows[k][x]);
        *value = if x < vector_end {
            let f: [f32; 4] = std::array::from_fn(|k| s[k] as f32 * bf[k]);
            let sum = f[0] + (f[1] + (f[2] + f[3]));
            sum.round_ties_even().clamp(0.0, 255.0) as u8
        } else {
            let mut acc = 0i32;
            for k in 0..4 {
                acc = acc.wrapping_add(s[k].wrapping_mul(bi[k]));
            }
            scalar_cast(acc)
        };
    }
}

pub(crate) fn resize(
    src: &Plane,
    width: usize,
    height: usize,
    sx: Scale,
    sy: Scale,
    method: Method,
) -> Vec<u8> {
    let xt = taps(src.width, width, sx, method, true);
    let yt = taps(src.height, height, sy, method, false);
    let ksize = yt.ksize;
    let row_len = width * CN;
    // One horizontal row per tap, cached by source row so each is computed once per use run.
    let mut buffers = vec![0i32; row_len * ksize];
    let mut cached: Vec<Option<usize>> = vec![None; ksize];
    let mut out = vec![0u8; row_len * height];
    let last = src.height as isize - 1;
    for (dy, &start) in yt.start.iter().enumerate() {
        for k in 0..ksize {
            let sy = (start + k as isize).clamp(0, last) as usize;
            let slot = &mut buffers[k * row_len..(k + 1) * row_len];
            if cached[k] != Some(sy) {
                horizontal(src.row(sy), src.width, &xt, slot);
                cached[k] = Some(sy);
            }
        }
        let rows: Vec<&[i32]> = buffers.chunks_exact(row_len).collect();
        let beta = &yt.coef[dy * ksize..(dy + 1) * ksize];
        let dst = &mut out[dy * row_len..(dy + 1) * row_len];
        if method == Method::Cubic {
            vertical_cubic([rows[0], rows[1], rows[2], rows[3]], beta, dst);
        } else {
            vertical_linear([rows[0], rows[1]], beta, dst);
        }
    }
    out
}
