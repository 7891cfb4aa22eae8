//! A detector card's preprocessing (REFERENCE §4): bring a decoded RGB image to
//! `input_size`×`input_size` by its resize policy, normalise with the card's mean/std, and lay
//! the result out as a CHW float tensor in the card's channel order.
//!
//! Resizing uses the card's `interpolation` (`dfbench_benchmarks::resize`: OpenCV or Pillow
//! semantics, or the `image` crate's triangle filter when the card does not say). Crops are
//! centred. With a `pil:*` interpolation the geometry is torchvision's, as the CNNSpot/UnivFD
//! loaders (`Resize(shorter)` on a PIL image, then `CenterCrop`) compute it: the longer side
//! `int(shorter * long / short)` (truncated) and the crop offset `int(round(margin / 2))` (half to
//! even). Other cards keep dfbench's historical geometry: longer side rounded, offset rounded
//! down. Not behind the `torch` feature: it is plain CPU code, tested in every build. An image
//! smaller than the crop is padded with black first, as torchvision's `CenterCrop` does, so every
//! tensor of a batch has the same size.
//!
//! A clip card's frames each get exactly that preprocessing; [`crate::clip_tensor`] then stacks
//! them into the clip's tensor (its layout, or the thumbnail).

use crate::clip_tensor::{clip_shape, stack_clip};
use crate::detector::ClipFrames;
use dfbench_benchmarks::card::clip::ClipSpec;
use dfbench_benchmarks::card::{ChannelOrder, DetectorCard, ResizePolicy};
use dfbench_benchmarks::image_io::{RgbImage, normalize_chw};
use dfbench_benchmarks::resize::{Interpolation, resize};
use rayon::prelude::*;

/// Everything needed to turn an image into the model's input, copied out of the card.
#[derive(Debug, Clone, PartialEq)]
pub struct Preprocessing {
    pub input_size: u32,
    pub resize: ResizePolicy,
    pub resize_shorter: u32,
    pub interpolation: Interpolation,
    pub mean: [f32; 3],
    pub std: [f32; 3],
    pub channel_order: ChannelOrder,
    /// For a clip or thumbnail card: how its frames become one tensor per clip.
    pub clip: Option<ClipSpec>,
}

impl Preprocessing {
    pub fn from_card(card: &DetectorCard) -> Preprocessing {
        let (mean, std) = card.mean_std();
        Preprocessing {
            input_size: card.input_size,
            resize: card.resize,
            resize_shorter: card.resize_shorter,
            interpolation: card.interpolation,
            mean,
            std,
            channel_order: card.channel_order,
            // A lease's card was checked at planning; a broken clip section reads as images.
            clip: card.clip_spec().ok().flatten(),
        }
    }

    /// Shape of one item the model takes, without the batch axis: C×S×S for an image or a
    /// thumbnail, C×T×S×S (`bcthw`) or T×C×S×S (`btchw`) for a clip.
    pub fn item_shape(&self) -> Vec<usize> {
        let side = self.input_size as usize;
        match &self.clip {
            Some(spec) => clip_shape(spec, side),
            None => vec![3, side, side],
        }
    }

    /// Floats per item (image or clip) of a batch.
    pub fn item_len(&self) -> usize {
        self.item_shape().iter().product()
    }

    /// Frames a clip must have (`clip_size`), or None for an image card.
    pub fn clip_frames(&self) -> Option<usize> {
        self.clip.map(|spec| spec.clip_size as usize)
    }

    /// One clip (`clip_frames()` frames, in order) as the model's tensor: each frame prepared
    /// like an image, then stacked by the card's layout or tiled into its thumbnail.
    pub fn prepare_clip(&self, frames: &[&RgbImage]) -> Vec<f32> {
        let prepared: Vec<Vec<f32>> = frames.par_iter().map(|f| self.prepare(f)).collect();
        match &self.clip {
            Some(spec) => stack_clip(spec, &prepared, self.input_size as usize),
            None => prepared.concat(),
        }
    }

