//! The resampling MTCNN's nets are fed with, as facenet-pytorch computes it: PyTorch's
//! `interpolate(mode="area")` (adaptive average pooling) of the uint8 frame converted to float,
//! then `(x − 127.5) × 0.0078125`. Used for every pyramid level and every RNet/ONet crop,
//! through one summed-area table per frame ([`AreaSampler`]), with the same f32 values as
//! PyTorch's kernel (tested against it written out).

use image::RgbImage;

/// A rectangle of the frame in pixels: columns `x..x + width`, rows `y..y + height`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl Rect {
    /// The whole frame.
    pub fn of(frame: &RgbImage) -> Rect {
        Rect {
            x: 0,
            y: 0,
            width: frame.width(),
            height: frame.height(),
        }
    }
}

/// Window `[start, end)` of input cells averaged into output cell `index` (PyTorch's
/// `start_index` / `end_index`: floor and ceil of the proportional bounds).
fn window(index: usize, output: usize, input: usize) -> (usize, usize) {
    let start = index * input / output;
    let end = ((index + 1) * input).div_ceil(output);
    (start, end)
}

/// A frame's summed-area table: for every channel, the sum of the pixels above and to the left
/// of each grid point, in wrapping `u32` arithmetic. A window's sum is four look-ups, exact
/// (modulo 2³², and no window of a frame below 16 million pixels sums that high), so
/// resampling a pyramid level or a crop costs per output cell, not per input pixel.
pub struct AreaSampler {
    /// Row-major `(height + 1) × (width + 1)` grid points, three channels each.
    sums: Vec<u32>,
    width: usize,
}

impl AreaSampler {
    /// The table of `frame`.
    pub fn new(frame: &RgbImage) -> AreaSampler {
        let (width, height) = (frame.width() as usize, frame.height() as usize);
        let row_len = (width + 1) * 3;
        let mut sums = vec![0u32; (height + 1) * row_len];
        for (y, pixels) in frame.as_raw().chunks_exact(width * 3).enumerate() {
            let (above, rest) = sums.split_at_mut((y + 1) * row_len);
            let above = &above[y * row_len..];
            let here = &mut rest[..row_len];
            let mut running = [0u32; 3];
            for x in 0..width {
                for c in 0..3 {
                    running[c] = running[c].wrapping_add(u32::from(pixels[x * 3 + c]));
                    let at = (x + 1) * 3 + c;
                    here[at] = above[at].wrapping_add(running[c]);
                }
            }
        }
        AreaSampler { sums, width }
    }

    /// The sum of channel `c` over rows `y0..y1`, columns `x0..x1`.
    fn window_sum(&self, (y0, y1): (usize, usize), (x0, x1): (usize, usize), c: usize) -> u32 {
        let row_len = (self.width + 1) * 3;
        let at = |y: usize, x: usize| self.sums[y * row_len + x * 3 + c];
        at(y1, x1)
            .wrapping_sub(at(y0, x1))
            .wrapping_sub(at(y1, x0))
            .wrapping_add(at(y0, x0))
    }

