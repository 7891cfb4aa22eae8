//! Test-time perturbations: deterministic corruptions applied to a decoded image before any
//! detector's preprocessing (REFERENCE §5: UnivFD's JPEG and blur grids, AIGCDetectBenchmark's
//! JPEG 95 / blur σ 1 / 0.5× rescale).
//!
//! Canonical ids (stored with every prediction and metric, so they are part of the cache key):
//!
//! | id | what | matches |
//! |---|---|---|
//! | `none` | the decoded image as is | |
//! | `jpeg:q=Q` | JPEG re-encode at quality Q (1–100), 4:2:0 chroma, then decode | Pillow `save(format="JPEG", quality=Q)` |
//! | `blur:sigma=S` | Gaussian blur, σ = S pixels (0 < S ≤ 50) | Pillow `ImageFilter.GaussianBlur(S)` (extended box blur, 3 passes) |
//! | `rescale:F` | resize by F (0 < F < 1), then back to the original size | Pillow `resize(…, BILINEAR)` both ways (antialiased triangle filter) |
//! | `rescale-down:F` | resize by F only (AIGCDetectBenchmark's "resize") | Pillow `resize(…, BILINEAR)` |
//! | `noise:sigma=S` | additive Gaussian noise, σ = S grey levels (0 < S ≤ 255), rounded and clamped to [0, 255] | |
//!
//! Steps chain with `+` in application order: `jpeg:q=75+rescale:0.5`. Numbers are written in
//! their shortest form (`blur:sigma=2.0` parses to `blur:sigma=2`), so `parse(id)?.id()` is the
//! canonical spelling of `id`.
//!
//! Noise is the only random step. Its seed is a hash of the sample's path relative to its dataset
//! root, the full perturbation id and the step's position in the chain: the same sample under
//! the same perturbation gets the same bytes on every thread, worker and machine.

mod blur;
pub mod grid;
mod jpeg;
mod noise;
mod rescale;

use crate::FailureKind;
use crate::image_io::RgbImage;
use sha2::{Digest, Sha256};

/// The accepted syntax, quoted by every parse error.
pub const SYNTAX: &str = "none | jpeg:q=Q (1-100) | blur:sigma=S (0<S<=50) | rescale:F | \
                          rescale-down:F (0<F<1) | noise:sigma=S (0<S<=255), steps chained with `+`";

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PerturbError {
    #[error("perturbation `{id}` is not valid: {problem}; accepted: {SYNTAX}")]
    Syntax { id: String, problem: String },
    #[error("cannot apply `{step}` to a {width}x{height} image: {message}")]
    Apply {
        step: String,
        width: u32,
        height: u32,
        message: String,
    },
}

impl PerturbError {
    /// Stable machine-readable reason, stored with the failed prediction.
    pub fn kind(&self) -> FailureKind {
        FailureKind::PerturbationError
    }
}

/// One corruption with its single numeric level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    Jpeg {
        quality: u8,
    },
    Blur {
        sigma: f64,
    },
    /// Down by `factor`, then back up to the original size when `back_up`.
    Rescale {
        factor: f64,
        back_up: bool,
    },
    Noise {
        sigma: f64,
    },
}

impl Step {
    /// The canonical id of this step alone.
    pub fn id(&self) -> String {
        match self {
            Step::Jpeg { quality } => format!("jpeg:q={quality}"),
            Step::Blur { sigma } => format!("blur:sigma={sigma}"),
            Step::Rescale {
                factor,
                back_up: true,
            } => format!("rescale:{factor}"),
            Step::Rescale {
                factor,
                back_up: false,
            } => format!("rescale-down:{factor}"),
            Step::Noise { sigma } => format!("noise:sigma={sigma}"),
        }
    }

    fn apply(&self, image: RgbImage, seed: u64) -> Result<RgbImage, String> {
        match *self {
            Step::Jpeg { quality } => jpeg::reencode(&image, quality),
            Step::Blur { sigma } => Ok(blur::gaussian(&image, sigma)),
            Step::Rescale { factor, back_up } => rescale::rescale(&image, factor, back_up),
            Step::Noise { sigma } => Ok(noise::add_gaussian(image, sigma, seed)),
        }
    }
}

/// A chain of steps; no step at all is `none`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Perturbation {
    steps: Vec<Step>,
}

