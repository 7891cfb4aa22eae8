//! Deterministic demo data: `write_demo_dataset` writes a small CNNSpot-layout dataset whose
//! fakes carry real generator-like traces (content made at half resolution and up-sampled ×2 by
//! a transposed convolution: correlated 2×2 blocks, spectral replicas, checkerboard gain) at a
//! strength that differs per subset. Real and fake content come from the same scene generator
//! (`scene`), so brightness, colour, size and file format do not give the fakes away.
//!
//! Besides `<out>/cnnspot`, it writes every benchmark layout the adapters read, at tiny scale
//! (64 px, two frames per video), with per-method trace strengths (`layouts`): `<out>/rgb`
//! (FF++ with c23/c40, Celeb-DF, DFD, DFDC(P), DeeperForensics, UADFV, DF40), `<out>/dataset_json`
//! (DeepfakeBench JSONs with backslash paths), `<out>/DiffusionForensics` and `<out>/custom`
//! (CSV manifest).
//!
//! Everything comes from a splitmix64 generator seeded per (subset, label, index) and plain
//! IEEE arithmetic, so the same bytes are written on every run (no `rand`, clock or threads).

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};
use std::path::{Path, PathBuf};

/// What `write_demo_dataset` produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthSummary {
    /// `<out>/cnnspot`: pass this to the CNNSpot adapter.
    pub root: PathBuf,
    /// Number of image files written.
    pub images: usize,
    /// Subset directory names, in the order they were written.
    pub subsets: Vec<String>,
    /// The benchmark layouts written beside `cnnspot` (see `layouts`).
    pub layouts: Vec<layouts::LayoutSummary>,
}

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error(
        "cannot create directory {path}: {source}; choose an output directory you can write to"
    )]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cannot write {path}: {source}; check free space and permissions of the output directory"
    )]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cannot encode demo image {path}: {message}; this is a bug in the demo generator, please report it"
    )]
    Encode { path: PathBuf, message: String },
}

/// Images per class and subset.
const PER_CLASS: usize = 40;
/// Image sides in pixels (all even, so half-resolution content up-samples exactly).
const SIDES: [usize; 4] = [128, 160, 192, 256];
/// Std-dev range (grey levels) of the camera-like sensor noise of real images.
const SENSOR_NOISE: (f64, f64) = (2.0, 4.0);

/// One subset: how its fakes are up-sampled and how much post-noise hides the trace.
struct Subset {
    name: &'static str,
    /// One line for README.txt.
    trace: &'static str,
    /// Gains of the even / odd output phase of the ×2 transposed convolution (per axis).
    even_gain: f64,
    odd_gain: f64,
    /// Weight of the nearer source pixel for the odd phase (1 = nearest neighbour, 0.5 = bilinear).
    near_weight: f64,
    /// Std-dev range of the post-noise added to fakes at full resolution.
    post_noise: (f64, f64),
    /// JPEG quality for every image (real and fake) of the subset; `None` writes PNG.
    jpeg_quality: Option<u8>,
}

const SUBSETS: [Subset; 3] = [
    Subset {
        name: "upconv-strong",
        trace: "transposed conv with a 3% phase-gain mismatch (checkerboard, Nyquist peaks), light noise",
        even_gain: 1.015,
        odd_gain: 0.985,
        near_weight: 0.75,
        post_noise: (0.8, 1.6),
        jpeg_quality: None,
    },
    Subset {
        name: "nearest-medium",
        trace: "nearest-neighbour x2 (identical 2x2 blocks, replicas near Nyquist), moderate noise",
        even_gain: 1.0,
        odd_gain: 1.0,
        near_weight: 1.0,
        post_noise: (1.2, 2.6),
        jpeg_quality: None,
    },
    Subset {
        name: "diffusion-weak",
        trace: "decoder-like near-bilinear up-conv, faint checkerboard, noise as strong as a camera's",
        even_gain: 1.0015,
        odd_gain: 0.9985,
        near_weight: 0.6,
        post_noise: (2.5, 4.0),
        jpeg_quality: Some(92),
    },
];

