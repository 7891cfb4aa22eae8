//! Image decoding and preprocessing shared by every detector runtime.

use crate::FailureKind;
pub use image::RgbImage;
use std::path::{Path, PathBuf};

/// Why an image could not be turned into pixels. Kept typed so a failed prediction says why.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot decode {path}: {message}")]
    Format { path: PathBuf, message: String },
    #[error("image {path} is empty ({width}x{height})")]
    Empty {
        path: PathBuf,
        width: u32,
        height: u32,
    },
    #[error(
        "{path}: .{extension} images are not supported (dfbench decodes {}); convert them to PNG or remove them from the dataset",
        crate::adapter::IMAGE_EXTENSIONS.join(", ")
    )]
    Unsupported { path: PathBuf, extension: String },
}

/// Image formats dfbench does not decode. Folder layouts list such files as samples, so each
/// becomes a recorded `unsupported_format` failure instead of being dropped unseen.
pub const UNSUPPORTED_IMAGE_EXTENSIONS: &[&str] = &[
    "webp", "gif", "bmp", "tif", "tiff", "heic", "heif", "avif", "jxl", "jp2",
];

/// The lowercase extension of `path` when it names an image format dfbench does not decode.
pub fn unsupported_extension(path: &Path) -> Option<String> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    UNSUPPORTED_IMAGE_EXTENSIONS
        .contains(&extension.as_str())
        .then_some(extension)
}

impl DecodeError {
    /// Stable machine-readable reason, stored with the failed prediction.
    pub fn kind(&self) -> FailureKind {
        match self {
            DecodeError::Io { .. } => FailureKind::FileUnreadable,
            DecodeError::Format { .. } | DecodeError::Empty { .. } => FailureKind::DecodeError,
            DecodeError::Unsupported { .. } => FailureKind::UnsupportedFormat,
        }
    }
}

/// Reads and decodes a PNG or JPEG file into 8-bit RGB; a file named as an unsupported image
/// format is refused without reading it.
pub fn decode_rgb(path: &Path) -> Result<RgbImage, DecodeError> {
    if let Some(extension) = unsupported_extension(path) {
        return Err(DecodeError::Unsupported {
            path: path.to_path_buf(),
            extension,
        });
    }
    let bytes = std::fs::read(path).map_err(|source| DecodeError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    decode_rgb_bytes(&bytes, path)
}

/// Decodes image bytes; `path` only names the image in errors.
pub fn decode_rgb_bytes(bytes: &[u8], path: &Path) -> Result<RgbImage, DecodeError> {
    let decoded = image::load_from_memory(bytes).map_err(|error| DecodeError::Format {
        path: path.to_path_buf(),
        message: error.to_string(),
    })?;
    let rgb = decoded.into_rgb8();
    if rgb.width() == 0 || rgb.height() == 0 {
        return Err(DecodeError::Empty {
            path: path.to_path_buf(),
            width: rgb.width(),
            height: rgb.height(),
        });
    }
    Ok(rgb)
}

/// Bilinear resize to `width`×`height` (identity when the size already matches).
pub fn resize(image: &RgbImage, width: u32, height: u32) -> RgbImage {
    if image.width() == width && image.height() == height {
        return image.clone();
    }
    image::imageops::resize(image, width, height, image::imageops::FilterType::Triangle)
}

/// Centre crop to at most `size`×`size` (smaller sides are kept as they are).
pub fn center_crop(image: &RgbImage, size: u32) -> RgbImage {
    let width = image.width().min(size);
    let height = image.height().min(size);
    let left = (image.width() - width) / 2;
    let top = (image.height() - height) / 2;
    image::imageops::crop_imm(image, left, top, width, height).to_image()
}

/// Luma in [0, 255] as f32, row-major, with ITU-R BT.601 weights.
pub fn to_gray_f32(image: &RgbImage) -> Vec<f32> {
    image
        .pixels()
        .map(|p| 0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2]))
        .collect()
}

/// CHW float tensor: (pixel / 255 − mean[c]) / std[c].
pub fn normalize_chw(image: &RgbImage, mean: [f32; 3], std: [f32; 3]) -> Vec<f32> {
    let plane = (image.width() * image.height()) as usize;
    let mut out = vec![0.0f32; plane * 3];
    for (index, pixel) in image.pixels().enumerate() {
        for channel in 0..3 {
            let value = f32::from(pixel[channel]) / 255.0;
            out[channel * plane + index] = (value - mean[channel]) / std[channel];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrupt_bytes_are_a_typed_decode_error() {
        let error = decode_rgb_bytes(b"\x89PNG\r\n\x1a\nnot really", Path::new("x.png"))
            .expect_err("corrupt");
        assert_eq!(error.kind(), FailureKind::DecodeError);
        assert!(error.to_string().contains("x.png"));
    }

    #[test]
    fn missing_file_is_unreadable() {
        let error = decode_rgb(Path::new("/nonexistent/a.png")).expect_err("missing");
        assert_eq!(error.kind(), FailureKind::FileUnreadable);
    }

    #[test]
    fn png_round_trip_and_normalise() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.png");
        let mut image = RgbImage::new(4, 2);
        image.put_pixel(1, 0, image::Rgb([255, 0, 51]));
        image.save(&path).expect("save");
        let decoded = decode_rgb(&path).expect("decode");
        assert_eq!(decoded, image);
        let chw = normalize_chw(&decoded, [0.5; 3], [0.5; 3]);
        assert_eq!(chw.len(), 24);
        assert!((chw[1] - 1.0).abs() < 1e-6);
        assert!((chw[8 + 1] + 1.0).abs() < 1e-6);
        assert_eq!(center_crop(&decoded, 2).dimensions(), (2, 2));
    }
}
