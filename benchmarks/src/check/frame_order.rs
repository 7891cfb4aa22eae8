//! Which frame order a dataset's videos use, for `dfbench datasets check`.
//!
//! Frames inside a video are ordered by the integer value of their file stem (`2.png` before
//! `10.png`), as DeepfakeBench orders them; a stem that is not a number falls back to path-string
//! order after the numbered frames (see [`crate::adapter::frames::FrameOrderKey`]). Clip
//! detectors read consecutive frames, so a video that mixes both kinds of names is named here:
//! its order is well defined but probably not the one the data was recorded in.

use crate::adapter::frames::frame_index;
use crate::sample::Sample;
use std::collections::BTreeMap;

/// A video whose frame names mix numbers and non-numbers, with one frame of each kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixedVideo {
    pub video: String,
    pub numbered_frame: String,
    pub named_frame: String,
}

/// How many videos (of two or more frames) use each order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrameOrderSummary {
    /// Every stem is a number: integer order.
    pub numbered: usize,
    /// No stem is a number: path-string order.
    pub named: usize,
    /// Both kinds: numbered frames in integer order, then the others by path.
    pub mixed: usize,
    /// The first video (by key) of only non-numeric names.
    pub first_named: Option<String>,
    /// The first video (by key) that mixes both kinds.
    pub first_mixed: Option<MixedVideo>,
}

impl FrameOrderSummary {
    /// Classifies each video of `samples` by its frames' stems; one-frame videos (stills) have
    /// no order and are not counted.
    pub fn of(samples: &[Sample]) -> FrameOrderSummary {
        let mut videos: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for sample in samples {
            videos
                .entry(sample.video_key.as_str())
                .or_default()
                .push(sample.rel_path.as_str());
        }
        let mut summary = FrameOrderSummary::default();
        for (video, frames) in videos {
            if frames.len() < 2 {
                continue;
            }
            let numbered = frames.iter().find(|frame| frame_index(frame).is_some());
            let named = frames.iter().find(|frame| frame_index(frame).is_none());
            match (numbered, named) {
                (Some(_), None) => summary.numbered += 1,
                (None, _) => {
                    summary.named += 1;
                    summary.first_named.get_or_insert_with(|| video.to_string());
                }
                (Some(numbered), Some(named)) => {
                    summary.mixed += 1;
                    summary.first_mixed.get_or_insert_with(|| MixedVideo {
                        video: video.to_string(),
                        numbered_frame: numbered.to_string(),
                        named_frame: named.to_string(),
                    });
                }
            }
        }
        summary
    }

    /// One line for the check report.
    pub fn render(&self) -> String {
        let total = self.numbered + self.named + self.mixed;
        if total == 0 {
            return "frame order: no video has more than one frame".to_string();
        }
        if self.numbered == total {
            return format!(
                "frame order: integer file stem (2.png before 10.png) in all {total} videos"
            );
        }
        let mut line = format!(
            "frame order: integer file stem in {} of {total} videos",
            self.numbered
        );
        if let Some(video) = &self.first_named {
            line.push_str(&format!(
                "; path string (no numeric stems) in {} (first: {video})",
                self.named
            ));
        }
        if let Some(mixed) = &self.first_mixed {
            line.push_str(&format!(
                "; MIXED in {}: video {} mixes numeric ({}) and non-numeric ({}) stems, ordered numbered frames first, then the rest by path; rename its frames so clips read them in recording order",
                self.mixed, mixed.video, mixed.numbered_frame, mixed.named_frame
            ));
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::Label;

    fn frame(path: &str, video: &str) -> Sample {
        Sample {
            dataset: "d".into(),
            subset: "s".into(),
            rel_path: path.into(),
            label: Label::Real,
            label_group: "g".into(),
            method: "m".into(),
            split: "test".into(),
            compression: "c23".into(),
            video_key: video.into(),
            frame_index: None,
            reads: crate::sample::FrameReads::Both,
            published_md5: None,
        }
    }

    #[test]
    fn numbered_videos_are_stated_as_integer_order() {
        let samples = [
            frame("a/2.png", "a"),
            frame("a/10.png", "a"),
            frame("b/x.png", "b"),
        ];
        let summary = FrameOrderSummary::of(&samples);
        assert_eq!((summary.numbered, summary.named, summary.mixed), (1, 0, 0));
        assert!(
            summary.render().contains("integer file stem"),
            "{summary:?}"
        );
    }

    #[test]
    fn a_mixed_video_is_named_with_one_frame_of_each_kind() {
        let samples = [
            frame("a/1.png", "a"),
            frame("a/2.png", "a"),
            frame("m/cover.png", "m"),
            frame("m/007.png", "m"),
            frame("n/left.png", "n"),
            frame("n/right.png", "n"),
        ];
        let summary = FrameOrderSummary::of(&samples);
        assert_eq!((summary.numbered, summary.named, summary.mixed), (1, 1, 1));
        let line = summary.render();
        assert!(
            line.contains("video m mixes numeric (m/007.png) and non-numeric (m/cover.png)"),
            "{line}"
        );
        assert!(
            line.contains("path string (no numeric stems) in 1 (first: n)"),
            "{line}"
        );
    }

    #[test]
    fn stills_have_no_frame_order() {
        let samples = [frame("x.png", "x.png"), frame("y.png", "y.png")];
        let line = FrameOrderSummary::of(&samples).render();
        assert_eq!(line, "frame order: no video has more than one frame");
    }
}
