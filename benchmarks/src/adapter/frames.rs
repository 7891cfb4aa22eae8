//! Frames inside a video: their order (integer file stem, as DeepfakeBench sorts them) and which
//! of them a run reads (`frames = "all" | "first:N" | "uniform:N"`, REFERENCE §1.2 and §1.6).

use crate::sample::FrameReads;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Which frames of each video a run reads, set per dataset in the suite as `"all"`,
/// `"first:N"` or `"uniform:N"`. N is the frame budget per video (DeepfakeBench's `frame_num`);
/// what a detector reads from it depends on its input ([`FrameReader`], see
/// [`FrameSelection::indices`]). A video with N frames or fewer is read whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum FrameSelection {
    /// Every listed frame.
    All,
    /// N evenly spaced frames for image detectors, exactly DeepfakeBench's preprocessing
    /// (`np.linspace(0, n−1, N, dtype=int)`, float rounding included); N contiguous frames from
    /// the start for clip detectors (DeepfakeBench's `video_mode` loader).
    Uniform(usize),
    /// The first N frames in frame order, for every detector: what DeepfakeBench's test loader
    /// actually reads (its "evenly spaced" branch has a stride of 1, REFERENCE §1.6). Needs
    /// numeric frame names, as DeepfakeBench's sort does.
    First(usize),
}

/// How a detector reads a video's frames: one at a time, or as clips of consecutive frames
/// (a clip card's `input = "clip"` or `"thumbnail"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameReader {
    Image,
    Clip,
}

impl FrameSelection {
    /// The positions (in frame order, 0-based) a `reader` reads from a video of `frame_count`
    /// frames. Ascending, without repeats, each below `frame_count`.
    pub fn indices(&self, frame_count: usize, reader: FrameReader) -> Vec<usize> {
        match (self, reader) {
            (FrameSelection::All, _) => (0..frame_count).collect(),
            (FrameSelection::First(n), _) | (FrameSelection::Uniform(n), FrameReader::Clip) => {
                (0..frame_count.min(*n)).collect()
            }
            (FrameSelection::Uniform(n), FrameReader::Image) => linspace_indices(frame_count, *n),
        }
    }
}

/// `np.linspace(0, count − 1, wanted, endpoint=True, dtype=int)` for `wanted < count`, as
/// DeepfakeBench's preprocessing picks frames (REFERENCE §1.2): position i is
/// ⌊i · ((count − 1) / (wanted − 1))⌋ in f64 arithmetic and the last is count − 1. The float
/// step matters: for 31 frames and 23 wanted, position 11 is ⌊14.999…⌋ = 14, not the exact 15.
/// A video of `wanted` frames or fewer is read whole. `dfbench prepare` samples videos with it
/// too (after refusing a video shorter than `wanted`).
pub fn linspace_indices(count: usize, wanted: usize) -> Vec<usize> {
    if wanted >= count {
        return (0..count).collect();
    }
    if wanted <= 1 {
        return vec![0];
    }
    let step = (count - 1) as f64 / (wanted - 1) as f64;
    let mut indices: Vec<usize> = (0..wanted - 1)
        .map(|i| (i as f64 * step).floor() as usize)
        .collect();
    indices.push(count - 1);
    indices
}

impl TryFrom<String> for FrameSelection {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        let bad = || {
            format!(
                "frames = \"{text}\" is not a frame selection: use \"all\", \"uniform:N\" or \"first:N\" with N ≥ 1"
            )
        };
        if text == "all" {
            return Ok(FrameSelection::All);
        }
        let (kind, count) = text.split_once(':').ok_or_else(bad)?;
        let count: usize = count.trim().parse().map_err(|_| bad())?;
        if count == 0 {
            return Err(bad());
        }
        match kind {
            "uniform" => Ok(FrameSelection::Uniform(count)),
            "first" => Ok(FrameSelection::First(count)),
            _ => Err(bad()),
        }
    }
}

impl From<FrameSelection> for String {
    fn from(selection: FrameSelection) -> String {
        selection.to_string()
    }
}

impl fmt::Display for FrameSelection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameSelection::All => write!(f, "all"),
            FrameSelection::Uniform(n) => write!(f, "uniform:{n}"),
            FrameSelection::First(n) => write!(f, "first:{n}"),
        }
    }
}

/// The numeric frame index in a frame file name (`015.png` → 15), if the stem is a number.
pub fn frame_index(rel_path: &str) -> Option<u32> {
    let file = rel_path.rsplit('/').next()?;
    let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
    stem.parse().ok()
}

/// Where a frame sits inside its video, as DeepfakeBench orders frames: by the integer value of
/// the file stem (`2.png` before `10.png`). Frames whose stem is not a number come after every
/// numbered frame, in path-string order; `dfbench datasets check` names videos that mix both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FrameOrderKey<'a> {
    /// A numbered frame: its stem's value, then its path (`7.png` and `007.png` tie on 7).
    Numbered(u32, &'a str),
    /// A frame whose stem is not a number: its path.
    Named(&'a str),
}

/// The order key of one frame path (relative to the dataset root, `/`-separated).
pub fn frame_order_key(rel_path: &str) -> FrameOrderKey<'_> {
    match frame_index(rel_path) {
        Some(index) => FrameOrderKey::Numbered(index, rel_path),
        None => FrameOrderKey::Named(rel_path),
    }
}

/// Sorts the frames of one video into their order ([`FrameOrderKey`]).
pub fn sort_frames(frames: &mut [String]) {
    frames.sort_by(|a, b| frame_order_key(a).cmp(&frame_order_key(b)));
}

/// A frame name that is not a number, under a selection that needs numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonNumericFrame {
    pub frame: String,
}

/// Sorts `frames` into video order ([`sort_frames`]) and keeps the ones an image detector reads
/// under `selection`. `First` needs numeric names, as DeepfakeBench's sort does.
pub fn select(
    frames: Vec<String>,
    selection: &FrameSelection,
) -> Result<Vec<String>, NonNumericFrame> {
    Ok(select_union(frames, selection)?
        .into_iter()
        .filter(|(_, reads)| reads.image())
        .map(|(frame, _)| frame)
        .collect())
}

/// Sorts `frames` into video order ([`sort_frames`]) and keeps the union of what image and
/// clip detectors read under `selection`, in frame order, each frame marked with who reads it
/// (for `uniform:N` the evenly spaced picks and the first N differ; otherwise every kept frame
/// is read by both). `First` needs numeric names, as DeepfakeBench's sort does.
pub fn select_union(
    mut frames: Vec<String>,
    selection: &FrameSelection,
) -> Result<Vec<(String, FrameReads)>, NonNumericFrame> {
    if let FrameSelection::First(_) = selection
        && let Some(frame) = frames.iter().find(|frame| frame_index(frame).is_none())
    {
        return Err(NonNumericFrame {
            frame: frame.clone(),
        });
    }
    sort_frames(&mut frames);
    let count = frames.len();
    let mut image = vec![false; count];
    let mut clip = vec![false; count];
    for index in selection.indices(count, FrameReader::Image) {
        image[index] = true;
    }
    for index in selection.indices(count, FrameReader::Clip) {
        clip[index] = true;
    }
    Ok(frames
        .into_iter()
        .enumerate()
        .filter_map(|(index, frame)| Some((frame, FrameReads::of(image[index], clip[index])?)))
        .collect())
}

#[cfg(test)]
mod tests;
