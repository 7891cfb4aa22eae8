//! Face crop geometry for `dfbench prepare`: DeepfakeBench's aligned crop (REFERENCE §1.2,
//! `preprocessing/preprocess.py::img_align_crop`) and the simpler box and whole-frame crops, all
//! as one similarity transform followed by one bilinear warp.
//!
//! - `dfb`: the five landmarks are mapped by the least-squares similarity (Umeyama, as
//!   scikit-image's `SimilarityTransform.estimate`) onto the ArcFace 112×112 template, x shifted
//!   +8, scaled to the output size and shrunk by the margin (1.3), in DeepfakeBench's float32
//!   arithmetic; then `cv2.warpAffine` semantics: bilinear, pixel centres at integer
//!   coordinates, black outside the frame.
//! - `box`: the face box enlarged 1.3× about its centre, squared on its longer side, resized to
//!   the output (not DeepfakeBench's geometry).
//! - whole frame (no face detector): the centred square of the frame's shorter side, resized.
//!
//! Must not touch: files, processes or face detection — pure arithmetic over pixels.

use crate::face::Face;
use image::{Rgb, RgbImage};

/// The ArcFace 5-point template on a 112×112 face (left eye, right eye, nose, mouth corners).
pub const ARCFACE_112: [[f32; 2]; 5] = [
    [30.2946, 51.6963],
    [65.5318, 51.5014],
    [48.0252, 71.7366],
    [33.5493, 92.3655],
    [62.7299, 92.2041],
];

/// DeepfakeBench's margin scale and output size.
pub const DFB_MARGIN: f64 = 1.3;
pub const DFB_SIZE: u32 = 256;

/// x' = a·x − b·y + tx, y' = b·x + a·y + ty: rotation, uniform scale and translation.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Similarity {
    pub a: f64,
    pub b: f64,
    pub tx: f64,
    pub ty: f64,
}

impl Similarity {
    /// The 2×3 matrix `[[a, −b, tx], [b, a, ty]]` (OpenCV's `M`).
    pub fn matrix(&self) -> [[f64; 3]; 2] {
        [[self.a, -self.b, self.tx], [self.b, self.a, self.ty]]
    }

    fn apply(&self, [x, y]: [f64; 2]) -> [f64; 2] {
        [
            self.a * x - self.b * y + self.tx,
            self.b * x + self.a * y + self.ty,
        ]
    }

    /// The inverse transform; `None` for a degenerate (zero-scale) one.
    pub fn inverse(&self) -> Option<Similarity> {
        let det = self.a * self.a + self.b * self.b;
        if !(det.is_finite() && det > f64::EPSILON) {
            return None;
        }
        let (a, b) = (self.a / det, -self.b / det);
        let [tx, ty] = Similarity {
            a,
            b,
            tx: 0.0,
            ty: 0.0,
        }
        .apply([self.tx, self.ty]);
        Some(Similarity {
            a,
            b,
            tx: -tx,
            ty: -ty,
        })
    }
}

/// The least-squares similarity taking `src` onto `dst` (Umeyama 1991 in closed form for 2D,
/// no reflection: what scikit-image's `SimilarityTransform.estimate` returns). `None` when the
/// source points all coincide.
pub fn estimate(src: &[[f32; 2]], dst: &[[f32; 2]]) -> Option<Similarity> {
    let n = src.len().min(dst.len());
    if n == 0 {
        return None;
    }
    let mean = |points: &[[f32; 2]]| {
        let sum = points[..n].iter().fold([0.0f64; 2], |acc, p| {
            [acc[0] + f64::from(p[0]), acc[1] + f64::from(p[1])]
        });
        [sum[0] / n as f64, sum[1] / n as f64]
    };
    let (ms, md) = (mean(src), mean(dst));
    let (mut dot, mut cross, mut norm) = (0.0, 0.0, 0.0);
    for (s, d) in src[..n].iter().zip(&dst[..n]) {
        let (sx, sy) = (f64::from(s[0]) - ms[0], f64::from(s[1]) - ms[1]);
        let (dx, dy) = (f64::from(d[0]) - md[0], f64::from(d[1]) - md[1]);
        dot += sx * dx + sy * dy;
        cross += sx * dy - sy * dx;
        norm += sx * sx + sy * sy;
    }
    if norm <= f64::EPSILON {
        return None;
    }
    let (a, b) = (dot / norm, cross / norm);
    let moved = Similarity {
        a,
        b,
        tx: 0.0,
        ty: 0.0,
    }
    .apply(ms);
    Some(Similarity {
        a,
        b,
        tx: md[0] - moved[0],
        ty: md[1] - moved[1],
    })
}

