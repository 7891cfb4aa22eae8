//! `cv2.resize` on 8-bit RGB: which OpenCV path a call takes, and `INTER_NEAREST`.
//!
//! OpenCV picks its path from the scale factors src/dst (as doubles): `INTER_LINEAR` at exactly
//! 2× down on both axes runs the integer-scale area path; `INTER_AREA` when shrinking on both
//! axes runs the true area average (integer scales take a fast path), otherwise it is a bilinear
//! variant with area-style coefficients.

use super::{CN, Plane, opencv_area, opencv_separable};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Nearest,
    Linear,
    Cubic,
    Area,
}

/// One axis' scale as OpenCV derives it: `inv` = dst/src, `scale` = 1/inv.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scale {
    pub scale: f64,
    pub inv: f64,
    /// `scale` rounded to an integer, as `saturate_cast<int>`.
    pub integer: i64,
}

impl Scale {
    fn new(src: usize, dst: usize) -> Scale {
        let inv = dst as f64 / src as f64;
        let scale = 1.0 / inv;
        Scale {
            scale,
            inv,
            integer: scale.round_ties_even() as i64,
        }
    }

    fn is_integer(self) -> bool {
        (self.scale - self.integer as f64).abs() < f64::EPSILON
    }
}

pub(crate) fn resize(src: &Plane, width: usize, height: usize, method: Method) -> Vec<u8> {
    let sx = Scale::new(src.width, width);
    let sy = Scale::new(src.height, height);
    let area_fast = sx.is_integer() && sy.is_integer();
    let method = if method == Method::Linear && area_fast && sx.integer == 2 && sy.integer == 2 {
        Method::Area
    } else {
        method
    };
    match method {
        Method::Nearest => nearest(src, width, height, sx, sy),
        Method::Area if sx.scale >= 1.0 && sy.scale >= 1.0 => {
            if area_fast {
                opencv_area::fast(src, width, height, sx.integer as usize, sy.integer as usize)
            } else {
                opencv_area::general(src, width, height, sx, sy)
            }
        }
        Method::Area => opencv_separable::resize(src, width, height, sx, sy, method),
        Method::Linear | Method::Cubic => {
            opencv_separable::resize(src, width, height, sx, sy, method)
        }
    }
}

/// `INTER_NEAREST`: source index floor(d × scale), clamped to the last pixel.
fn nearest(src: &Plane, width: usize, height: usize, sx: Scale, sy: Scale) -> Vec<u8> {
    let index = |d: usize, scale: Scale, len: usize| -> usize {
        let s = (d as f64 * scale.scale).floor();
        (s.max(0.0) as usize).min(len - 1)
    };
    let columns: Vec<usize> = (0..width).map(|x| index(x, sx, src.width)).collect();
    let mut out = Vec::with_capacity(width * height * CN);
    for y in 0..height {
        let row = src.row(index(y, sy, src.height));
        for &column in &columns {
            out.extend_from_slice(&row[column * CN..column * CN + CN]);
        }
    }
    out
}
