//! Resizing as the detector families' own loaders do it, re-implemented in Rust so a card can
//! name the exact semantics its model was trained with (issue 18):
//!
//! - `opencv:linear`, `opencv:cubic`, `opencv:area`, `opencv:nearest`: `cv2.resize` with
//!   `INTER_LINEAR`, `INTER_CUBIC`, `INTER_AREA`, `INTER_NEAREST` on 8-bit images (DeepfakeBench
//!   resizes with OpenCV). OpenCV's 8-bit paths are fixed-point (11-bit coefficients) and are
//!   reproduced here to the bit, including the rounding of its vectorised row combination.
//! - `pil:bilinear`, `pil:bicubic`, `pil:nearest`: Pillow's `Image.resize` (the CNNSpot/UnivFD
//!   family): support-scaled (antialiasing) filters with 22-bit fixed-point coefficients,
//!   horizontal pass then vertical pass.
//! - `image:triangle`: the `image` crate's triangle filter, dfbench's resize before cards named
//!   one; still the default, so cards without `interpolation` keep their fingerprints.
//!
//! Every function is pure over an RGB8 buffer; coefficient tables are computed once per axis.

mod opencv;
mod opencv_area;
mod opencv_separable;
mod pil;

use image::RgbImage;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A resize method together with the library whose semantics it reproduces; written in cards as
/// its name (`"opencv:cubic"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Interpolation {
    /// The `image` crate's triangle (bilinear) filter: dfbench's historical default.
    #[default]
    ImageTriangle,
    OpencvLinear,
    OpencvCubic,
    OpencvArea,
    OpencvNearest,
    PilBilinear,
    PilBicubic,
    PilNearest,
}

impl Interpolation {
    /// Every method with its spelling in cards, in the order shown to users.
    pub const ALL: [(Interpolation, &'static str); 8] = [
        (Interpolation::OpencvLinear, "opencv:linear"),
        (Interpolation::OpencvCubic, "opencv:cubic"),
        (Interpolation::OpencvArea, "opencv:area"),
        (Interpolation::OpencvNearest, "opencv:nearest"),
        (Interpolation::PilBilinear, "pil:bilinear"),
        (Interpolation::PilBicubic, "pil:bicubic"),
        (Interpolation::PilNearest, "pil:nearest"),
        (Interpolation::ImageTriangle, "image:triangle"),
    ];

    /// The spelling used in cards, e.g. `opencv:cubic`.
    pub fn name(self) -> &'static str {
        Interpolation::ALL
            .iter()
            .find(|(method, _)| *method == self)
            .map_or("image:triangle", |(_, name)| name)
    }

    /// The accepted spellings, comma separated, for error messages.
    pub fn accepted() -> String {
        let names: Vec<&str> = Interpolation::ALL.iter().map(|(_, name)| *name).collect();
        names.join(", ")
    }
}

impl fmt::Display for Interpolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An interpolation name that is not one of [`Interpolation::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown `interpolation` `{given}`; accepted values: {}",
    Interpolation::accepted()
)]
pub struct UnknownInterpolation {
    pub given: String,
}

impl TryFrom<String> for Interpolation {
    type Error = UnknownInterpolation;

    fn try_from(text: String) -> Result<Interpolation, UnknownInterpolation> {
        text.parse()
    }
}

impl From<Interpolation> for String {
    fn from(method: Interpolation) -> String {
        method.name().to_string()
    }
}

impl FromStr for Interpolation {
    type Err = UnknownInterpolation;

    fn from_str(text: &str) -> Result<Interpolation, UnknownInterpolation> {
        Interpolation::ALL
            .iter()
            .find(|(_, name)| *name == text)
            .map(|(method, _)| *method)
            .ok_or_else(|| UnknownInterpolation {
                given: text.to_string(),
            })
    }
}

/// Resizes `image` to `width`×`height` with `method`. The same size is an exact copy, as in
/// OpenCV and Pillow; a zero target size gives an empty image.
pub fn resize(image: &RgbImage, width: u32, height: u32, method: Interpolation) -> RgbImage {
    let (src_w, src_h) = image.dimensions();
    if (src_w, src_h) == (width, height) {
        return image.clone();
    }
    if width == 0 || height == 0 || src_w == 0 || src_h == 0 {
        return RgbImage::new(width, height);
    }
    let src = Plane {
        data: image.as_raw(),
        width: src_w as usize,
        height: src_h as usize,
    };
    let (w, h) = (width as usize, height as usize);
    let pixels = match method {
        Interpolation::ImageTriangle => {
            return image::imageops::resize(
                image,
                width,
                height,
                image::imageops::FilterType::Triangle,
            );
        }
        Interpolation::OpencvLinear => opencv::resize(&src, w, h, opencv::Method::Linear),
        Interpolation::OpencvCubic => opencv::resize(&src, w, h, opencv::Method::Cubic),
        Interpolation::OpencvArea => opencv::resize(&src, w, h, opencv::Method::Area),
        Interpolation::OpencvNearest => opencv::resize(&src, w, h, opencv::Method::Nearest),
        Interpolation::PilBilinear => pil::resample(&src, w, h, pil::Filter::Bilinear),
        Interpolation::PilBicubic => pil::resample(&src, w, h, pil::Filter::Bicubic),
        Interpolation::PilNearest => pil::nearest(&src, w, h),
    };
    RgbImage::from_raw(width, height, pixels).unwrap_or_else(|| RgbImage::new(width, height))
}

/// Channels per pixel of every buffer here (RGB8).
pub(crate) const CN: usize = 3;

/// A borrowed, tightly packed RGB8 image.
pub(crate) struct Plane<'a> {
    pub data: &'a [u8],
    pub width: usize,
    pub height: usize,
}

impl Plane<'_> {
    /// Row `y` (clamped into the image) as `width × 3` bytes.
    pub fn row(&self, y: usize) -> &[u8] {
        let y = y.min(self.height - 1);
        let stride = self.width * CN;
        &self.data[y * stride..(y + 1) * stride]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_list_the_accepted_ones() {
        for (method, name) in Interpolation::ALL {
            assert_eq!(name.parse::<Interpolation>(), Ok(method));
            assert_eq!(method.to_string(), name);
        }
        let error = "cv2:cubic".parse::<Interpolation>().expect_err("unknown");
        let message = error.to_string();
        assert!(
            message.contains("cv2:cubic") && message.contains("opencv:cubic, opencv:area"),
            "{message}"
        );
    }

    #[test]
    fn every_method_gives_the_target_size_and_keeps_flat_colour() {
        let image = RgbImage::from_pixel(13, 7, image::Rgb([200, 17, 90]));
        for (method, name) in Interpolation::ALL {
            for (w, h) in [(5, 3), (29, 31), (13, 14), (26, 14), (1, 1)] {
                let out = resize(&image, w, h, method);
                assert_eq!(out.dimensions(), (w, h), "{name}");
                assert!(
                    out.pixels().all(|p| p.0 == [200, 17, 90]),
                    "{name} {w}x{h} changed a flat image"
                );
            }
        }
    }
}