/// Writes `<out>/cnnspot/<subset>/{0_real,1_fake}/NNN.{png,jpg}` and `<out>/README.txt`.
/// Existing files with the same names are overwritten; other files are left alone.
pub fn write_demo_dataset(out: &Path) -> Result<SynthSummary, SynthError> {
    let root = out.join("cnnspot");
    let mut images = 0;
    for (subset_index, subset) in SUBSETS.iter().enumerate() {
        for (label_index, label_dir) in ["0_real", "1_fake"].into_iter().enumerate() {
            let dir = root.join(subset.name).join(label_dir);
            std::fs::create_dir_all(&dir).map_err(|source| SynthError::CreateDir {
                path: dir.clone(),
                source,
            })?;
            for index in 0..PER_CLASS {
                let seed = (subset_index as u64) << 40 | (label_index as u64) << 32 | index as u64;
                let mut rng = Rng::new(seed);
                let side = SIDES[rng.below(SIDES.len())];
                let pixels = if label_index == 0 {
                    render_real(&mut rng, side)
                } else {
                    render_fake(&mut rng, side, subset)
                };
                let extension = if subset.jpeg_quality.is_some() {
                    "jpg"
                } else {
                    "png"
                };
                let path = dir.join(format!("{index:03}.{extension}"));
                let bytes = encode(&pixels, side, subset.jpeg_quality, &path)?;
                std::fs::write(&path, bytes).map_err(|source| SynthError::Write {
                    path: path.clone(),
                    source,
                })?;
                images += 1;
            }
        }
    }
    let layouts = layouts::write_all(out)?;
    let readme = out.join("README.txt");
    std::fs::write(
        &readme,
        readme_text(images) + &layouts::readme_text(out, &layouts),
    )
    .map_err(|source| SynthError::Write {
        path: readme.clone(),
        source,
    })?;
    Ok(SynthSummary {
        root,
        images,
        subsets: SUBSETS.iter().map(|s| s.name.to_string()).collect(),
        layouts,
    })
}

fn readme_text(images: usize) -> String {
    let mut text = format!(
        "dfbench demo dataset ({images} images, CNNSpot layout under cnnspot/).\n\
         Synthetic and deterministic: regenerate with the same dfbench version to get the same bytes.\n\n\
         Real images: multi-octave value noise (1/f-like texture) with smooth colour, soft-edged\n\
         shapes and a lighting gradient rendered at full resolution, plus Gaussian sensor noise\n\
         (sigma {}-{} grey levels).\n\
         Fake images: the same kind of content rendered at half resolution, up-sampled x2 by a\n\
         fixed transposed convolution, then post-noise; the trace strength differs per subset:\n\n",
        SENSOR_NOISE.0, SENSOR_NOISE.1
    );
    for s in &SUBSETS {
        text.push_str(&format!(
            "  {}: {};\n    phase gains {}/{}, near weight {}, post-noise sigma {}-{}, {}\n",
            s.name,
            s.trace,
            s.even_gain,
            s.odd_gain,
            s.near_weight,
            s.post_noise.0,
            s.post_noise.1,
            s.jpeg_quality.map_or("PNG".to_string(), |q| format!(
                "JPEG quality {q} (real and fake)"
            )),
        ));
    }
    text.push_str(&format!(
        "\nEach subset has {PER_CLASS} real (0_real) and {PER_CLASS} fake (1_fake) images, sides {SIDES:?} px.\n"
    ));
    text
}

fn encode(
    pixels: &[u8],
    side: usize,
    jpeg: Option<u8>,
    path: &Path,
) -> Result<Vec<u8>, SynthError> {
    let mut bytes = Vec::new();
    let side = side as u32;
    let result = match jpeg {
        Some(quality) => JpegEncoder::new_with_quality(&mut bytes, quality).write_image(
            pixels,
            side,
            side,
            ExtendedColorType::Rgb8,
        ),
        None => PngEncoder::new_with_quality(&mut bytes, CompressionType::Fast, FilterType::Sub)
            .write_image(pixels, side, side, ExtendedColorType::Rgb8),
    };
    result.map_err(|error| SynthError::Encode {
        path: path.to_path_buf(),
        message: error.to_string(),
    })?;
    Ok(bytes)
}

