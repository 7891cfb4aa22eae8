//! `npr`: neighbouring pixel relationships after Tan et al. 2024 (CVPR), "Rethinking the
//! up-sampling operations in CNN-based generative network for generalizable deepfake detection",
//! with a fixed statistic and logistic instead of the paper's trained CNN.
//!
//! NPR = x − nearest_up(x[::2, ::2]): inside every 2×2 block each pixel minus the block's anchor
//! (top-left) pixel. Up-sampling by 2 makes pixels of one block strongly related, so the residual
//! is small compared with differences between pixels of neighbouring blocks. Statistic
//! (on BT.601 grey, centre crop to at most `MAX_SIDE`, odd sizes trimmed by one pixel):
//!
//! `ratio = ln( mean|NPR at the anchor's right/lower neighbour| / mean|same-size step across a block border| )`
//!
//! i.e. mean |x[y][2j+1] − x[y][2j]| (and the vertical analogue) over mean |x[y][2j+2] − x[y][2j+1]|
//! (and vertical). Natural images give ≈ 0; 2× up-sampled images give < 0.
//! P(fake) = logistic((`CENTRE` − ratio) / `SCALE`).

use super::{check_size, probability};
use crate::detector::{Detector, DetectorFailure};
use dfbench_benchmarks::image_io::{RgbImage, center_crop, to_gray_f32};

pub use dfbench_benchmarks::builtin_params::npr::*;

pub struct Npr {
    name: String,
}

impl Npr {
    pub fn new(name: &str) -> Npr {
        Npr {
            name: name.to_string(),
        }
    }

    /// The log ratio of in-block to across-border neighbour differences (see module docs).
    pub fn ratio(&self, image: &RgbImage) -> Result<f64, DetectorFailure> {
        check_size(&self.name, image)?;
        let crop = center_crop(image, MAX_SIDE);
        let width = crop.width() as usize;
        let gray = to_gray_f32(&crop);
        // Trim odd sizes by one pixel so every 2×2 block is complete.
        let (w, h) = (width & !1, crop.height() as usize & !1);
        let at = |y: usize, x: usize| f64::from(gray[y * width + x]);
        let (mut inside, mut across, mut n_inside, mut n_across) = (0.0, 0.0, 0usize, 0usize);
        for y in 0..h {
            for x in (0..w).step_by(2) {
                inside += (at(y, x + 1) - at(y, x)).abs();
                n_inside += 1;
                if x + 2 < w {
                    across += (at(y, x + 2) - at(y, x + 1)).abs();
                    n_across += 1;
                }
            }
        }
        for y in (0..h).step_by(2) {
            for x in 0..w {
                inside += (at(y + 1, x) - at(y, x)).abs();
                n_inside += 1;
                if y + 2 < h {
                    across += (at(y + 2, x) - at(y + 1, x)).abs();
                    n_across += 1;
                }
            }
        }
        let inside = inside / n_inside.max(1) as f64 + EPSILON;
        let across = across / n_across.max(1) as f64 + EPSILON;
        Ok((inside / across).ln())
    }
}

impl Detector for Npr {
    fn name(&self) -> &str {
        &self.name
    }

    fn fingerprint(&self) -> String {
        fingerprint()
    }

    fn score(&self, image: &RgbImage) -> Result<f64, DetectorFailure> {
        let ratio = self.ratio(image)?;
        probability(&self.name, (CENTRE - ratio) / SCALE)
    }
}