/// The ArcFace template placed in a `size`×`size` crop with DeepfakeBench's margin arithmetic
/// (`img_align_crop`: +8 on x, scale to the output, add the margin, shrink back), step by step
/// in float32 as its numpy array is.
pub fn dfb_template(size: u32, margin: f64) -> [[f32; 2]; 5] {
    let side = size as f32;
    let margin_px = f64::from(size) * (margin - 1.0) / 2.0;
    let shrink = (f64::from(size) / (f64::from(size) + 2.0 * margin_px)) as f32;
    ARCFACE_112.map(|[x, y]| {
        let x = (x + 8.0) * side / 112.0;
        let y = y * side / 112.0;
        [
            (x + margin_px as f32) * shrink,
            (y + margin_px as f32) * shrink,
        ]
    })
}

/// The transform of DeepfakeBench's aligned crop for `landmarks`; `None` when they coincide.
pub fn dfb_transform(landmarks: &[[f32; 2]; 5], size: u32) -> Option<Similarity> {
    estimate(landmarks, &dfb_template(size, DFB_MARGIN))
}

/// The transform resizing the square of side `side` centred on (cx, cy) to `size`×`size`,
/// pixel-area aligned (`cv2.resize`'s half-pixel centres).
fn square_transform(cx: f64, cy: f64, side: f64, size: u32) -> Option<Similarity> {
    let scale = f64::from(size) / side;
    (scale.is_finite() && scale > 0.0).then(|| Similarity {
        a: scale,
        b: 0.0,
        tx: scale * (0.5 - cx + side / 2.0) - 0.5,
        ty: scale * (0.5 - cy + side / 2.0) - 0.5,
    })
}

/// The `box` crop's transform: the face box enlarged `margin`× about its centre, squared.
pub fn box_transform(face: &Face, size: u32, margin: f64) -> Option<Similarity> {
    let [x1, y1, x2, y2] = face.bbox.map(f64::from);
    let side = (x2 - x1).max(y2 - y1) * margin;
    square_transform((x1 + x2) / 2.0, (y1 + y2) / 2.0, side, size)
}

/// The whole-frame crop's transform: the centred square of the shorter side.
pub fn whole_frame_transform(width: u32, height: u32, size: u32) -> Option<Similarity> {
    let (w, h) = (f64::from(width), f64::from(height));
    square_transform(w / 2.0, h / 2.0, w.min(h), size)
}

/// `cv2.warpAffine(image, M, (size, size))` with bilinear interpolation and a black border:
/// each output pixel samples the source at the inverse transform of its centre. `None` for a
/// degenerate transform.
pub fn warp(image: &RgbImage, transform: &Similarity, size: u32) -> Option<RgbImage> {
    let inverse = transform.inverse()?;
    let (width, height) = (i64::from(image.width()), i64::from(image.height()));
    let pixel = |x: i64, y: i64| -> [f64; 3] {
        if x < 0 || y < 0 || x >= width || y >= height {
            return [0.0; 3];
        }
        image.get_pixel(x as u32, y as u32).0.map(f64::from)
    };
    let mut out = RgbImage::new(size, size);
    for (x, y, value) in out.enumerate_pixels_mut() {
        let [sx, sy] = inverse.apply([f64::from(x), f64::from(y)]);
        let (fx, fy) = (sx - sx.floor(), sy - sy.floor());
        let (x0, y0) = (sx.floor() as i64, sy.floor() as i64);
        let (p00, p10, p01, p11) = (
            pixel(x0, y0),
            pixel(x0 + 1, y0),
            pixel(x0, y0 + 1),
            pixel(x0 + 1, y0 + 1),
        );
        let mut rgb = [0u8; 3];
        for (c, channel) in rgb.iter_mut().enumerate() {
            let top = p00[c] + (p10[c] - p00[c]) * fx;
            let bottom = p01[c] + (p11[c] - p01[c]) * fx;
            *channel = (top + (bottom - top) * fy).round().clamp(0.0, 255.0) as u8;
        }
        *value = Rgb(rgb);
    }
    Some(out)
}

#[cfg(test)]
mod tests;
