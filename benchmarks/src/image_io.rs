//! Image decoding and preprocessing shared by every detector runtime.
//!
//! Decoding is bounded and strict: the dimensions are read from the header first and an image
//! above [`DEFAULT_MAX_PIXELS`] is refused before any pixel buffer exists (`image_too_large`),
//! and a PNG or JPEG whose data ends early is refused (`truncated_image`) instead of being
//! decoded to a padded image.
//!
//! What a dataset decodes under travels as [`DecodeOptions`]: its pixel limit (`max_pixels`,
//! default [`DEFAULT_MAX_PIXELS`]) and whether the EXIF Orientation tag is applied
//! ([`ExifOrientation`]; JPEG APP1 and PNG eXIf), each settable per dataset in a suite.

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
    #[error(
        "{path} declares {width}x{height} pixels ({} megapixels), above the dataset's decode limit of {max_pixels} pixels ({} megapixels); it is not decoded (a decompression bomb, or far larger than any benchmark image): resize it, remove it from the dataset, or raise the limit with `max_pixels = N` in the suite's [[datasets]] entry (at most {MAX_PIXELS_UPPER_BOUND})",
        (*width as u64 * *height as u64) / 1_000_000,
        max_pixels / 1_000_000
    )]
    TooLarge {
        path: PathBuf,
        width: u32,
        height: u32,
        max_pixels: u64,
    },
    #[error(
        "{path} is truncated: its {format} data ends before the image does ({detail}); re-encode or re-download it, or remove it from the dataset"
    )]
    Truncated {
        path: PathBuf,
        format: &'static str,
        detail: String,
    },
}

/// The most pixels (width × height) an image may declare to be decoded: 64 megapixels, above
/// every image of the benchmarks dfbench supports.
pub const DEFAULT_MAX_PIXELS: u64 = 64_000_000;

/// The largest `max_pixels` a suite may set: 1 gigapixel (3 GiB of RGB for one image, more
/// than a worker's decode budget).
pub const MAX_PIXELS_UPPER_BOUND: u64 = 1_000_000_000;

/// Whether decoding applies the EXIF Orientation tag (rotating/flipping the pixels as a camera
/// asked): `apply` is OpenCV's `cv2.imread` (DeepfakeBench's loaders), `ignore` PIL's
/// `Image.open` (CNNSpot, UnivFD, DIRE loaders).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExifOrientation {
    Apply,
    Ignore,
}

impl ExifOrientation {
    /// The suite / wire spelling: `apply` or `ignore`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExifOrientation::Apply => "apply",
            ExifOrientation::Ignore => "ignore",
        }
    }

    /// Reads the suite / wire spelling; `None` for anything else.
    pub fn parse(text: &str) -> Option<ExifOrientation> {
        match text {
            "apply" => Some(ExifOrientation::Apply),
            "ignore" => Some(ExifOrientation::Ignore),
            _ => None,
        }
    }
}

impl std::fmt::Display for ExifOrientation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Version of how dfbench turns a file into the pixels a detector prepares: its decoders, its
/// resize implementations ([`crate::resize`]) and the bytes of each perturbation. It is part of
/// every dataset fingerprint ([`DecodeOptions::fingerprint_suffix`]), hence of the key a
/// prediction is reused under, so a change to any of them recomputes instead of serving scores
/// computed the old way: bump the part that changed whenever one output byte can differ.
/// History: before this string existed (no suffix) = `decode=image-0.25;resize=1;noise=1`;
/// `noise=2` draws the rounded noise from a table (`perturb::noise`).
pub const PREPROCESSING_VERSION: &str = "decode=image-0.25;resize=1;noise=2";

/// How a dataset's images are decoded: the pixel limit checked from the header and the EXIF
/// orientation rule. The default (64 MP, `ignore`) is how dfbench decoded before either was
/// settable, so it adds nothing to a fingerprint but the [`PREPROCESSING_VERSION`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DecodeOptions {
    pub max_pixels: u64,
    pub exif_orientation: ExifOrientation,
}