impl Perturbation {
    pub fn none() -> Perturbation {
        Perturbation::default()
    }

    pub fn from_steps(steps: Vec<Step>) -> Perturbation {
        Perturbation { steps }
    }

    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    pub fn is_none(&self) -> bool {
        self.steps.is_empty()
    }

    /// The canonical id: `none`, or the steps' ids joined with `+`.
    pub fn id(&self) -> String {
        if self.steps.is_empty() {
            return "none".to_string();
        }
        let ids: Vec<String> = self.steps.iter().map(Step::id).collect();
        ids.join("+")
    }

    /// Applies every step in order. `sample_path` (relative to the dataset root) seeds the
    /// random steps, so the result depends only on (sample, perturbation).
    pub fn apply(&self, image: RgbImage, sample_path: &str) -> Result<RgbImage, PerturbError> {
        let id = self.id();
        let mut image = image;
        for (index, step) in self.steps.iter().enumerate() {
            let (width, height) = image.dimensions();
            let seed = seed(sample_path, &id, index);
            image = step
                .apply(image, seed)
                .map_err(|message| PerturbError::Apply {
                    step: step.id(),
                    width,
                    height,
                    message,
                })?;
        }
        Ok(image)
    }
}

/// Seed of step `index` of perturbation `id` on the sample at `sample_path`.
pub fn seed(sample_path: &str, id: &str, index: usize) -> u64 {
    let mut hasher = Sha256::new();
    hasher.update(sample_path.as_bytes());
    hasher.update([0]);
    hasher.update(id.as_bytes());
    hasher.update([0]);
    hasher.update((index as u64).to_le_bytes());
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

/// Parses a perturbation id (`none`, one step, or steps joined with `+`).
pub fn parse(id: &str) -> Result<Perturbation, PerturbError> {
    let syntax = |problem: String| PerturbError::Syntax {
        id: id.to_string(),
        problem,
    };
    let trimmed = id.trim();
    if trimmed == "none" {
        return Ok(Perturbation::none());
    }
    if trimmed.is_empty() {
        return Err(syntax("it is empty".to_string()));
    }
    let chained = trimmed.contains('+');
    let steps = trimmed
        .split('+')
        .map(|step| {
            let step = step.trim();
            parse_step(step).map_err(|problem| match chained {
                true => syntax(format!("step `{step}`: {problem}")),
                false => syntax(problem),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Perturbation { steps })
}

fn parse_step(step: &str) -> Result<Step, String> {
    let Some((family, level)) = step.split_once(':') else {
        return Err("a step is written `family:level`".to_string());
    };
    match family {
        "jpeg" => {
            let quality = named_level(level, "q")?;
            match quality.parse::<u8>() {
                Ok(quality) if (1..=100).contains(&quality) => Ok(Step::Jpeg { quality }),
                _ => Err("JPEG quality must be an integer from 1 to 100".to_string()),
            }
        }
        "blur" => Ok(Step::Blur {
            sigma: number_in(named_level(level, "sigma")?, 50.0, true)?,
        }),
        "noise" => Ok(Step::Noise {
            sigma: number_in(named_level(level, "sigma")?, 255.0, true)?,
        }),
        "rescale" | "rescale-down" => Ok(Step::Rescale {
            factor: number_in(level, 1.0, false)?,
            back_up: family == "rescale",
        }),
        "none" => Err("`none` cannot be part of a chain".to_string()),
        _ => Err(format!("unknown family `{family}`")),
    }
}

/// The value of `name=value`, e.g. `q=75`.
fn named_level<'a>(level: &'a str, name: &str) -> Result<&'a str, String> {
    match level.split_once('=') {
        Some((found, value)) if found == name => Ok(value),
        _ => Err(format!(
            "the level is written `{name}=VALUE` after the colon"
        )),
    }
}

/// A finite number in (0, max] (or (0, max) when `max_inclusive` is false).
fn number_in(text: &str, max: f64, max_inclusive: bool) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    let below_max = if max_inclusive {
        value <= max
    } else {
        value < max
    };
    if value.is_finite() && value > 0.0 && below_max {
        // Normalise -0 and forms like 2.0, so the id is canonical.
        Ok(value + 0.0)
    } else {
        let upper = if max_inclusive { "]" } else { ")" };
        Err(format!("the level must lie in (0, {max}{upper}"))
    }
}

#[cfg(test)]
mod tests;