    /// A batch of clips as one contiguous buffer of `item_shape()` items, on the rayon pool.
    pub fn prepare_clip_batch(&self, clips: &[ClipFrames<'_>]) -> Vec<f32> {
        let per_clip: Vec<Vec<f32>> = clips.par_iter().map(|c| self.prepare_clip(c)).collect();
        per_clip.concat()
    }

    /// Floats per image: 3 × input_size².
    pub fn tensor_len(&self) -> usize {
        let side = self.input_size as usize;
        3 * side * side
    }

    /// The image as the card's `input_size`² pixels, before normalisation.
    pub fn geometry(&self, image: &RgbImage) -> RgbImage {
        let size = self.input_size;
        match self.resize {
            ResizePolicy::Resize => resize(image, size, size, self.interpolation),
            ResizePolicy::ShorterCrop => {
                let (width, height) =
                    scaled_to_shorter(image.dimensions(), self.resize_shorter, self.torchvision());
                let resized = resize(image, width, height, self.interpolation);
                pad_and_crop(&resized, size, self.torchvision())
            }
            ResizePolicy::Crop => pad_and_crop(image, size, self.torchvision()),
        }
    }

    /// Whether the crop geometry is torchvision's (cards resizing with Pillow's semantics).
    fn torchvision(&self) -> bool {
        matches!(
            self.interpolation,
            Interpolation::PilBilinear | Interpolation::PilBicubic | Interpolation::PilNearest
        )
    }

    /// One image as a normalised CHW tensor of `tensor_len()` floats.
    pub fn prepare(&self, image: &RgbImage) -> Vec<f32> {
        // Mean and std are given per channel in RGB order; BGR only reorders the planes after.
        let mut chw = normalize_chw(&self.geometry(image), self.mean, self.std);
        if self.channel_order == ChannelOrder::Bgr {
            let plane = chw.len() / 3;
            let (red, rest) = chw.split_at_mut(plane);
            red.swap_with_slice(&mut rest[plane..]);
        }
        chw
    }

    /// A batch as one contiguous NCHW buffer, images prepared in parallel on the rayon pool.
    pub fn prepare_batch(&self, images: &[&RgbImage]) -> Vec<f32> {
        let per_image: Vec<Vec<f32>> = images.par_iter().map(|i| self.prepare(i)).collect();
        per_image.concat()
    }
}

/// (width, height) scaled so the shorter side is `shorter`, at least 1 for the other side: rounded,
/// or truncated as torchvision's `Resize(int)` does (`int(shorter * long / short)`).
fn scaled_to_shorter((width, height): (u32, u32), shorter: u32, truncate: bool) -> (u32, u32) {
    let scale = |long: u32, short: u32| {
        let exact = f64::from(shorter) * f64::from(long) / f64::from(short);
        let scaled = if truncate {
            exact.trunc()
        } else {
            exact.round()
        };
        (scaled as u32).max(1)
    };
    if width <= height {
        (shorter, scale(height, width))
    } else {
        (scale(width, height), shorter)
    }
}

/// Offset of a centred crop leaving `margin` pixels: half, rounded down, or rounded half to even
/// as torchvision's `int(round(margin / 2.0))`.
fn crop_offset(margin: u32, half_to_even: bool) -> u32 {
    let half = margin / 2;
    if half_to_even && margin % 2 == 1 && half % 2 == 1 {
        half + 1
    } else {
        half
    }
}

/// Centre crop to `size`×`size`, padding with black (centred, offset rounded down) where the
/// image is smaller.
fn pad_and_crop(image: &RgbImage, size: u32, half_to_even: bool) -> RgbImage {
    let (width, height) = (image.width().min(size), image.height().min(size));
    let left = crop_offset(image.width() - width, half_to_even);
    let top = crop_offset(image.height() - height, half_to_even);
    let cropped = crop(image, left, top, width, height);
    if cropped.dimensions() == (size, size) {
        return cropped;
    }
    let mut padded = RgbImage::new(size, size);
    let left = (size - cropped.width()) / 2;
    let top = (size - cropped.height()) / 2;
    image::imageops::replace(&mut padded, &cropped, i64::from(left), i64::from(top));
    padded
}

/// The `width`×`height` region at (`left`, `top`), copied a row at a time (`crop_imm`'s
/// `to_image` copies pixel by pixel, which cost more than the normalisation after it).
fn crop(image: &RgbImage, left: u32, top: u32, width: u32, height: u32) -> RgbImage {
    if (left, top, width, height) == (0, 0, image.width(), image.height()) {
        return image.clone();
    }
    if width == 0 || height == 0 {
        return RgbImage::new(width, height);
    }
    let stride = image.width() as usize * 3;
    let (left, row_len) = (left as usize * 3, width as usize * 3);
    let mut cropped = RgbImage::new(width, height);
    let rows = image.as_raw().chunks_exact(stride).skip(top as usize);
    for (target, row) in cropped.chunks_exact_mut(row_len).zip(rows) {
        target.copy_from_slice(&row[left..left + row_len]);
    }
    cropped
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    fn preprocessing(resize: ResizePolicy, order: ChannelOrder) -> Preprocessing {
        Preprocessing {
            input_size: 4,
            resize,
            resize_shorter: 6,
            interpolation: Interpolation::default(),
            mean: [0.5, 0.25, 0.0],
            std: [0.5, 0.25, 1.0],
            channel_order: order,
            clip: None,
        }
    }

    #[test]
    fn a_cards_interpolation_is_the_resize_its_tensor_gets() {
        let text = "model = \"m.pt\"\ninput_size = 8\nresize = \"resize\"\n\
                    normalize = \"half\"\noutput = \"logit\"\n";
        let image = RgbImage::from_fn(37, 23, |x, y| {
            Rgb([
                (x * 7 % 256) as u8,
                ((x * y) % 256) as u8,
                (y * 11 % 256) as u8,
            ])
        });
        let mut tensors = Vec::new();
        for method in ["opencv:cubic", "opencv:area", "pil:bicubic", "pil:nearest"] {
            let card_text = format!("{text}interpolation = \"{method}\"\n");
            let card = DetectorCard::parse(&card_text, "card.toml").expect("card");
            let prepared = Preprocessing::from_card(&card);
            let expected = resize(&image, 8, 8, method.parse().expect("method"));
            assert_eq!(prepared.geometry(&image), expected, "{method}");
            let tensor = prepared.prepare(&image);
            assert_eq!(
                tensor,
                normalize_chw(&expected, [0.5; 3], [0.5; 3]),
                "{method}"
            );
            tensors.push(tensor);
        }
        let default = DetectorCard::parse(text, "card.toml").expect("card");
        let triangle = Preprocessing::from_card(&default).prepare(&image);
        tensors.push(triangle);
        for (index, tensor) in tensors.iter().enumerate() {
            assert!(
                tensors[index + 1..].iter().all(|other| other != tensor),
                "each interpolation gives its own tensor ({index})"
            );
        }
    }

    #[test]
    fn shorter_side_scaling_keeps_the_aspect_ratio() {
        for truncate in [false, true] {
            assert_eq!(scaled_to_shorter((300, 200), 256, truncate), (384, 256));
            assert_eq!(scaled_to_shorter((50, 50), 256, truncate), (256, 256));
        }
        // 256 × 333 / 100 = 852.48; 256 × 317 / 241 = 336.73.
        assert_eq!(scaled_to_shorter((100, 333), 256, false), (256, 852));
        assert_eq!(scaled_to_shorter((317, 241), 256, false), (337, 256));
        assert_eq!(scaled_to_shorter((317, 241), 256, true), (336, 256));
    }

    #[test]
    fn crop_offsets_round_down_or_half_to_even() {
        let offsets = |half_to_even| -> Vec<u32> {
            (0..8)
                .map(|margin| crop_offset(margin, half_to_even))
                .collect()
        };
        assert_eq!(offsets(false), [0, 0, 1, 1, 2, 2, 3, 3]);
        // Python: [int(round(m / 2.0)) for m in range(8)]
        assert_eq!(offsets(true), [0, 0, 1, 2, 2, 2, 3, 4]);
    }

    #[test]
    fn every_policy_gives_the_input_size() {
        let image = RgbImage::from_pixel(9, 3, Rgb([10, 20, 30]));
        for policy in [
            ResizePolicy::Resize,
            ResizePolicy::ShorterCrop,
            ResizePolicy::Crop,
        ] {
            let prepared = preprocessing(policy, ChannelOrder::Rgb);
            assert_eq!(prepared.geometry(&image).dimensions(), (4, 4), "{policy:?}");
            assert_eq!(prepared.prepare(&image).len(), prepared.tensor_len());
        }
    }

    #[test]
    fn crop_pads_small_images_with_black_centred() {
        let image = RgbImage::from_pixel(2, 6, Rgb([255, 255, 255]));
        let cropped = preprocessing(ResizePolicy::Crop, ChannelOrder::Rgb).geometry(&image);
        let white_columns: Vec<u32> = (0..4)
            .filter(|&x| cropped.get_pixel(x, 0)[0] == 255)
            .collect();
        assert_eq!(white_columns, vec![1, 2]);
        assert!((0..4).all(|y| cropped.get_pixel(0, y)[0] == 0));
    }

    #[test]
    fn normalises_per_channel_and_swaps_planes_for_bgr() {
        let image = RgbImage::from_pixel(4, 4, Rgb([255, 0, 51]));
        let rgb = preprocessing(ResizePolicy::Crop, ChannelOrder::Rgb).prepare(&image);
        // (1 − 0.5)/0.5, (0 − 0.25)/0.25, (0.2 − 0)/1
        let expected = [1.0f32, -1.0, 0.2];
        for (channel, value) in expected.iter().enumerate() {
            assert!(
                (rgb[channel * 16] - value).abs() < 1e-6,
                "{channel}: {rgb:?}"
            );
        }
        let bgr = preprocessing(ResizePolicy::Crop, ChannelOrder::Bgr).prepare(&image);
        assert_eq!(bgr[..16], rgb[32..]);
        assert_eq!(bgr[16..32], rgb[16..32]);
        assert_eq!(bgr[32..], rgb[..16]);
        let batch =
            preprocessing(ResizePolicy::Crop, ChannelOrder::Rgb).prepare_batch(&[&image, &image]);
        assert_eq!(batch[..48], rgb[..]);
        assert_eq!(batch[48..], rgb[..]);
    }
}
