//! JPEG re-encoding as Pillow does it by default (libjpeg: IJG quality scaling of the Annex K
//! tables, 4:2:0 chroma averaged over 2×2 blocks, baseline, no optimised Huffman tables), then
//! decoded back to RGB with libjpeg-style fancy upsampling.
//!
//! Encoder and decoder both run their portable scalar code (no run-time SIMD dispatch, whose
//! output differs from it), so the bytes are the same on every worker's CPU.

use crate::image_io::RgbImage;
use jpeg_decoder::{Decoder, PixelFormat};
use jpeg_encoder::{ChromaSubsamplingMethod, ColorType, Encoder, SamplingFactor};

pub(super) fn reencode(image: &RgbImage, quality: u8) -> Result<RgbImage, String> {
    decode(&encode(image, quality)?)
}

/// The JPEG file Pillow's `save(format="JPEG", quality=quality)` would write, up to the DCT's
/// rounding.
pub fn encode(image: &RgbImage, quality: u8) -> Result<Vec<u8>, String> {
    let (width, height) = image.dimensions();
    let (Ok(width), Ok(height)) = (u16::try_from(width), u16::try_from(height)) else {
        return Err("JPEG holds at most 65535 pixels per side".to_string());
    };
    let mut bytes = Vec::with_capacity(image.as_raw().len() / 4);
    let mut encoder = Encoder::new(&mut bytes, quality);
    encoder.set_sampling_factor(SamplingFactor::F_2_2);
    encoder.set_chroma_subsampling_method(ChromaSubsamplingMethod::Average);
    encoder
        .encode(image.as_raw(), width, height, ColorType::Rgb)
        .map_err(|error| format!("JPEG encoding failed: {error}"))?;
    Ok(bytes)
}

fn decode(bytes: &[u8]) -> Result<RgbImage, String> {
    let mut decoder = Decoder::new(bytes);
    let pixels = decoder
        .decode()
        .map_err(|error| format!("decoding the re-encoded JPEG failed: {error}"))?;
    let Some(info) = decoder.info() else {
        return Err("the re-encoded JPEG has no header".to_string());
    };
    if info.pixel_format != PixelFormat::RGB24 {
        return Err(format!(
            "the re-encoded JPEG decoded to {:?}, not RGB",
            info.pixel_format
        ));
    }
    RgbImage::from_raw(u32::from(info.width), u32::from(info.height), pixels)
        .ok_or_else(|| "the re-encoded JPEG decoded to a short buffer".to_string())
}
