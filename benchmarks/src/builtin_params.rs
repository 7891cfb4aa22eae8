//! Parameters of the built-in detectors that decide their scores, and the fingerprint made from
//! them. They live here, not in the worker, because the coordinator must know a built-in's
//! fingerprint when it plans a run: stored predictions are reused only when the fingerprint of
//! the detector that made them equals the planned one. Changing any constant below changes the
//! fingerprint, so the next run recomputes that detector instead of reusing stale scores.
//! Bump the `v1` of a fingerprint when the algorithm changes in a way the constants do not show.

/// `spectral` (Durall et al. 2020); see `dfbench_worker::builtin::spectral`.
pub mod spectral {
    /// Side of the square centre crop analysed (pixels).
    pub const CROP: u32 = 128;
    /// Mid and high frequency bands of the profile, in cycles per pixel.
    pub const MID_BAND: (f64, f64) = (0.08, 0.20);
    pub const HIGH_BAND: (f64, f64) = (0.20, 0.28);
    /// Spikes are looked for from this radius (cycles per pixel) outwards, corners included.
    pub const PEAK_FROM: f64 = 0.2;
    /// Logistic constants (see the worker module documentation).
    pub const PEAK_CENTRE: f64 = 2.0;
    pub const PEAK_WEIGHT: f64 = 4.0;
    pub const HF_CENTRE: f64 = -0.55;
    pub const HF_WEIGHT: f64 = 1.0;

    pub fn fingerprint() -> String {
        format!(
            "builtin:spectral:v1:crop={CROP},hann,mid={MID_BAND:?},high={HIGH_BAND:?},peak_from={PEAK_FROM},\
             logit={PEAK_WEIGHT}*(peak-{PEAK_CENTRE})+{HF_WEIGHT}*({HF_CENTRE}-hf)"
        )
    }
}

/// `npr` (Tan et al. 2024); see `dfbench_worker::builtin::npr`.
pub mod npr {
    /// Larger images are centre-cropped to at most this side (pixels) before the statistic.
    pub const MAX_SIDE: u32 = 256;
    /// Logistic constants: ratio `CENTRE` maps to P(fake) = 0.5; `SCALE` is the ratio change
    /// per unit of logit.
    pub const CENTRE: f64 = -0.05;
    pub const SCALE: f64 = 0.03;
    /// Added to both mean absolute differences so flat images give ratio 0 instead of 0/0.
    pub const EPSILON: f64 = 1e-3;

    pub fn fingerprint() -> String {
        format!(
            "builtin:npr:v1:max_side={MAX_SIDE},trim_odd,ln(inside/across),eps={EPSILON},\
             logit=({CENTRE}-ratio)/{SCALE}"
        )
    }
}

/// `temporal`: a weight-free clip detector, frame-to-frame residual energy; see
/// `dfbench_worker::builtin::temporal`. Each frame of a clip is converted to luma
/// Y = (0.299 R + 0.587 G + 0.114 B) / 255, resized to `SIDE`×`SIDE` (triangle filter); the
/// statistic d is the mean of |Y(t+1) − Y(t)| over every pixel and every consecutive pair of
/// the clip, and P(fake) = d / (d + `TAU`). Temporal flicker (frames that change more than the
/// scene moves) raises it.
pub mod temporal {
    use crate::card::clip::{ClipSpec, ClipsPerVideo, InputKind};

    /// Frames per clip; clips do not overlap (stride = size), every clip of a video is scored.
    pub const CLIP_SIZE: u32 = 4;
    /// Side (pixels) each frame's luma is resized to before differencing.
    pub const SIDE: u32 = 64;
    /// The residual energy that maps to P(fake) = 0.5.
    pub const TAU: f64 = 0.02;

    pub fn clip_spec() -> ClipSpec {
        ClipSpec {
            input: InputKind::Clip,
            clip_size: CLIP_SIZE,
            clip_stride: CLIP_SIZE,
            clips_per_video: ClipsPerVideo::All,
            layout: None,
            grid: None,
        }
    }

    pub fn fingerprint() -> String {
        format!(
            "builtin:temporal:v1:luma601,side={SIDE},triangle,mean|dY|,p=d/(d+{TAU}){}",
            clip_spec().signature()
        )
    }
}

/// The fingerprint of built-in `name` (`spectral` | `npr` | `temporal`), or None for an unknown
/// name.
pub fn builtin_fingerprint(name: &str) -> Option<String> {
    match name {
        "spectral" => Some(spectral::fingerprint()),
        "npr" => Some(npr::fingerprint()),
        "temporal" => Some(temporal::fingerprint()),
        _ => None,
    }
}

/// How built-in `name` cuts a video into clips, or None for a built-in that scores images.
pub fn builtin_clip_spec(name: &str) -> Option<crate::card::clip::ClipSpec> {
    match name {
        "temporal" => Some(temporal::clip_spec()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_suite_builtin_has_a_distinct_fingerprint() {
        let fingerprints: Vec<String> = crate::suite::BUILTIN_DETECTORS
            .iter()
            .map(|name| builtin_fingerprint(name).expect("known built-in"))
            .collect();
        assert_eq!(
            fingerprints[0],
            "builtin:spectral:v1:crop=128,hann,mid=(0.08, 0.2),high=(0.2, 0.28),peak_from=0.2,logit=4*(peak-2)+1*(-0.55-hf)"
        );
        assert_ne!(fingerprints[0], fingerprints[1]);
        assert!(builtin_fingerprint("cnnspot").is_none());
    }
}
