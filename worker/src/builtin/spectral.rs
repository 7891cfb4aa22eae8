//! `spectral`: the frequency-domain detector of Durall et al. 2020, "Watch your up-convolution:
//! CNN based generative deep neural networks are failing to reproduce spectral distributions",
//! with a fixed logistic instead of a trained classifier.
//!
//! Pipeline: BT.601 grey → centre crop to `CROP`×`CROP` (smaller images: their largest even
//! square) → remove the mean, 2D Hann window → 2D FFT → log10 power → azimuthal average (the 1D
//! profile of Durall et al.). Two features:
//! - `peak`: the largest excess of one 2D coefficient above the profile at its radius, for
//!   radii ≥ `PEAK_FROM` (log10 units). Checkerboard gain patterns and the spectral replicas of
//!   ×2 up-sampling are spikes; natural images mostly stay within 1–2.5 of their profile.
//! - `hf_drop`: mean profile over `HIGH_BAND` minus mean profile over `MID_BAND` (log10 units).
//!   `HIGH_BAND` straddles 1/4 cycle per pixel, the Nyquist frequency of content generated at
//!   half resolution, so up-sampled fakes lose energy there and have a lower value.
//!
//! P(fake) = logistic(`PEAK_WEIGHT`·(peak − `PEAK_CENTRE`) + `HF_WEIGHT`·(`HF_CENTRE` − hf_drop)).
//! The centres are typical values of natural images (on the demo data's real images: peak
//! 1.65 ± 0.45, hf_drop −0.53 ± 0.21); the peak is the main evidence, the high-frequency drop a
//! secondary one because its spread across natural images is large.

use super::{check_size, probability};
use crate::detector::{Detector, DetectorFailure};
use dfbench_benchmarks::image_io::{RgbImage, center_crop, to_gray_f32};
use rustfft::FftPlanner;
use rustfft::num_complex::Complex;
use std::sync::{Mutex, PoisonError};

pub use dfbench_benchmarks::builtin_params::spectral::*;

/// The spectral features of one image.
#[derive(Debug, Clone, PartialEq)]
pub struct SpectralFeatures {
    pub hf_drop: f64,
    pub peak: f64,
    /// Azimuthally averaged log10 power, one entry per integer radius in frequency bins
    /// (bin r = r / side cycles per pixel; entries past side/2 are the spectrum's corners).
    pub profile: Vec<f64>,
}

impl SpectralFeatures {
    /// The logistic's argument; P(fake) = 1 / (1 + e^(−z)).
    pub fn logit(&self) -> f64 {
        PEAK_WEIGHT * (self.peak - PEAK_CENTRE) + HF_WEIGHT * (HF_CENTRE - self.hf_drop)
    }
}

pub struct Spectral {
    name: String,
    /// Plans are cached by the planner; the lock is held only while looking one up.
    planner: Mutex<FftPlanner<f32>>,
}

impl Spectral {
    pub fn new(name: &str) -> Spectral {
        Spectral {
            name: name.to_string(),
            planner: Mutex::new(FftPlanner::new()),
        }
    }

    /// The features of `image` (checked to be at least `MIN_SIDE` pixels on each side).
    pub fn features(&self, image: &RgbImage) -> Result<SpectralFeatures, DetectorFailure> {
        check_size(&self.name, image)?;
        let side = image.width().min(image.height()).min(CROP) & !1;
        let n = side as usize;
        let gray = to_gray_f32(&center_crop(image, side));
        let mean = gray.iter().sum::<f32>() / gray.len() as f32;
        let window: Vec<f32> = (0..n)
            .map(|i| 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / n as f32).cos())
            .collect();
        let mut buffer: Vec<Complex<f32>> = gray
            .iter()
            .enumerate()
            .map(|(i, &v)| Complex::new((v - mean) * window[i / n] * window[i % n], 0.0))
            .collect();
        let fft = self
            .planner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .plan_fft_forward(n);
        fft.process(&mut buffer);
        transpose(&mut buffer, n);
        fft.process(&mut buffer);
        Ok(features_of_spectrum(&buffer, n))
    }
}

fn transpose(buffer: &mut [Complex<f32>], n: usize) {
    for row in 0..n {
        for col in row + 1..n {
            buffer.swap(row * n + col, col * n + row);
        }
    }
}

/// Radius (in frequency bins) of coefficient `index` of an `n`×`n` spectrum.
fn radius(index: usize, n: usize) -> f64 {
    let fold = |k: usize| k.min(n - k) as f64;
    let (ky, kx) = (fold(index / n), fold(index % n));
    (kx * kx + ky * ky).sqrt()
}

fn features_of_spectrum(spectrum: &[Complex<f32>], n: usize) -> SpectralFeatures {
    let bins = (n as f64 * std::f64::consts::FRAC_1_SQRT_2).ceil() as usize + 1;
    let (mut sums, mut counts) = (vec![0.0f64; bins], vec![0usize; bins]);
    let log_power: Vec<f64> = spectrum
        .iter()
        .map(|c| f64::from(c.norm_sqr()).max(1e-6).log10())
        .collect();
    for (index, &value) in log_power.iter().enumerate() {
        let bin = radius(index, n).round() as usize;
        sums[bin] += value;
        counts[bin] += 1;
    }
    let profile: Vec<f64> = sums
        .iter()
        .zip(&counts)
        .map(|(&sum, &count)| sum / count.max(1) as f64)
        .collect();
    let band_mean = |(low, high): (f64, f64)| {
        let range = (low * n as f64).round() as usize..=(high * n as f64).round() as usize;
        let values = &profile[range];
        values.iter().sum::<f64>() / values.len() as f64
    };
    let hf_drop = band_mean(HIGH_BAND) - band_mean(MID_BAND);
    let from = PEAK_FROM * n as f64;
    let peak = log_power
        .iter()
        .enumerate()
        .filter_map(|(index, &value)| {
            let r = radius(index, n);
            (r >= from).then(|| value - profile[r.round() as usize])
        })
        .fold(0.0f64, f64::max);
    SpectralFeatures {
        hf_drop,
        peak,
        profile,
    }
}

impl Detector for Spectral {
    fn name(&self) -> &str {
        &self.name
    }

    fn fingerprint(&self) -> String {
        fingerprint()
    }

    fn score(&self, image: &RgbImage) -> Result<f64, DetectorFailure> {
        let features = self.features(image)?;
        probability(&self.name, features.logit())
    }
}
