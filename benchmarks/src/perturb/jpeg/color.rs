//! Colour conversion and chroma resampling of a 4:2:0 JPEG round trip, as libjpeg-turbo does
//! them: JFIF RGB→YCbCr in 16-bit fixed point (`jccolor.c`), 2×2 chroma averaging with an
//! alternating bias of 1 and 2 (`jcsample.c`, `h2v2_downsample`), then on decoding the
//! triangle-filter "fancy" upsampling (`jdsample.c`, `h2v2_fancy_upsample`) and YCbCr→RGB
//! (`jdcolor.c`). Edges are extended the way libjpeg pads partial blocks.

use super::Plane;
use crate::image_io::RgbImage;

// FIX(x) = round(x · 2¹⁶), libjpeg's SCALEBITS = 16.
const FIX_0_29900: i32 = 19595;
const FIX_0_58700: i32 = 38470;
const FIX_0_11400: i32 = 7471;
const FIX_0_16874: i32 = 11059;
const FIX_0_33126: i32 = 21709;
const FIX_0_50000: i32 = 32768;
const FIX_0_41869: i32 = 27439;
const FIX_0_08131: i32 = 5329;
const FIX_1_40200: i32 = 91881;
const FIX_1_77200: i32 = 116130;
const FIX_0_71414: i32 = 46802;
const FIX_0_34414: i32 = 22554;
const ONE_HALF: i32 = 1 << 15;
/// Cb and Cr are stored offset by 128, rounded with ONE_HALF − 1.
const CHROMA_OFFSET: i32 = (128 << 16) + ONE_HALF - 1;

/// The three planes an encoder compresses, padded to whole blocks.
pub(super) struct Planes {
    pub luma: Plane,
    pub blue: Plane,
    pub red: Plane,
}

/// RGB → Y at full resolution and Cb, Cr averaged over 2×2 pixels. The luma plane is padded by
/// repeating the last column and row; chroma pairs past the right edge average the repeated
/// last column, chroma rows past the bottom repeat the last chroma row.
#[inline(always)]
pub(super) fn to_planes(image: &RgbImage) -> Planes {
    let (width, height) = (image.width() as usize, image.height() as usize);
    let mut luma = Plane::new(width.div_ceil(8) * 8, height.div_ceil(8) * 8);
    let mut blue = Plane::new(width.div_ceil(16) * 8, height.div_ceil(16) * 8);
    let mut red = Plane::new(blue.width, blue.height);
    let chroma_rows = height.div_ceil(2);
    // Two full-resolution rows of Cb and Cr, padded to twice the chroma width.
    let full_width = blue.width * 2;
    let mut cb = vec![vec![0i32; full_width]; 2];
    let mut cr = vec![vec![0i32; full_width]; 2];
    // One row's red, green and blue, apart: the conversion then runs over plain arrays.
    let mut channels = vec![vec![0i32; width]; 3];
    let pixels = image.as_raw();
    for chroma_row in 0..chroma_rows {
        for half in 0..2 {
            let y = (chroma_row * 2 + half).min(height - 1);
            let rgb = &pixels[y * width * 3..(y + 1) * width * 3];
            let luma_row = &mut luma.data[y * luma.width..(y + 1) * luma.width];
            let (cb_row, cr_row) = (&mut cb[half], &mut cr[half]);
            let [red_row, green_row, blue_row] = &mut channels[..] else {
                unreachable!("three channels")
            };
            let apart = red_row
                .iter_mut()
                .zip(green_row.iter_mut().zip(blue_row.iter_mut()));
            for (pixel, (r, (g, b))) in rgb.chunks_exact(3).zip(apart) {
                (*r, *g, *b) = (pixel[0].into(), pixel[1].into(), pixel[2].into());
            }
            let converted = luma_row
                .iter_mut()
                .zip(cb_row.iter_mut().zip(cr_row.iter_mut()));
            let rgb = red_row.iter().zip(green_row.iter().zip(blue_row.iter()));
            for ((l, (cb, cr)), (&r, (&g, &b))) in converted.zip(rgb) {
                *l = ((FIX_0_29900 * r + FIX_0_58700 * g + FIX_0_11400 * b + ONE_HALF) >> 16) as u8;
                *cb = (-FIX_0_16874 * r - FIX_0_33126 * g + FIX_0_50000 * b + CHROMA_OFFSET) >> 16;
                *cr = (FIX_0_50000 * r - FIX_0_41869 * g - FIX_0_08131 * b + CHROMA_OFFSET) >> 16;
            }
            extend_right(luma_row, width);
            extend_right(cb_row, width);
            extend_right(cr_row, width);
        }
        for (plane, rows) in [(&mut blue, &cb), (&mut red, &cr)] {
            let out = &mut plane.data[chroma_row * plane.width..(chroma_row + 1) * plane.width];
            let (top, bottom) = (&rows[0], &rows[1]);
            for (x, value) in out.iter_mut().enumerate() {
                let sum = top[2 * x] + top[2 * x + 1] + bottom[2 * x] + bottom[2 * x + 1];
                // libjpeg's bias alternates 1, 2, 1, 2… along the row.
                *value = ((sum + 1 + (x as i32 & 1)) >> 2) as u8;
            }
        }
    }
    luma.extend_down(height);
    blue.extend_down(chroma_rows);
    red.extend_down(chroma_rows);
    Planes { luma, blue, red }
}

