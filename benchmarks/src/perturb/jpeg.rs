//! JPEG re-encoding as Pillow does it by default (libjpeg: IJG quality scaling of the Annex K
//! tables, 4:2:0 chroma averaged over 2×2 blocks, baseline, no optimised Huffman tables), then
//! decoded back to RGB with the same decoder that reads dataset files.

use crate::image_io::{RgbImage, decode_rgb_bytes};
use jpeg_encoder::{ChromaSubsamplingMethod, ColorType, Encoder, SamplingFactor};

pub(super) fn reencode(image: &RgbImage, quality: u8) -> Result<RgbImage, String> {
    let bytes = encode(image, quality)?;
    decode_rgb_bytes(&bytes, std::path::Path::new("the re-encoded JPEG"))
        .map_err(|error| error.to_string())
}

/// The JPEG file Pillow's `save(format="JPEG", quality=quality)` would write, byte for byte up
/// to the encoder's DCT rounding.
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