impl Default for DecodeOptions {
    fn default() -> DecodeOptions {
        DecodeOptions {
            max_pixels: DEFAULT_MAX_PIXELS,
            exif_orientation: ExifOrientation::Ignore,
        }
    }
}

impl DecodeOptions {
    /// What the options add to a dataset fingerprint: `;preprocessing=`[`PREPROCESSING_VERSION`],
    /// then `;exif_orientation=apply` and/or `;max_pixels=N` when not at the default, so
    /// predictions decoded another way, or by another implementation, are never reused for one
    /// another.
    pub fn fingerprint_suffix(&self) -> String {
        let mut suffix = format!(";preprocessing={PREPROCESSING_VERSION}");
        if self.exif_orientation != ExifOrientation::Ignore {
            suffix.push_str(";exif_orientation=");
            suffix.push_str(self.exif_orientation.as_str());
        }
        if self.max_pixels != DEFAULT_MAX_PIXELS {
            suffix.push_str(&format!(";max_pixels={}", self.max_pixels));
        }
        suffix
    }
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
            DecodeError::TooLarge { .. } => FailureKind::ImageTooLarge,
            DecodeError::Truncated { .. } => FailureKind::TruncatedImage,
        }
    }
}

/// Reads and decodes a PNG or JPEG file into 8-bit RGB; a file named as an unsupported image
/// format is refused without reading it.
pub fn decode_rgb(path: &Path) -> Result<RgbImage, DecodeError> {
    decode_rgb_with(path, DecodeOptions::default())
}

/// [`decode_rgb`] under a dataset's [`DecodeOptions`].
pub fn decode_rgb_with(path: &Path, options: DecodeOptions) -> Result<RgbImage, DecodeError> {
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
    decode_rgb_bytes_with(&bytes, path, options)
}

/// Width × height as the file's header declares them, read without decoding any pixel; `None`
/// when the header cannot be read (decoding will say why).
pub fn declared_pixels(path: &Path) -> Option<u64> {
    image::image_dimensions(path)
        .ok()
        .map(|(width, height)| u64::from(width) * u64::from(height))
}

/// Decodes image bytes under [`DEFAULT_MAX_PIXELS`]; `path` only names the image in errors.
pub fn decode_rgb_bytes(bytes: &[u8], path: &Path) -> Result<RgbImage, DecodeError> {
    decode_rgb_bytes_limited(bytes, path, DEFAULT_MAX_PIXELS)
}

/// Decodes image bytes: the header's dimensions are checked against `max_pixels` before any
/// pixel is allocated, and truncated PNG/JPEG data is an error, never a padded image.
pub fn decode_rgb_bytes_limited(
    bytes: &[u8],
    path: &Path,
    max_pixels: u64,
) -> Result<RgbImage, DecodeError> {
    let options = DecodeOptions {
        max_pixels,
        ..DecodeOptions::default()
    };
    decode_rgb_bytes_with(bytes, path, options)
}