/// Repeats `row[used - 1]` over the rest of `row`.
fn extend_right<T: Copy>(row: &mut [T], used: usize) {
    let last = row[used - 1];
    row[used..].fill(last);
}

/// Back to `width`×`height` RGB: chroma upsampled by libjpeg's triangle filter (¾ nearer
/// sample, ¼ farther one, in both directions; edges repeated), then converted.
#[inline(always)]
pub(super) fn to_rgb(planes: &Planes, width: usize, height: usize) -> RgbImage {
    let (chroma_width, chroma_rows) = (width.div_ceil(2), height.div_ceil(2));
    let mut out = vec![0u8; width * height * 3];
    // Column sums with the first and last repeated on either side.
    let mut column_sums = [vec![0i32; chroma_width + 2], vec![0i32; chroma_width + 2]];
    let mut upsampled = [vec![0i32; chroma_width * 2], vec![0i32; chroma_width * 2]];
    let mut converted = vec![vec![0u8; width]; 3];
    for (y, rgb) in out.chunks_exact_mut(width * 3).enumerate() {
        let row = y / 2;
        let neighbour = match y % 2 {
            0 => row.saturating_sub(1),
            _ => (row + 1).min(chroma_rows - 1),
        };
        for (plane, (sums, up)) in [&planes.blue, &planes.red]
            .into_iter()
            .zip(column_sums.iter_mut().zip(upsampled.iter_mut()))
        {
            let near = &plane.data[row * plane.width..][..chroma_width];
            let far = &plane.data[neighbour * plane.width..][..chroma_width];
            for ((sum, &near), &far) in sums[1..=chroma_width].iter_mut().zip(near).zip(far) {
                *sum = 3 * i32::from(near) + i32::from(far);
            }
            sums[0] = sums[1];
            sums[chroma_width + 1] = sums[chroma_width];
            let (left, centre, right) = (&sums[..], &sums[1..], &sums[2..]);
            let neighbours = left.iter().zip(centre.iter().zip(right));
            for (pair, (&left, (&centre, &right))) in up.chunks_exact_mut(2).zip(neighbours) {
                pair[0] = (3 * centre + left + 8) >> 4;
                pair[1] = (3 * centre + right + 7) >> 4;
            }
        }
        let luma = &planes.luma.data[y * planes.luma.width..][..width];
        let [blue, red] = &upsampled;
        let [red_out, green_out, blue_out] = &mut converted[..] else {
            unreachable!("three channels")
        };
        let outputs = red_out
            .iter_mut()
            .zip(green_out.iter_mut().zip(blue_out.iter_mut()));
        let inputs = luma.iter().zip(blue.iter().zip(red));
        for ((r_out, (g_out, b_out)), (&l, (&cb, &cr))) in outputs.zip(inputs) {
            let (l, cb, cr) = (i32::from(l), cb - 128, cr - 128);
            let r = l + ((FIX_1_40200 * cr + ONE_HALF) >> 16);
            let g = l + ((-FIX_0_34414 * cb - FIX_0_71414 * cr + ONE_HALF) >> 16);
            let b = l + ((FIX_1_77200 * cb + ONE_HALF) >> 16);
            *r_out = r.clamp(0, 255) as u8;
            *g_out = g.clamp(0, 255) as u8;
            *b_out = b.clamp(0, 255) as u8;
        }
        let apart = red_out.iter().zip(green_out.iter().zip(blue_out.iter()));
        for (pixel, (&r, (&g, &b))) in rgb.chunks_exact_mut(3).zip(apart) {
            pixel.copy_from_slice(&[r, g, b]);
        }
    }
    RgbImage::from_raw(width as u32, height as u32, out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_point_constants_are_libjpegs() {
        let fix = |x: f64| (x * 65536.0 + 0.5) as i32;
        let pairs = [
            (FIX_0_29900, 0.299),
            (FIX_0_58700, 0.587),
            (FIX_0_11400, 0.114),
            (FIX_0_16874, 0.16874),
            (FIX_0_33126, 0.33126),
            (FIX_0_50000, 0.5),
            (FIX_0_41869, 0.41869),
            (FIX_0_08131, 0.08131),
            (FIX_1_40200, 1.402),
            (FIX_1_77200, 1.772),
            (FIX_0_71414, 0.71414),
            (FIX_0_34414, 0.34414),
        ];
        for (constant, x) in pairs {
            assert_eq!(constant, fix(x), "{x}");
        }
    }

    #[test]
    fn greys_survive_both_conversions_and_planes_are_padded() {
        let image = RgbImage::from_fn(19, 5, |x, _| image::Rgb([(x * 13) as u8; 3]));
        let planes = to_planes(&image);
        assert_eq!((planes.luma.width, planes.luma.height), (24, 8));
        assert_eq!((planes.blue.width, planes.blue.height), (16, 8));
        assert!(
            planes
                .blue
                .data
                .iter()
                .chain(&planes.red.data)
                .all(|&v| v == 128)
        );
        assert_eq!(planes.luma.data[23], planes.luma.data[18]);
        assert_eq!(planes.luma.data[7 * 24 + 3], planes.luma.data[4 * 24 + 3]);
        assert_eq!(to_rgb(&planes, 19, 5), image);
    }
}
