//! OpenCV's `INTER_AREA` when shrinking on both axes.
//!
//! - Integer scales (`fast`): the mean of each `sx × sy` block. At 2×2 OpenCV rounds
//!   `(sum + 2) >> 2` (half up); other block sizes multiply the integer sum by the f32 `1/area`
//!   and round half to even.
//! - Fractional scales (`general`): each destination cell is the coverage-weighted mean of the
//!   source pixels it overlaps. Weights per axis are f32 (coverage / cell width, from doubles);
//!   a row is accumulated horizontally into an f32 buffer in table order, rows are added
//!   `sum = β₀·buf₀ + β₁·buf₁ + …`, and the result is rounded half to even.

use super::opencv::Scale;
use super::{CN, Plane};

pub(crate) fn fast(src: &Plane, width: usize, height: usize, bx: usize, by: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(width * height * CN);
    let area = (bx * by) as i32;
    let inverse = 1.0f32 / area as f32;
    for dy in 0..height {
        for dx in 0..width {
            for c in 0..CN {
                let mut sum = 0i32;
                for y in dy * by..dy * by + by {
                    let row = src.row(y);
                    for x in dx * bx..dx * bx + bx {
                        sum += i32::from(row[x * CN + c]);
                    }
                }
                let value = if bx == 2 && by == 2 {
                    (sum + 2) >> 2
                } else {
                    (sum as f32 * inverse).round_ties_even() as i32
                };
                out.push(value.clamp(0, 255) as u8);
            }
        }
    }
    out
}

/// One weight: destination index, source index, coverage weight.
struct Weight {
    dst: usize,
    src: usize,
    alpha: f32,
}

fn weights(src_len: usize, dst_len: usize, scale: f64) -> Vec<Weight> {
    let mut table = Vec::with_capacity(src_len * 2);
    for dst in 0..dst_len {
        let f1 = dst as f64 * scale;
        let f2 = f1 + scale;
        let cell = scale.min(src_len as f64 - f1);
        let s2 = (f2.floor() as usize).min(src_len - 1);
        let s1 = (f1.ceil() as usize).min(s2);
        if s1 as f64 - f1 > 1e-3 {
            table.push(Weight {
                dst,
                src: s1 - 1,
                alpha: ((s1 as f64 - f1) / cell) as f32,
            });
        }
        for src in s1..s2 {
            table.push(Weight {
                dst,
                src,
                alpha: (1.0 / cell) as f32,
            });
        }
        if f2 - s2 as f64 > 1e-3 {
            table.push(Weight {
                dst,
                src: s2,
                alpha: ((f2 - s2 as f64).min(1.0).min(cell) / cell) as f32,
            });
        }
    }
    table
}

pub(crate) fn general(src: &Plane, width: usize, height: usize, sx: Scale, sy: Scale) -> Vec<u8> {
    let xtab = weights(src.width, width, sx.scale);
    let ytab = weights(src.height, height, sy.scale);
    let row_len = width * CN;
    let mut buf = vec![0f32; row_len];
    let mut sum = vec![0f32; row_len];
    let mut out = vec![0u8; row_len * height];
    let mut current: Option<usize> = None;
    let flush = |sum: &[f32], out: &mut [u8], dy: usize| {
        for (value, &s) in out[dy * row_len..(dy + 1) * row_len].iter_mut().zip(sum) {
            *value = s.round_ties_even().clamp(0.0, 255.0) as u8;
        }
    };
    for entry in &ytab {
        let row = src.row(entry.src);
        buf.fill(0.0);
        for w in &xtab {
            for c in 0..CN {
                buf[w.dst * CN + c] += f32::from(row[w.src * CN + c]) * w.alpha;
            }
        }
        let beta = entry.alpha;
        if current == Some(entry.dst) {
            for (s, &b) in sum.iter_mut().zip(&buf) {
                *s += beta * b;
            }
        } else {
            if let Some(previous) = current {
                flush(&sum, &mut out, previous);
            }
            for (s, &b) in sum.iter_mut().zip(&buf) {
                *s = beta * b;
            }
            current = Some(entry.dst);
        }
    }
    if let Some(previous) = current {
        flush(&sum, &mut out, previous);
    }
    out
}
