//! Frame selection inside a video: all frames, N evenly spaced, or DeepfakeBench's legacy
//! "first N of the frames sorted by their numeric name" (REFERENCE §1.6).

use serde::{Deserialize, Serialize};
use std::fmt;

/// How many frames of each video a run scores. Written in the suite as `"all"`,
/// `"uniform:N"` or `"first:N"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum FrameSelection {
    /// Every listed frame.
    All,
    /// N frames evenly spaced over the sorted frames (indices linspace(0, n−1, N), truncated).
    Uniform(usize),
    /// DeepfakeBench's loader: the first N frames in numeric order (needs numeric frame names).
    First(usize),
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

/// Sorts `frames` into video order ([`sort_frames`]) and keeps the selected ones. `First`
/// needs numeric names, as DeepfakeBench's sort does.
pub fn select(
    mut frames: Vec<String>,
    selection: &FrameSelection,
) -> Result<Vec<String>, NonNumericFrame> {
    if let FrameSelection::First(_) = selection
        && let Some(frame) = frames.iter().find(|frame| frame_index(frame).is_none())
    {
        return Err(NonNumericFrame {
            frame: frame.clone(),
        });
    }
    sort_frames(&mut frames);
    let total = frames.len();
    Ok(match *selection {
        FrameSelection::All => frames,
        FrameSelection::First(n) => frames.into_iter().take(n).collect(),
        FrameSelection::Uniform(n) if n >= total => frames,
        FrameSelection::Uniform(n) => {
            let picks: Vec<usize> = if n == 1 {
                vec![0]
            } else {
                (0..n).map(|i| i * (total - 1) / (n - 1)).collect()
            };
            picks.into_iter().map(|i| frames[i].clone()).collect()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_and_prints_every_selection() {
        for text in ["all", "uniform:8", "first:32"] {
            let parsed = FrameSelection::try_from(text.to_string()).expect("valid");
            assert_eq!(parsed.to_string(), text);
        }
        for bad in ["some", "uniform:0", "first:x", "last:3"] {
            let error = FrameSelection::try_from(bad.to_string()).expect_err("invalid");
            assert!(error.contains("uniform:N"), "{error}");
        }
    }

    #[test]
    fn first_takes_the_lowest_numbers_not_the_listing_order() {
        let frames = names(&["v/30.png", "v/0.png", "v/120.png", "v/15.png", "v/60.png"]);
        let picked = select(frames, &FrameSelection::First(3)).expect("numeric");
        assert_eq!(picked, names(&["v/0.png", "v/15.png", "v/30.png"]));
    }

    #[test]
    fn uniform_spreads_over_the_whole_video() {
        let frames: Vec<String> = (0..10).map(|i| format!("v/{i:03}.png")).collect();
        let picked = select(frames, &FrameSelection::Uniform(4)).expect("select");
        assert_eq!(
            picked,
            names(&["v/000.png", "v/003.png", "v/006.png", "v/009.png"])
        );
    }

    #[test]
    fn first_needs_numeric_names_and_says_which_is_not() {
        let frames = names(&["v/001.png", "v/cover.png"]);
        let error = select(frames.clone(), &FrameSelection::First(1)).expect_err("not numeric");
        assert_eq!(error.frame, "v/cover.png");
        assert_eq!(select(frames, &FrameSelection::All).expect("all").len(), 2);
    }

    #[test]
    fn frames_sort_by_the_integer_stem_not_the_path_string() {
        let mut frames = names(&["v/10.png", "v/2.png", "v/1.png", "v/100.png", "v/20.png"]);
        sort_frames(&mut frames);
        assert_eq!(
            frames,
            names(&["v/1.png", "v/2.png", "v/10.png", "v/20.png", "v/100.png"])
        );
    }

    #[test]
    fn a_mixed_video_keeps_integer_order_and_puts_named_frames_last() {
        let frames = names(&["v/10.png", "v/cover.png", "v/2.png", "v/alpha.png"]);
        let picked = select(frames, &FrameSelection::All).expect("all");
        assert_eq!(
            picked,
            names(&["v/2.png", "v/10.png", "v/alpha.png", "v/cover.png"])
        );
    }
}
