//! The resampling MTCNN's nets are fed with, as facenet-pytorch computes it: PyTorch's
//! `interpolate(mode="area")` (adaptive average pooling) of the uint8 frame converted to float,
//! then `(x − 127.5) × 0.0078125`. Used for every pyramid level and every RNet/ONet crop.

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

/// Appends `rect` of `frame` resampled to `out_height × out_width` by area averaging and
/// normalised, as three planes (CHW, RGB). Sums run in f32 in row-major order and are divided
/// by the window's height then its width, as PyTorch's CPU kernel does.
pub fn area_resample(
    frame: &RgbImage,
    rect: Rect,
    out_height: usize,
    out_width: usize,
    dst: &mut Vec<f32>,
) {
    let (in_height, in_width) = (rect.height as usize, rect.width as usize);
    let stride = frame.width() as usize * 3;
    let raw = frame.as_raw();
    let start = dst.len();
    dst.resize(start + 3 * out_height * out_width, 0.0);
    let plane = out_height * out_width;
    let columns: Vec<(usize, usize)> = (0..out_width)
        .map(|ow| window(ow, out_width, in_width))
        .collect();
    for oh in 0..out_height {
        let (row0, row1) = window(oh, out_height, in_height);
        for (ow, &(col0, col1)) in columns.iter().enumerate() {
            let mut sums = [0.0f32; 3];
            for row in row0..row1 {
                let offset = (rect.y as usize + row) * stride + rect.x as usize * 3;
                for col in col0..col1 {
                    let pixel = &raw[offset + col * 3..offset + col * 3 + 3];
                    for (sum, value) in sums.iter_mut().zip(pixel) {
                        *sum += f32::from(*value);
                    }
                }
            }
            let (rows, cols) = ((row1 - row0) as f32, (col1 - col0) as f32);
            for (channel, sum) in sums.iter().enumerate() {
                let mean = sum / rows / cols;
                dst[start + channel * plane + oh * out_width + ow] = (mean - 127.5) * 0.0078125;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        area_resample(&frame, rect, 1, 1, &mut out);
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
