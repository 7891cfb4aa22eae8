//! Built-in weight-free detectors: fixed image statistics mapped to P(fake) by a documented
//! logistic, so a benchmark can run end to end without model weights.
//!
//! - `spectral` (Durall et al. 2020): high-frequency energy and periodic peaks of the spectrum.
//! - `npr` (Tan et al. 2024): neighbouring-pixel relationships inside 2×2 up-sampling blocks.
//! - `temporal`: a clip detector, the frame-to-frame residual energy of a clip.

pub mod npr;
pub mod spectral;
pub mod temporal;

use crate::detector::{Detector, DetectorFailure};
use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::image_io::RgbImage;

/// Implementation names `builtin_detector` knows; equals `dfbench_benchmarks::suite::BUILTIN_DETECTORS`.
pub const BUILTIN_NAMES: &[&str] = &["spectral", "npr", "temporal"];

/// Smallest width and height (pixels) a built-in detector scores.
pub const MIN_SIDE: u32 = 32;

/// `builtin` is the implementation name ("spectral" | "npr" | "temporal"), `name` the suite's
/// name for this detector.
pub fn builtin_detector(builtin: &str, name: &str) -> Option<Box<dyn Detector>> {
    match builtin {
        "spectral" => Some(Box::new(spectral::Spectral::new(name))),
        "npr" => Some(Box::new(npr::Npr::new(name))),
        "temporal" => Some(Box::new(temporal::Temporal::new(name))),
        _ => None,
    }
}

/// The built-ins that score single images (the image-only checks iterate over these).
pub fn image_builtins() -> impl Iterator<Item = &'static str> {
    BUILTIN_NAMES
        .iter()
        .copied()
        .filter(|name| dfbench_benchmarks::builtin_params::builtin_clip_spec(name).is_none())
}

/// Rejects images smaller than `MIN_SIDE` in either dimension.
fn check_size(detector: &str, image: &RgbImage) -> Result<(), DetectorFailure> {
    let (width, height) = image.dimensions();
    if width < MIN_SIDE || height < MIN_SIDE {
        return Err(DetectorFailure::new(
            FailureKind::DetectorError,
            format!(
                "{detector}: image is {width}x{height}, needs at least {MIN_SIDE}x{MIN_SIDE} pixels; \
                 drop such images from the dataset or use another detector"
            ),
        ));
    }
    Ok(())
}

/// P(fake) = 1 / (1 + e^(−z)); a non-finite statistic is a failure, never a NaN score.
fn probability(detector: &str, z: f64) -> Result<f64, DetectorFailure> {
    if !z.is_finite() {
        return Err(DetectorFailure::new(
            FailureKind::DetectorError,
            format!("{detector}: the image statistic is not finite ({z})"),
        ));
    }
    Ok((1.0 / (1.0 + (-z).exp())).clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use dfbench_benchmarks::card::clip::InputKind;

    fn noise_image(width: u32, height: u32) -> RgbImage {
        let mut state = 0x1234_5678_u32;
        let bytes = (0..width * height * 3)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state >> 24) as u8
            })
            .collect();
        RgbImage::from_raw(width, height, bytes).expect("buffer size")
    }

    #[test]
    fn every_suite_builtin_resolves() {
        assert_eq!(BUILTIN_NAMES, dfbench_benchmarks::suite::BUILTIN_DETECTORS);
        for builtin in dfbench_benchmarks::suite::BUILTIN_DETECTORS {
            let detector = builtin_detector(builtin, "my-name").expect("known built-in");
            assert_eq!(detector.name(), "my-name");
            assert!(
                detector
                    .fingerprint()
                    .starts_with(&format!("builtin:{builtin}:v1:"))
            );
            assert_eq!(detector.fingerprint(), detector.fingerprint());
            let clip_spec = dfbench_benchmarks::builtin_params::builtin_clip_spec(builtin);
            let expected = clip_spec.map_or(InputKind::Image, |spec| spec.input);
            assert_eq!(detector.input(), expected, "{builtin}");
        }
        assert_eq!(
            image_builtins().collect::<Vec<_>>(),
            ["spectral", "npr"],
            "temporal reads clips"
        );
        assert!(builtin_detector("cnnspot", "x").is_none());
    }

    #[test]
    fn scores_are_finite_probabilities_for_odd_flat_and_noisy_images() {
        let flat = RgbImage::from_raw(33, 47, vec![128; 33 * 47 * 3]).expect("buffer size");
        for builtin in image_builtins() {
            let detector = builtin_detector(builtin, builtin).expect("known");
            for image in [flat.clone(), noise_image(301, 257), noise_image(64, 999)] {
                let score = detector.score(&image).expect("scores");
                assert!(
                    score.is_finite() && (0.0..=1.0).contains(&score),
                    "{builtin}: {score}"
                );
            }
        }
    }

    #[test]
    fn tiny_images_are_a_typed_failure() {
        for builtin in image_builtins() {
            let detector = builtin_detector(builtin, builtin).expect("known");
            let failure = detector
                .score(&noise_image(31, 200))
                .expect_err("too small");
            assert_eq!(failure.kind, FailureKind::DetectorError);
            assert!(failure.message.contains("31x200"), "{}", failure.message);
        }
    }

    #[test]
    fn non_finite_statistic_is_a_failure() {
        assert_eq!(probability("x", 0.0), Ok(0.5));
        assert!(probability("x", f64::NAN).is_err());
        assert_eq!(probability("x", 1e9), Ok(1.0));
    }
}
