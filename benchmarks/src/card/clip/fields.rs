//! The clip fields of a detector card as written (`input`, `clips_per_video`, `layout`,
//! `grid`) and their validation into a [`ClipSpec`]; what they mean is in [`super`].

use super::ClipSpec;
use crate::card::DetectorCard;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The most frames a clip (or a stride) may span.
const MAX_CLIP_FRAMES: u32 = 1024;

/// What a detector takes per forward pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    /// One frame or still image.
    #[default]
    Image,
    /// `clip_size` consecutive frames as one tensor in `layout`.
    Clip,
    /// `clip_size` consecutive frames tiled into one image by `grid`.
    Thumbnail,
}

impl InputKind {
    pub fn is_image(&self) -> bool {
        *self == InputKind::Image
    }

    /// The stored spelling (`image`, `clip`, `thumbnail`).
    pub fn as_str(&self) -> &'static str {
        match self {
            InputKind::Image => "image",
            InputKind::Clip => "clip",
            InputKind::Thumbnail => "thumbnail",
        }
    }

    /// Reads a stored spelling; None for anything else.
    pub fn parse(text: &str) -> Option<InputKind> {
        match text {
            "image" => Some(InputKind::Image),
            "clip" => Some(InputKind::Clip),
            "thumbnail" => Some(InputKind::Thumbnail),
            _ => None,
        }
    }
}

impl fmt::Display for InputKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The tensor a clip model takes (B = clips in the batch, T = frames of a clip).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClipLayout {
    /// B × C × T × H × W: what a bare 3D ConvNet takes (a TorchScript export of the network).
    Bcthw,
    /// B × T × C × H × W: frame-wise backbones (TimeSformer, VideoMAE, X-CLIP, TALL) and
    /// DeepfakeBench's video detectors, whose forward permutes to B × C × T itself (I3D,
    /// AltFreezing as `dfbench import` exports them).
    Btchw,
}

/// How many clips of a video are scored: all that fit at the stride, or at most N.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ClipsWritten", into = "ClipsWritten")]
pub enum ClipsPerVideo {
    All,
    AtMost(u32),
}

/// `clips_per_video` as written: the word `all` or a number.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
enum ClipsWritten {
    Count(i64),
    Word(String),
}

impl TryFrom<ClipsWritten> for ClipsPerVideo {
    type Error = String;

    fn try_from(written: ClipsWritten) -> Result<Self, Self::Error> {
        match written {
            ClipsWritten::Word(word) if word == "all" => Ok(ClipsPerVideo::All),
            ClipsWritten::Count(count) if count >= 1 => u32::try_from(count)
                .map(ClipsPerVideo::AtMost)
                .map_err(|_| format!("clips_per_video = {count} is too large")),
            ClipsWritten::Count(count) => Err(format!(
                "clips_per_video = {count}: use \"all\" or a positive number of clips"
            )),
            ClipsWritten::Word(word) => Err(format!(
                "clips_per_video = \"{word}\": use \"all\" or a positive number of clips"
            )),
        }
    }
}

impl From<ClipsPerVideo> for ClipsWritten {
    fn from(clips: ClipsPerVideo) -> ClipsWritten {
        match clips {
            ClipsPerVideo::All => ClipsWritten::Word("all".to_string()),
            ClipsPerVideo::AtMost(count) => ClipsWritten::Count(i64::from(count)),
        }
    }
}

impl fmt::Display for ClipsPerVideo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClipsPerVideo::All => write!(f, "all"),
            ClipsPerVideo::AtMost(count) => write!(f, "{count}"),
        }
    }
}

/// A thumbnail's tiling, written `ROWSxCOLS` (TALL: `2x2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Grid {
    pub rows: u32,
    pub cols: u32,
}

impl Grid {
    /// Frames one thumbnail holds.
    pub fn frames(&self) -> u32 {
        self.rows * self.cols
    }
}

