//! `temporal`: a weight-free clip detector, the frame-to-frame residual energy of a clip.
//!
//! Each frame is converted to luma Y = (0.299 R + 0.587 G + 0.114 B) / 255 (in [0, 1]) and the
//! luma image resized to `SIDE`×`SIDE` with the triangle filter; the statistic d is the mean of
//! |Y(t+1) − Y(t)| over every pixel and every consecutive pair of frames, and
//! P(fake) = d / (d + `TAU`). A static clip scores 0; temporal flicker (frames that change more
//! than the scene moves) raises it. The constants and the fingerprint live in
//! [`dfbench_benchmarks::builtin_params::temporal`], with the clip spec (clips of `CLIP_SIZE`).

use crate::detector::{Detector, DetectorFailure};
use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::card::clip::InputKind;
use dfbench_benchmarks::image_io::RgbImage;
use image::imageops::{FilterType, resize};
use image::{ImageBuffer, Luma};

pub use dfbench_benchmarks::builtin_params::temporal::*;

pub struct Temporal {
    name: String,
}

impl Temporal {
    pub fn new(name: &str) -> Temporal {
        Temporal {
            name: name.to_string(),
        }
    }

    /// The residual energy d of a clip (module docs).
    pub fn residual(&self, frames: &[&RgbImage]) -> Result<f64, DetectorFailure> {
        let fail = |message: String| {
            Err(DetectorFailure::new(
                FailureKind::DetectorError,
                format!("{}: {message}", self.name),
            ))
        };
        if frames.len() < 2 {
            return fail(format!(
                "a clip of {} frame(s) has no consecutive pair; temporal needs at least 2",
                frames.len()
            ));
        }
        if let Some(empty) = frames
            .iter()
            .position(|f| f.width() == 0 || f.height() == 0)
        {
            return fail(format!("frame {empty} of the clip has no pixels"));
        }
        let lumas: Vec<Vec<f32>> = frames.iter().map(|frame| luma(frame)).collect();
        let mut total = 0.0f64;
        for pair in lumas.windows(2) {
            total += pair[0]
                .iter()
                .zip(&pair[1])
                .map(|(a, b)| f64::from((b - a).abs()))
                .sum::<f64>();
        }
        let count = (lumas.len() - 1) * (SIDE * SIDE) as usize;
        let d = total / count as f64;
        if !d.is_finite() {
            return fail(format!("the residual energy is not finite ({d})"));
        }
        Ok(d)
    }
}

/// Luma in [0, 1] (BT.601), resized to `SIDE`×`SIDE` with the triangle filter, row-major.
fn luma(frame: &RgbImage) -> Vec<f32> {
    let luma: ImageBuffer<Luma<f32>, Vec<f32>> =
        ImageBuffer::from_fn(frame.width(), frame.height(), |x, y| {
            let p = frame.get_pixel(x, y);
            let y = 0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2]);
            Luma([y / 255.0])
        });
    resize(&luma, SIDE, SIDE, FilterType::Triangle).into_raw()
}

impl Detector for Temporal {
    fn name(&self) -> &str {
        &self.name
    }

    fn fingerprint(&self) -> String {
        fingerprint()
    }

    fn input(&self) -> InputKind {
        clip_spec().input
    }

    fn score(&self, _image: &RgbImage) -> Result<f64, DetectorFailure> {
        Err(DetectorFailure::new(
            FailureKind::WorkerError,
            format!(
                "{}: temporal scores clips of {CLIP_SIZE} frames, not single images",
                self.name
            ),
        ))
    }

    fn score_clip(&self, frames: &[&RgbImage]) -> Result<f64, DetectorFailure> {
        let d = self.residual(frames)?;
        Ok((d / (d + TAU)).clamp(0.0, 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    /// A textured frame: a diagonal gradient shifted right by `shift` pixels, plus `offset`.
    fn frame(shift: u32, offset: u8) -> RgbImage {
        RgbImage::from_fn(96, 80, |x, y| {
            let v = ((x + 200 - shift) * 2 + y) % 200;
            Rgb([v as u8 + offset, (v / 2) as u8 + offset, 50 + offset])
        })
    }

    fn score(frames: &[RgbImage]) -> f64 {
        let refs: Vec<&RgbImage> = frames.iter().collect();
        Temporal::new("t").score_clip(&refs).expect("scores")
    }

    #[test]
    fn a_static_clip_scores_zero() {
        let still = vec![frame(0, 0); CLIP_SIZE as usize];
        assert!(score(&still) < 1e-9, "{}", score(&still));
    }

    #[test]
    fn flicker_scores_higher_than_smooth_motion() {
        let moving: Vec<RgbImage> = (0..CLIP_SIZE).map(|t| frame(t, 0)).collect();
        let flicker: Vec<RgbImage> = (0..CLIP_SIZE)
            .map(|t| frame(t, if t % 2 == 0 { 0 } else { 40 }))
            .collect();
        let (moving, flicker) = (score(&moving), score(&flicker));
        assert!(moving > 0.0 && moving < 1.0, "{moving}");
        assert!(
            flicker > moving + 0.2,
            "flicker {flicker} vs moving {moving}"
        );
    }

    #[test]
    fn matches_the_documented_formula_on_uniform_frames() {
        // Uniform frames: resizing keeps the value, so d = |ΔY| exactly.
        let grey = |v: u8| RgbImage::from_pixel(40, 30, Rgb([v, v, v]));
        let frames = [grey(100), grey(110), grey(100), grey(110)];
        let d = 10.0 / 255.0;
        let expected = d / (d + TAU);
        assert!(
            (score(&frames) - expected).abs() < 1e-6,
            "{}",
            score(&frames)
        );
    }

    #[test]
    fn short_clips_and_single_images_are_typed_failures() {
        let one = frame(0, 0);
        let detector = Temporal::new("t");
        let failure = detector.score_clip(&[&one]).expect_err("one frame");
        assert_eq!(failure.kind, FailureKind::DetectorError);
        assert!(
            failure.message.contains("at least 2"),
            "{}",
            failure.message
        );
        assert!(detector.score(&one).is_err());
        assert_eq!(detector.input(), InputKind::Clip);
    }
}
