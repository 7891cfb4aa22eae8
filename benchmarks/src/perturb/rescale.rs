//! Rescaling with the antialiased bilinear (triangle) filter of `image_io::resize`, which is
//! what Pillow's `resize(size, Image.BILINEAR)` computes (the filter support widens with the
//! scale when shrinking).

use crate::image_io::{RgbImage, resize};

pub(super) fn rescale(image: &RgbImage, factor: f64, back_up: bool) -> Result<RgbImage, String> {
    let (width, height) = image.dimensions();
    let scaled = |side: u32| (f64::from(side) * factor).round() as u32;
    let (small_width, small_height) = (scaled(width), scaled(height));
    if small_width == 0 || small_height == 0 {
        return Err(format!(
            "scaling by {factor} leaves {small_width}x{small_height} pixels; use a larger factor"
        ));
    }
    let small = resize(image, small_width, small_height);
    if back_up {
        Ok(resize(&small, width, height))
    } else {
        Ok(small)
    }
}