impl TryFrom<String> for Grid {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        let bad = || {
            format!("grid = \"{text}\": write ROWSxCOLS with each between 1 and 8, e.g. \"2x2\"")
        };
        let (rows, cols) = text.split_once('x').ok_or_else(bad)?;
        let rows: u32 = rows.parse().map_err(|_| bad())?;
        let cols: u32 = cols.parse().map_err(|_| bad())?;
        if !(1..=8).contains(&rows) || !(1..=8).contains(&cols) {
            return Err(bad());
        }
        Ok(Grid { rows, cols })
    }
}

impl From<Grid> for String {
    fn from(grid: Grid) -> String {
        grid.to_string()
    }
}

impl fmt::Display for Grid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.rows, self.cols)
    }
}

impl DetectorCard {
    /// The clip fields with defaults applied: `None` for an image card, every problem (each
    /// naming its field) for clip fields that are missing, out of range or do not apply.
    pub fn clip_spec(&self) -> Result<Option<ClipSpec>, Vec<String>> {
        let mut problems = Vec::new();
        let written = [
            ("clip_size", self.clip_size.is_some()),
            ("clip_stride", self.clip_stride.is_some()),
            ("clips_per_video", self.clips_per_video.is_some()),
            ("layout", self.layout.is_some()),
            ("grid", self.grid.is_some()),
        ];
        let applies: &[&str] = match self.input {
            InputKind::Image => &[],
            InputKind::Clip => &["clip_size", "clip_stride", "clips_per_video", "layout"],
            InputKind::Thumbnail => &["clip_size", "clip_stride", "clips_per_video", "grid"],
        };
        for (field, present) in written {
            if present && !applies.contains(&field) {
                problems.push(format!(
                    "`{field}` does not apply to input = \"{}\": remove it{}",
                    self.input,
                    match field {
                        "layout" => " (only input = \"clip\" takes it)",
                        "grid" => " (only input = \"thumbnail\" takes it)",
                        _ => " or set input = \"clip\" or \"thumbnail\"",
                    }
                ));
            }
        }
        if self.input == InputKind::Image {
            return if problems.is_empty() {
                Ok(None)
            } else {
                Err(problems)
            };
        }
        let clip_size = match (self.input, self.clip_size, self.grid) {
            (InputKind::Thumbnail, Some(size), Some(grid)) if size != grid.frames() => {
                problems.push(format!(
                    "`clip_size` {size} does not fill grid {grid} ({} frames): drop `clip_size` or make it {}",
                    grid.frames(),
                    grid.frames()
                ));
                Some(size)
            }
            (_, Some(size), _) => Some(size),
            (InputKind::Thumbnail, None, grid) => grid.map(|grid| grid.frames()),
            (_, None, _) => {
                problems.push(
                    "input = \"clip\" needs `clip_size`, the frames per clip (DeepfakeBench: I3D 16, STIL 8, X-CLIP 32)"
                        .to_string(),
                );
                None
            }
        };
        if self.input == InputKind::Thumbnail && self.grid.is_none() {
            problems.push("input = \"thumbnail\" needs `grid`, e.g. \"2x2\" (TALL)".to_string());
        }
        if self.input == InputKind::Clip && self.layout.is_none() {
            problems.push(
                "input = \"clip\" needs `layout`: \"bcthw\" (B×C×T×H×W, 3D convolutions) or \"btchw\" (B×T×C×H×W)"
                    .to_string(),
            );
        }
        let clip_stride = self.clip_stride.or(clip_size);
        for (field, value) in [("clip_size", clip_size), ("clip_stride", clip_stride)] {
            if let Some(value) = value
                && !(1..=MAX_CLIP_FRAMES).contains(&value)
            {
                problems.push(format!(
                    "`{field}` {value} must be between 1 and {MAX_CLIP_FRAMES}"
                ));
            }
        }
        if clip_size.is_none() && problems.is_empty() {
            problems.push("`clip_size` is missing: set the frames per clip".to_string());
        }
        let (Some(clip_size), Some(clip_stride), true) =
            (clip_size, clip_stride, problems.is_empty())
        else {
            return Err(problems);
        };
        Ok(Some(ClipSpec {
            input: self.input,
            clip_size,
            clip_stride,
            clips_per_video: self.clips_per_video.unwrap_or(ClipsPerVideo::All),
            layout: self.layout,
            grid: self.grid,
        }))
    }
}