    /// Appends `rect` of the frame resampled to `out_height × out_width` by area averaging and
    /// normalised, as three planes (CHW, RGB). The mean is the window's sum divided by its
    /// height then its width, in f32, as PyTorch's CPU kernel divides its f32 sum: the same
    /// value, since an f32 sum of whole numbers is exact below 2²⁴ (windows up to 65,793 pixels:
    /// every pyramid level and crop of a frame up to about 3,000 pixels on its shorter side).
    pub fn resample(&self, rect: Rect, out_height: usize, out_width: usize, dst: &mut Vec<f32>) {
        let (in_height, in_width) = (rect.height as usize, rect.width as usize);
        let (left, top) = (rect.x as usize, rect.y as usize);
        let start = dst.len();
        dst.resize(start + 3 * out_height * out_width, 0.0);
        let plane = out_height * out_width;
        let columns: Vec<(usize, usize)> = (0..out_width)
            .map(|ow| window(ow, out_width, in_width))
            .map(|(col0, col1)| (left + col0, left + col1))
            .collect();
        for oh in 0..out_height {
            let (row0, row1) = window(oh, out_height, in_height);
            let rows = (top + row0, top + row1);
            for (ow, &cols) in columns.iter().enumerate() {
                let (height, width) = ((rows.1 - rows.0) as f32, (cols.1 - cols.0) as f32);
                for channel in 0..3 {
                    let sum = self.window_sum(rows, cols, channel) as f32;
                    let mean = sum / height / width;
                    dst[start + channel * plane + oh * out_width + ow] = (mean - 127.5) * 0.0078125;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PyTorch's kernel as written: f32 sums in row-major order over every window.
    fn reference(frame: &RgbImage, rect: Rect, out_height: usize, out_width: usize) -> Vec<f32> {
        let (in_height, in_width) = (rect.height as usize, rect.width as usize);
        let plane = out_height * out_width;
        let mut dst = vec![0.0; 3 * plane];
        for oh in 0..out_height {
            let (row0, row1) = window(oh, out_height, in_height);
            for ow in 0..out_width {
                let (col0, col1) = window(ow, out_width, in_width);
                let mut sums = [0.0f32; 3];
                for row in row0..row1 {
                    for col in col0..col1 {
                        let pixel = frame.get_pixel(rect.x + col as u32, rect.y + row as u32);
                        for (sum, value) in sums.iter_mut().zip(pixel.0) {
                            *sum += f32::from(value);
                        }
                    }
                }
                let (rows, cols) = ((row1 - row0) as f32, (col1 - col0) as f32);
                for (channel, sum) in sums.iter().enumerate() {
                    dst[channel * plane + oh * out_width + ow] =
                        (sum / rows / cols - 127.5) * 0.0078125;
                }
            }
        }
        dst
    }

    #[test]
    fn equals_pytorchs_row_major_f32_sums_bit_for_bit() {
        // A noisy frame (an LCG), odd sizes, down- and upsampling, whole frame and crops.
        let mut state = 12345u32;
        let frame = RgbImage::from_fn(157, 211, |_, _| {
            let mut next = || {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (state >> 16) as u8
            };
            image::Rgb([next(), next(), next()])
        });
        let sampler = AreaSampler::new(&frame);
        let crop = Rect {
            x: 13,
            y: 7,
            width: 101,
            height: 96,
        };
        for (rect, out) in [
            (Rect::of(&frame), (127, 95)),
            (Rect::of(&frame), (12, 12)),
            (Rect::of(&frame), (300, 200)),
            (crop, (24, 24)),
            (crop, (48, 48)),
            (crop, (96, 101)),
        ] {
            let mut got = vec![];
            sampler.resample(rect, out.0, out.1, &mut got);
            let expected = reference(&frame, rect, out.0, out.1);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got), bits(&expected), "{rect:?} -> {out:?}");
        }
    }

    #[test]
    fn windows_cover_the_input_and_overlap_when_not_divisible() {
        assert_eq!(window(0, 2, 4), (0, 2));
        assert_eq!(window(1, 2, 4), (2, 4));
        // 5 → 3: [0, 2), [1, 4), [3, 5) as PyTorch's adaptive pooling.
        assert_eq!(
            (0..3).map(|i| window(i, 3, 5)).collect::<Vec<_>>(),
            vec![(0, 2), (1, 4), (3, 5)]
        );
        // Upsampling repeats cells: 2 → 4.
        assert_eq!(
            (0..4).map(|i| window(i, 4, 2)).collect::<Vec<_>>(),
            vec![(0, 1), (0, 1), (1, 2), (1, 2)]
        );
    }

    #[test]
    fn averages_a_rectangle_per_channel_and_normalises() {
        let mut frame = RgbImage::new(4, 3);
        for (x, y, pixel) in frame.enumerate_pixels_mut() {
            *pixel = image::Rgb([(10 * x + y) as u8, 255, 0]);
        }
        let rect = Rect {
            x: 1,
            y: 1,
            width: 2,
            height: 2,
        };
        let mut out = vec![9.0];
        AreaSampler::new(&frame).resample(rect, 1, 1, &mut out);
        // Pixels (1,1) (2,1) (1,2) (2,2): red 11, 21, 12, 22 → mean 16.5.
        let expected = [
            9.0,
            (16.5 - 127.5) / 128.0,
            (255.0 - 127.5) / 128.0,
            -127.5 / 128.0,
        ];
        assert_eq!(out, expected);
    }
}
