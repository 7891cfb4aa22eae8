//! Procedural "natural-looking" content for the demo generator: 1/f-like multi-octave value
//! noise with a smooth colour palette, a few soft-edged shapes and a lighting gradient.
//!
//! A scene lives in world coordinates (one unit = one full-resolution pixel) and can be rendered
//! at any pixel spacing, so a fake's half-resolution render shows the same kind of content.
//! Rendering is band-limited: octaves finer than two pixels are replaced by their mean.

use super::Rng;

/// Value-noise cell sizes in world pixels, coarse to fine.
const CELLS: [f64; 6] = [96.0, 48.0, 24.0, 12.0, 6.0, 3.0];
/// Octave amplitudes: cell^0.9 (≈ 1/f amplitude spectrum, like natural images), written out
/// so that no platform's `powf` can change a byte of the demo data.
const AMPS: [f64; 6] = [60.8197, 32.5925, 17.4659, 9.3597, 5.0158, 2.6879];

struct Octave {
    cell: f64,
    amp: f64,
    width: usize,
    grid: Vec<f64>,
}

/// Sum of value-noise octaves; `render` returns values in [0, 1] with mean ≈ 0.5.
struct Noise {
    octaves: Vec<Octave>,
    total: f64,
}

impl Noise {
    /// Octaves from the coarsest down to `cells` of `CELLS`.
    fn new(rng: &mut Rng, extent: f64, cells: usize) -> Noise {
        let octaves: Vec<Octave> = CELLS
            .iter()
            .zip(AMPS)
            .take(cells)
            .map(|(&cell, amp)| {
                let width = (extent / cell).ceil() as usize + 2;
                Octave {
                    cell,
                    amp,
                    width,
                    grid: (0..width * width).map(|_| rng.unit()).collect(),
                }
            })
            .collect();
        let total = octaves.iter().map(|o| o.amp).sum();
        Noise { octaves, total }
    }

    /// The field at pixel centres `(i + 0.5)·pixel` of an `n`×`n` grid, row-major.
    fn render(&self, n: usize, pixel: f64) -> Vec<f64> {
        let mut field = vec![0.0; n * n];
        for o in &self.octaves {
            if o.cell < 2.0 * pixel {
                field.iter_mut().for_each(|v| *v += 0.5 * o.amp);
                continue;
            }
            // Lattice index and smoothed weight per pixel coordinate (same for rows and columns).
            let taps: Vec<(usize, f64)> = (0..n)
                .map(|i| {
                    let g = (i as f64 + 0.5) * pixel / o.cell;
                    (g.floor() as usize, smooth(g - g.floor()))
                })
                .collect();
            for (row, &(iy, ty)) in taps.iter().enumerate() {
                let (top, bottom) = (&o.grid[iy * o.width..], &o.grid[(iy + 1) * o.width..]);
                let out = &mut field[row * n..(row + 1) * n];
                for (value, &(ix, tx)) in out.iter_mut().zip(&taps) {
                    let upper = top[ix] + tx * (top[ix + 1] - top[ix]);
                    let lower = bottom[ix] + tx * (bottom[ix + 1] - bottom[ix]);
                    *value += o.amp * (upper + ty * (lower - upper));
                }
            }
        }
        field.iter_mut().for_each(|v| *v /= self.total);
        field
    }
}

fn smooth(t: f64) -> f64 {
    t * t * (3.0 - 2.0 * t)
}

struct Blob {
    disc: bool,
    centre: (f64, f64),
    half: (f64, f64),
    colour: [f64; 3],
    alpha: f64,
}

impl Blob {
    /// Anti-aliased coverage in [0, 1] at world point (x, y) for a pixel of `pixel` world units.
    fn coverage(&self, x: f64, y: f64, pixel: f64) -> f64 {
        let (dx, dy) = (x - self.centre.0, y - self.centre.1);
        if dx.abs() > self.half.0 + pixel || dy.abs() > self.half.0 + pixel {
            return 0.0;
        }
        let distance = if self.disc {
            (dx * dx + dy * dy).sqrt() - self.half.0
        } else {
            (dx.abs() - self.half.0).max(dy.abs() - self.half.1)
        };
        (0.5 - distance / pixel).clamp(0.0, 1.0)
    }
}

/// One random scene covering `[0, extent)²` world pixels.
pub(super) struct Scene {
    extent: f64,
    palette: [[f64; 3]; 3],
    contrast: f64,
    texture: Noise,
    tint: Noise,
    blobs: Vec<Blob>,
    light: (f64, f64),
}

impl Scene {
    pub(super) fn new(rng: &mut Rng, extent: f64) -> Scene {
        let colour = |rng: &mut Rng| [0; 3].map(|_: i32| rng.range((30.0, 225.0)));
        let palette = [colour(rng), colour(rng), colour(rng)];
        let contrast = rng.range((1.5, 3.5));
        let texture = Noise::new(rng, extent, CELLS.len());
        let tint = Noise::new(rng, extent, 3);
        let blobs = (0..2 + rng.below(5))
            .map(|_| {
                let size = extent * rng.range((0.05, 0.3));
                Blob {
                    disc: rng.unit() < 0.5,
                    centre: (extent * rng.unit(), extent * rng.unit()),
                    half: (size, size * rng.range((0.4, 1.0))),
                    colour: colour(rng),
                    alpha: rng.range((0.5, 0.95)),
                }
            })
            .collect();
        let light = (rng.range((-1.0, 1.0)), rng.range((-1.0, 1.0)));
        Scene {
            extent,
            palette,
            contrast,
            texture,
            tint,
            blobs,
            light,
        }
    }

    /// Renders `n`×`n` pixels spaced `pixel` world units apart; returns R, G, B planes (0–255).
    pub(super) fn render(&self, n: usize, pixel: f64) -> [Vec<f64>; 3] {
        let mut planes = [vec![0.0; n * n], vec![0.0; n * n], vec![0.0; n * n]];
        let [c0, c1, c2] = self.palette;
        let (texture, tint) = (self.texture.render(n, pixel), self.tint.render(n, pixel));
        for row in 0..n {
            let y = (row as f64 + 0.5) * pixel;
            for col in 0..n {
                let x = (col as f64 + 0.5) * pixel;
                let index = row * n + col;
                let t = ((texture[index] - 0.5) * self.contrast + 0.5).clamp(0.0, 1.0);
                let tint = tint[index];
                let mut rgb: [f64; 3] = std::array::from_fn(|c| {
                    let base = c0[c] + (c1[c] - c0[c]) * t;
                    base + (c2[c] - base) * 0.6 * tint
                });
                for blob in &self.blobs {
                    let cover = blob.alpha * blob.coverage(x, y, pixel);
                    if cover > 0.0 {
                        let shade = 0.85 + 0.3 * tint;
                        for (value, colour) in rgb.iter_mut().zip(blob.colour) {
                            *value += (colour * shade - *value) * cover;
                        }
                    }
                }
                let (u, v) = (2.0 * x / self.extent - 1.0, 2.0 * y / self.extent - 1.0);
                let gain = 1.0 + 0.2 * (self.light.0 * u + self.light.1 * v) / 2.0;
                for (plane, value) in planes.iter_mut().zip(rgb) {
                    plane[index] = value * gain;
                }
            }
        }
        planes
    }
}