/// Decodes image bytes under `options`: the header's dimensions are checked against
/// `options.max_pixels` before any pixel is allocated, truncated PNG/JPEG data is an error, and
/// with [`ExifOrientation::Apply`] the EXIF Orientation tag (JPEG APP1, PNG eXIf) rotates or
/// flips the decoded pixels as OpenCV's `imread` does.
pub fn decode_rgb_bytes_with(
    bytes: &[u8],
    path: &Path,
    options: DecodeOptions,
) -> Result<RgbImage, DecodeError> {
    let max_pixels = options.max_pixels;
    let format_error = |error: image::ImageError| DecodeError::Format {
        path: path.to_path_buf(),
        message: error.to_string(),
    };
    let format = image::guess_format(bytes).map_err(format_error)?;
    let reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let (width, height) = reader.into_dimensions().map_err(format_error)?;
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(DecodeError::TooLarge {
            path: path.to_path_buf(),
            width,
            height,
            max_pixels,
        });
    }
    if let Some((format, detail)) = truncation(bytes, format) {
        return Err(DecodeError::Truncated {
            path: path.to_path_buf(),
            format,
            detail,
        });
    }
    let orientation = match options.exif_orientation {
        ExifOrientation::Ignore => image::metadata::Orientation::NoTransforms,
        // An unreadable or absent tag leaves the pixels as stored (what OpenCV does).
        ExifOrientation::Apply => {
            image::ImageReader::with_format(std::io::Cursor::new(bytes), format)
                .into_decoder()
                .and_then(|mut decoder| image::ImageDecoder::orientation(&mut decoder))
                .unwrap_or(image::metadata::Orientation::NoTransforms)
        }
    };
    let mut decoded = image::load_from_memory_with_format(bytes, format).map_err(|error| {
        match (format, &error) {
            // The PNG decoder stops at the end of the file with an I/O error.
            (image::ImageFormat::Png, image::ImageError::IoError(io))
                if io.kind() == std::io::ErrorKind::UnexpectedEof =>
            {
                DecodeError::Truncated {
                    path: path.to_path_buf(),
                    format: "PNG",
                    detail: io.to_string(),
                }
            }
            _ => format_error(error),
        }
    })?;
    decoded.apply_orientation(orientation);
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

