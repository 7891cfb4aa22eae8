//! Clip cards: how a video detector reads a video, and how a video's selected frames are cut
//! into the clips it scores.
//!
//! ```toml
//! input = "clip"            # "image" (default) | "clip" | "thumbnail"
//! clip_size = 16            # frames per clip (DeepfakeBench: I3D 16, STIL 8, X-CLIP 32, TALL 4)
//! clip_stride = 16          # least distance between two clip starts; default clip_size
//! clips_per_video = "all"   # "all" that fit at that distance, or at most N
//! layout = "bcthw"          # clip: the tensor the model takes, "bcthw" or "btchw"
//! # grid = "2x2"            # thumbnail: rows x cols, clip_size = rows * cols (TALL)
//! ```
//!
//! **Clips.** A video's n selected frames (in frame order, see
//! [`crate::adapter::frames::FrameSelection::indices`] with a clip reader) give
//! c = ⌊(n − k) / stride⌋ + 1 clips of k = `clip_size` consecutive frames (at most N with
//! `clips_per_video = N`), spread evenly with DeepfakeBench's test-time rule: clip i starts at
//! i · ⌊(n − k) / (c − 1)⌋. With the default stride (k) this is DeepfakeBench exactly: ⌊n/k⌋
//! clips, e.g. 30 frames and k = 8 start at 0, 11, 22. A video of fewer than k frames has no
//! clip: [`VideoTooShort`], recorded as `video_too_short` (DeepfakeBench skips it with a print).
//!
//! **Per-frame preprocessing** is the image card's: `input_size`, `resize`, `interpolation`,
//! normalisation and channel order apply to every frame of a clip.
//!
//! **Thumbnails (TALL).** DeepfakeBench's TALL resizes each frame to `resolution` in its loader
//! (OpenCV cubic) and normalises it; the model then tiles the k frames row-major (frame 0 top
//! left, then left to right, top to bottom) into a (rows · size) × (cols · size) image and
//! resizes that tile bilinearly back to size × size (`interpolate(mode='bilinear',
//! align_corners=False)` on the normalised tensor). So: resize each frame, then tile, then resize
//! the tile. A `thumbnail` card means dfbench builds that tiled image for the model; a
//! TorchScript export of DeepfakeBench's whole TALL module builds it itself and takes
//! B × T × C × H × W: describe such a model as `input = "clip"`, `layout = "btchw"`.

use crate::failure::FailureKind;

mod fields;
pub use fields::{ClipLayout, ClipsPerVideo, Grid, InputKind};

/// A clip or thumbnail card's clip fields with their defaults applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClipSpec {
    pub input: InputKind,
    pub clip_size: u32,
    pub clip_stride: u32,
    pub clips_per_video: ClipsPerVideo,
    /// Set for `input = "clip"`.
    pub layout: Option<ClipLayout>,
    /// Set for `input = "thumbnail"`.
    pub grid: Option<Grid>,
}

/// One clip of a video: its number in the video and the frame indices it reads, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clip {
    pub index: usize,
    pub frames: Vec<usize>,
}

/// A video with fewer selected frames than one clip.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the video has {frames} selected frame(s), fewer than one clip of {clip_size}")]
pub struct VideoTooShort {
    pub frames: usize,
    pub clip_size: usize,
}

impl VideoTooShort {
    /// How the video's prediction is recorded.
    pub fn failure_kind(&self) -> FailureKind {
        FailureKind::VideoTooShort
    }
}

impl ClipSpec {
    /// Cuts a video's selected frame indices (in frame order) into clips (module docs).
    pub fn cut(&self, selected: &[usize]) -> Result<Vec<Clip>, VideoTooShort> {
        let frames = selected.len();
        let size = self.clip_size as usize;
        if size == 0 || frames < size {
            return Err(VideoTooShort {
                frames,
                clip_size: size,
            });
        }
        let room = frames - size;
        let fit = room / (self.clip_stride.max(1) as usize) + 1;
        let count = match self.clips_per_video {
            ClipsPerVideo::All => fit,
            ClipsPerVideo::AtMost(most) => fit.min(most as usize),
        };
        let spacing = if count > 1 { room / (count - 1) } else { 1 };
        Ok(selected
            .windows(size)
            .step_by(spacing.max(1))
            .take(count)
            .enumerate()
            .map(|(index, window)| Clip {
                index,
                frames: window.to_vec(),
            })
            .collect())
    }

    /// The clip fields for the preprocessing fingerprint (defaults written out, so a card that
    /// spells a default and one that omits it fingerprint the same).
    pub fn signature(&self) -> String {
        let shape = match (self.layout, self.grid) {
            (Some(layout), _) => format!(";layout={layout:?}"),
            (None, Some(grid)) => format!(";grid={grid}"),
            (None, None) => String::new(),
        };
        format!(
            ";input={:?};clip_size={};clip_stride={};clips={}{shape}",
            self.input, self.clip_size, self.clip_stride, self.clips_per_video
        )
    }
}

#[cfg(test)]
mod tests;