/// Full-resolution content plus sensor noise.
fn render_real(rng: &mut Rng, side: usize) -> Vec<u8> {
    let scene = scene::Scene::new(rng, side as f64);
    let planes = scene.render(side, 1.0);
    let sigma = rng.range(SENSOR_NOISE);
    quantize(&planes, sigma, rng)
}

/// Half-resolution content, ×2 transposed convolution, post-noise.
fn render_fake(rng: &mut Rng, side: usize, subset: &Subset) -> Vec<u8> {
    let scene = scene::Scene::new(rng, side as f64);
    let half = scene.render(side / 2, 2.0);
    let planes: [Vec<f64>; 3] = half.map(|plane| upsample(&plane, side / 2, subset));
    let sigma = rng.range(subset.post_noise);
    quantize(&planes, sigma, rng)
}

/// Separable ×2 up-sampling of a `half`×`half` plane: even output = even_gain·x[i], odd output =
/// odd_gain·(w·x[i] + (1−w)·x[i+1]) along each axis (zero insertion + a fixed 3-tap kernel).
fn upsample(plane: &[f64], half: usize, s: &Subset) -> Vec<f64> {
    let up = |a: f64, b: f64, odd: bool| {
        if odd {
            s.odd_gain * (s.near_weight * a + (1.0 - s.near_weight) * b)
        } else {
            s.even_gain * a
        }
    };
    let full = 2 * half;
    let mut rows = vec![0.0; full * half];
    for y in 0..half {
        for x in 0..full {
            let i = x / 2;
            let (a, b) = (plane[y * half + i], plane[y * half + (i + 1).min(half - 1)]);
            rows[y * full + x] = up(a, b, x % 2 == 1);
        }
    }
    let mut out = vec![0.0; full * full];
    for y in 0..full {
        let j = y / 2;
        for x in 0..full {
            let (a, b) = (rows[j * full + x], rows[(j + 1).min(half - 1) * full + x]);
            out[y * full + x] = up(a, b, y % 2 == 1);
        }
    }
    out
}

/// Adds Gaussian noise of std-dev `sigma` and interleaves three planes into clamped RGB8.
fn quantize(planes: &[Vec<f64>; 3], sigma: f64, rng: &mut Rng) -> Vec<u8> {
    let [r, g, b] = planes;
    let mut out = Vec::with_capacity(r.len() * 3);
    for ((r, g), b) in r.iter().zip(g).zip(b) {
        for value in [r, g, b] {
            out.push((value + sigma * rng.gaussian()).round().clamp(0.0, 255.0) as u8);
        }
    }
    out
}

/// splitmix64: tiny, fast, and fully specified, so the demo data never changes by accident.
struct Rng(SplitMix64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(SplitMix64(seed ^ 0x5DEE_CE66_D1CE_4E5B))
    }

    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn range(&mut self, (low, high): (f64, f64)) -> f64 {
        low + (high - low) * self.unit()
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Approximately standard normal: Irwin–Hall sum of four 16-bit uniforms from one draw
    /// (tails end at ±3.46σ, plenty for sensor noise, and much cheaper than Box–Muller).
    fn gaussian(&mut self) -> f64 {
        let bits = self.next_u64();
        let sum = (bits & 0xFFFF) + (bits >> 16 & 0xFFFF) + (bits >> 32 & 0xFFFF) + (bits >> 48);
        (sum as f64 / 65536.0 - 2.0) * 3f64.sqrt()
    }
}

use crate::rng::SplitMix64;

pub mod layouts;
mod scene;

#[cfg(test)]
mod tests;