/// Why `bytes` are a truncated JPEG, found from the file's structure (the JPEG decoder pads a
/// short scan silently; the PNG decoder reports the early end itself): a JPEG must hold an
/// end-of-image marker (`FF D9`) after its last start-of-scan (`FF DA`; entropy-coded data never
/// holds either, so an embedded EXIF thumbnail's end marker, which comes before the main
/// image's scans, does not count).
fn truncation(bytes: &[u8], format: image::ImageFormat) -> Option<(&'static str, String)> {
    match format {
        image::ImageFormat::Jpeg => {
            let last_scan = bytes.windows(2).rposition(|pair| pair == [0xFF, 0xDA])?;
            let ended = bytes[last_scan..]
                .windows(2)
                .any(|pair| pair == [0xFF, 0xD9]);
            (!ended).then(|| {
                (
                    "JPEG",
                    format!(
                        "no end-of-image marker after the scan at byte {last_scan} of {}",
                        bytes.len()
                    ),
                )
            })
        }
        _ => None,
    }
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

/// CHW float tensor: (pixel / 255 − mean[c]) / std[c], each channel's 256 possible values
/// computed once (the same f32 operations per value, so the same bits as computing each pixel).
pub fn normalize_chw(image: &RgbImage, mean: [f32; 3], std: [f32; 3]) -> Vec<f32> {
    let plane = (image.width() * image.height()) as usize;
    let tables: [[f32; 256]; 3] = std::array::from_fn(|channel| {
        std::array::from_fn(|value| normalized(value as u8, mean[channel], std[channel]))
    });
    let mut out = vec![0.0f32; plane * 3];
    let (red, rest) = out.split_at_mut(plane);
    let (green, blue) = rest.split_at_mut(plane);
    let planes = red.iter_mut().zip(green.iter_mut()).zip(blue.iter_mut());
    for (((r, g), b), pixel) in planes.zip(image.as_raw().chunks_exact(3)) {
        *r = tables[0][usize::from(pixel[0])];
        *g = tables[1][usize::from(pixel[1])];
        *b = tables[2][usize::from(pixel[2])];
    }
    out
}

/// One value of [`normalize_chw`]: (value / 255 − mean) / std in f32.
fn normalized(value: u8, mean: f32, std: f32) -> f32 {
    (f32::from(value) / 255.0 - mean) / std
}

/// Hostile files for tests (here and in other crates' tests): built in memory, never large.
#[doc(hidden)]
pub mod test_files {
    /// CRC-32 (IEEE) of a PNG chunk's type and data.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for byte in bytes {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        let body: Vec<u8> = kind.iter().chain(data).copied().collect();
        out.extend(&body);
        out.extend(crc32(&body).to_be_bytes());
        out
    }

    /// A PNG of a few hundred bytes whose header declares `width`×`height` RGB pixels (a
    /// decompression bomb's header; its data holds one short row).
    pub fn header_bomb_png(width: u32, height: u32) -> Vec<u8> {
        let mut ihdr = width.to_be_bytes().to_vec();
        ihdr.extend(height.to_be_bytes());
        ihdr.extend([8, 2, 0, 0, 0]);
        // A stored (uncompressed) deflate block of one row's zeros: valid data, far too short.
        let row = vec![0u8; 64];
        let mut idat = vec![0x78, 0x01, 0x00];
        idat.extend((row.len() as u16).to_le_bytes());
        idat.extend((!(row.len() as u16)).to_le_bytes());
        idat.extend(&row);
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(chunk(b"IHDR", &ihdr));
        png.extend(chunk(b"IDAT", &idat));
        png.extend(chunk(b"IEND", &[]));
        png
    }

    /// `jpeg` (a baseline JPEG starting with SOI) with an EXIF APP1 segment spliced in right
    /// after SOI whose IFD0 holds one Orientation tag (0x0112) of value `orientation` (1–8;
    /// 6 = rotate 90° clockwise), as a camera writes it. Big-endian TIFF, one IFD entry.
    pub fn jpeg_with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
        let mut tiff = b"MM\0\x2a".to_vec();
        tiff.extend(8u32.to_be_bytes()); // IFD0 right after the header
        tiff.extend(1u16.to_be_bytes()); // one entry
        tiff.extend(0x0112u16.to_be_bytes()); // Orientation
        tiff.extend(3u16.to_be_bytes()); // SHORT
        tiff.extend(1u32.to_be_bytes()); // count
        tiff.extend(orientation.to_be_bytes());
        tiff.extend([0, 0]); // value padded to 4 bytes
        tiff.extend(0u32.to_be_bytes()); // no next IFD
        let mut payload = b"Exif\0\0".to_vec();
        payload.extend(tiff);
        let mut out = jpeg[..2].to_vec();
        out.extend([0xFF, 0xE1]);
        out.extend(((payload.len() + 2) as u16).to_be_bytes());
        out.extend(payload);
        out.extend(&jpeg[2..]);
        out
    }

    /// The first half of `bytes` (a truncated file).
    pub fn truncated(bytes: &[u8]) -> Vec<u8> {
        bytes[..bytes.len() / 2].to_vec()
    }
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

    /// The tables give exactly the bits of the formula, for every value of every channel.
    #[test]
    fn normalize_chw_is_the_formula_bit_for_bit() {
        let (mean, std) = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]);
        let image = RgbImage::from_fn(256, 2, |x, y| {
            let v = x as u8;
            image::Rgb([v, v.wrapping_add(y as u8 * 85), 255 - v])
        });
        let chw = normalize_chw(&image, mean, std);
        let plane = 512;
        for (index, pixel) in image.pixels().enumerate() {
            for channel in 0..3 {
                let value = f32::from(pixel[channel]) / 255.0;
                let expected = (value - mean[channel]) / std[channel];
                assert_eq!(chw[channel * plane + index].to_bits(), expected.to_bits());
            }
        }
    }

    #[test]
    fn a_header_bomb_is_too_large_before_any_pixel_is_allocated() {
        let bomb = test_files::header_bomb_png(20_000, 20_000);
        assert!(bomb.len() < 1000, "{} bytes", bomb.len());
        let error = decode_rgb_bytes(&bomb, Path::new("bomb.png")).expect_err("refused");
        assert_eq!(error.kind(), FailureKind::ImageTooLarge, "{error}");
        let message = error.to_string();
        assert!(
            message.contains("bomb.png") && message.contains("20000x20000"),
            "{message}"
        );
        // A per-dataset limit lowers it.
        let small = encoded(image::ImageFormat::Png);
        let error = decode_rgb_bytes_limited(&small, Path::new("s.png"), 100).expect_err("limit");
        assert_eq!(error.kind(), FailureKind::ImageTooLarge, "{error}");
    }

    /// A 64x64 noisy image encoded as `format`.
    fn encoded(format: image::ImageFormat) -> Vec<u8> {
        let image = RgbImage::from_fn(64, 64, |x, y| {
            let value = ((x * 37 + y * 91) ^ (x * y)) as u8;
            image::Rgb([value, value.wrapping_mul(3), value.wrapping_add(71)])
        });
        let mut bytes = std::io::Cursor::new(Vec::new());
        image.write_to(&mut bytes, format).expect("encode");
        bytes.into_inner()
    }

    /// A non-square JPEG tagged EXIF orientation 6 decodes rotated (90° clockwise) under
    /// `apply` and as stored under `ignore`; a rotation moves the top-left corner's colour to
    /// the top-right.
    #[test]
    fn exif_orientation_six_rotates_only_under_apply() {
        let stored = RgbImage::from_fn(64, 32, |x, y| {
            if x < 16 && y < 16 {
                image::Rgb([250, 10, 10])
            } else {
                image::Rgb([10, 10, 250])
            }
        });
        let mut bytes = std::io::Cursor::new(Vec::new());
        stored
            .write_to(&mut bytes, image::ImageFormat::Jpeg)
            .expect("encode");
        let tagged = test_files::jpeg_with_exif_orientation(&bytes.into_inner(), 6);
        let path = Path::new("rotated.jpg");
        let ignore = DecodeOptions::default();
        let apply = DecodeOptions {
            exif_orientation: ExifOrientation::Apply,
            ..DecodeOptions::default()
        };
        let as_stored = decode_rgb_bytes_with(&tagged, path, ignore).expect("ignore");
        assert_eq!(as_stored.dimensions(), (64, 32));
        let rotated = decode_rgb_bytes_with(&tagged, path, apply).expect("apply");
        assert_eq!(rotated.dimensions(), (32, 64));
        let red = |pixel: &image::Rgb<u8>| pixel[0] > 200 && pixel[2] < 60;
        assert!(red(as_stored.get_pixel(2, 2)));
        assert!(
            red(rotated.get_pixel(29, 2)),
            "{:?}",
            rotated.get_pixel(29, 2)
        );
        assert!(!red(rotated.get_pixel(2, 2)));
        // The limit counts the same pixels either way; an untagged JPEG is left as it is.
        let error = decode_rgb_bytes_with(
            &tagged,
            path,
            DecodeOptions {
                max_pixels: 2047,
                ..apply
            },
        )
        .expect_err("over the limit");
        assert_eq!(error.kind(), FailureKind::ImageTooLarge);
        assert!(error.to_string().contains("max_pixels"), "{error}");
        let plain = encoded(image::ImageFormat::Jpeg);
        assert_eq!(
            decode_rgb_bytes_with(&plain, path, apply)
                .expect("plain")
                .dimensions(),
            (64, 64)
        );
        let version = format!(";preprocessing={PREPROCESSING_VERSION}");
        assert_eq!(
            apply.fingerprint_suffix(),
            format!("{version};exif_orientation=apply")
        );
        assert_eq!(ignore.fingerprint_suffix(), version);
    }

    #[test]
    fn truncated_png_and_jpeg_are_refused_whole_ones_decode() {
        for (format, name) in [
            (image::ImageFormat::Png, "half.png"),
            (image::ImageFormat::Jpeg, "half.jpg"),
        ] {
            let whole = encoded(format);
            let decoded = decode_rgb_bytes(&whole, Path::new(name)).expect("whole decodes");
            assert_eq!(decoded.dimensions(), (64, 64));
            let half = &whole[..whole.len() / 2];
            let error = decode_rgb_bytes(half, Path::new(name)).expect_err("truncated");
            assert_eq!(error.kind(), FailureKind::TruncatedImage, "{name}: {error}");
            assert!(error.to_string().contains(name), "{error}");
        }
    }
}
