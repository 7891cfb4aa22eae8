//! Cuts the predictions of one detector × dataset × perturbation into scored slices, at frame
//! and video level.
//!
//! Slices (names are stable, they are keys in `metrics.csv`):
//! - `all`: every sample;
//! - `subset=<name>`: one per subset, always emitted (even for a single subset);
//! - `method=<m>`: the fakes of method `m` plus every real of the dataset, emitted when the
//!   dataset mixes two fake methods or more (FF++ → DF, F2F, FS, NT vs real);
//! - `split=<s>`: one per split, emitted when the dataset has two non-empty splits or more.
//!
//! Video level (`video`): one unit per `video_key`, score = mean of its scored frames (see
//! [`crate::metrics::video`]); emitted only when some video has two frames or more (for
//! still images it would repeat the frame level). A video whose frames all failed is a failure.

use std::collections::{BTreeMap, BTreeSet};

use crate::metrics::video::video_scores;
use crate::model::PredictionRecord;
use crate::report::category::category_of;

pub const LEVEL_FRAME: &str = "frame";
pub const LEVEL_VIDEO: &str = "video";

/// The scores of one slice; failed units are only counted.
#[derive(Debug, Default, Clone)]
pub struct SliceData {
    pub scores: Vec<f64>,
    pub labels: Vec<bool>,
    pub failed: u64,
}

impl SliceData {
    fn push(&mut self, score: Option<f64>, fake: bool) {
        match score {
            Some(s) => {
                self.scores.push(s);
                self.labels.push(fake);
            }
            None => self.failed += 1,
        }
    }
}

/// A frame or a video: its score (`None` = failed), label and the record describing it.
struct Unit<'a> {
    score: Option<f64>,
    fake: bool,
    record: &'a PredictionRecord,
}

/// The slices of one level plus the category of each fake method (for category means).
#[derive(Debug, Default)]
pub struct LevelSlices {
    pub slices: BTreeMap<String, SliceData>,
    pub method_category: BTreeMap<String, String>,
}

fn usable(score: Option<f64>) -> Option<f64> {
    score.filter(|s| s.is_finite())
}

fn method_name(record: &PredictionRecord) -> &str {
    if record.method.is_empty() {
        "unknown"
    } else {
        &record.method
    }
}

fn slice_units(units: &[Unit<'_>]) -> LevelSlices {
    let mut out = LevelSlices::default();
    let fake_methods: BTreeSet<&str> = units
        .iter()
        .filter(|u| u.fake)
        .map(|u| method_name(u.record))
        .collect();
    let splits: BTreeSet<&str> = units
        .iter()
        .map(|u| u.record.split.as_str())
        .filter(|s| !s.is_empty())
        .collect();
    let by_method = fake_methods.len() >= 2;
    let by_split = splits.len() >= 2;
    let slices = &mut out.slices;
    slices.entry("all".to_string()).or_default();
    for u in units {
        if let Some(all) = slices.get_mut("all") {
            all.push(u.score, u.fake);
        }
        let subset = format!("subset={}", u.record.subset);
        slices.entry(subset).or_default().push(u.score, u.fake);
        if by_split && !u.record.split.is_empty() {
            let split = format!("split={}", u.record.split);
            slices.entry(split).or_default().push(u.score, u.fake);
        }
        if by_method && u.fake {
            let method = method_name(u.record);
            let key = format!("method={method}");
            slices.entry(key).or_default().push(u.score, u.fake);
            if let Some(category) = category_of(u.record) {
                out.method_category.insert(method.to_string(), category);
            }
        }
    }
    if by_method {
        for u in units.iter().filter(|u| !u.fake) {
            for method in &fake_methods {
                let key = format!("method={method}");
                slices.entry(key).or_default().push(u.score, u.fake);
            }
        }
    }
    out
}

/// Frame-level slices and, when videos have several frames, video-level slices.
pub fn levels(records: &[&PredictionRecord]) -> Vec<(&'static str, LevelSlices)> {
    let frames: Vec<Unit<'_>> = records
        .iter()
        .map(|r| Unit {
            score: usable(r.score),
            fake: r.is_fake(),
            record: r,
        })
        .collect();
    let mut out = vec![(LEVEL_FRAME, slice_units(&frames))];

    let mut per_video: BTreeMap<&str, Vec<&PredictionRecord>> = BTreeMap::new();
    for r in records {
        per_video.entry(r.video_key.as_str()).or_default().push(r);
    }
    if per_video.values().all(|frames| frames.len() < 2) {
        return out;
    }
    let mut videos = Vec::with_capacity(per_video.len());
    for (key, mut frames) in per_video {
        frames.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
        let scored = frames
            .iter()
            .filter_map(|r| usable(r.score).map(|s| (key, s, r.is_fake())));
        let video = video_scores(scored).into_iter().next();
        videos.push(Unit {
            score: video.as_ref().map(|v| v.score),
            fake: frames.iter().all(|r| r.is_fake()),
            record: frames[0],
        });
    }
    out.push((LEVEL_VIDEO, slice_units(&videos)));
    out
}
