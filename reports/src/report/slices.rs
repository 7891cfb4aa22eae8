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
//!
//! Clip detectors' outcomes (records with a `clip_index`) give the `clip` level (one unit per
//! clip) and a video level made by the run's [`VideoAggregation`], always emitted: `video`
//! (mean of the video's clip scores), `video-max` (their maximum) or `video-dfb` (DeepfakeBench's
//! "video" metrics of clip models, which are its clip metrics: the clip units again). The level
//! name carries the choice, so stored rows say how they were made; every choice is recomputed
//! from the stored clip scores without rescoring.

use std::collections::{BTreeMap, BTreeSet};

use crate::metrics::video::video_scores;
use crate::model::PredictionRecord;
use crate::report::category::category_of;

pub const LEVEL_FRAME: &str = "frame";
pub const LEVEL_VIDEO: &str = "video";
pub const LEVEL_CLIP: &str = "clip";

/// How a clip detector's clip scores make its video score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VideoAggregation {
    /// Mean of the video's scored clips (the default).
    #[default]
    Mean,
    /// Maximum of the video's scored clips.
    Max,
    /// DeepfakeBench compatibility: its video metrics of clip models are the clip metrics.
    DfbClip,
}

impl VideoAggregation {
    /// The level name a clip detector's video rows carry under this choice.
    pub fn level(self) -> &'static str {
        match self {
            VideoAggregation::Mean => LEVEL_VIDEO,
            VideoAggregation::Max => "video-max",
            VideoAggregation::DfbClip => "video-dfb",
        }
    }

    /// One line for the report header.
    pub fn describe(self) -> &'static str {
        match self {
            VideoAggregation::Mean => "clip → video: mean of the video's clip scores",
            VideoAggregation::Max => "clip → video: maximum of the video's clip scores",
            VideoAggregation::DfbClip => {
                "clip → video: DeepfakeBench compatibility, video metrics = clip metrics"
            }
        }
    }

    /// Reads `mean`, `max` or `dfb`.
    pub fn parse(text: &str) -> Option<VideoAggregation> {
        match text {
            "mean" => Some(VideoAggregation::Mean),
            "max" => Some(VideoAggregation::Max),
            "dfb" => Some(VideoAggregation::DfbClip),
            _ => None,
        }
    }
}

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

/// Frame-level slices and, when videos have several frames, video-level slices; for clip
/// records, clip-level slices and the video level `aggregation` names.
pub fn levels(
    records: &[&PredictionRecord],
    aggregation: VideoAggregation,
) -> Vec<(&'static str, LevelSlices)> {
    let units = |records: &[&PredictionRecord]| -> LevelSlices {
        let units: Vec<Unit<'_>> = records
            .iter()
            .map(|r| Unit {
                score: usable(r.score),
                fake: r.is_fake(),
                record: r,
            })
            .collect();
        slice_units(&units)
    };
    let clips = records.iter().any(|r| r.clip_index.is_some());
    let first = if clips { LEVEL_CLIP } else { LEVEL_FRAME };
    let mut out = vec![(first, units(records))];
    if clips && aggregation == VideoAggregation::DfbClip {
        out.push((aggregation.level(), units(records)));
        return out;
    }
    let Some(videos) = video_records(records, aggregation) else {
        return out;
    };
    let level = if clips {
        aggregation.level()
    } else {
        LEVEL_VIDEO
    };
    let refs: Vec<&PredictionRecord> = videos.iter().collect();
    out.push((level, units(&refs)));
    out
}

/// The video-level units of `records` as records (`rel_path` = the video key; score: the mean
/// of its scored frames, or of its clips under `aggregation`; `None` when none scored; fake
/// only when every member is), sorted by video key. `None` for frame records whose videos all
/// have one frame (stills: the video level would repeat the frame level). Not for
/// [`VideoAggregation::DfbClip`] on clips, whose video units are the clips themselves.
pub fn video_records(
    records: &[&PredictionRecord],
    aggregation: VideoAggregation,
) -> Option<Vec<PredictionRecord>> {
    let clips = records.iter().any(|r| r.clip_index.is_some());
    let mut per_video: BTreeMap<&str, Vec<&PredictionRecord>> = BTreeMap::new();
    for r in records {
        per_video.entry(r.video_key.as_str()).or_default().push(r);
    }
    if !clips && per_video.values().all(|members| members.len() < 2) {
        return None;
    }
    let mut videos = Vec::with_capacity(per_video.len());
    for (key, mut members) in per_video {
        members.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
        let scored: Vec<(&str, f64, bool)> = members
            .iter()
            .filter_map(|r| usable(r.score).map(|s| (key, s, r.is_fake())))
            .collect();
        let score = if clips && aggregation == VideoAggregation::Max {
            scored.iter().map(|(_, s, _)| *s).reduce(f64::max)
        } else {
            video_scores(scored).into_iter().next().map(|v| v.score)
        };
        let fake = members.iter().all(|r| r.is_fake());
        videos.push(PredictionRecord {
            rel_path: key.to_string(),
            score,
            label: i64::from(fake),
            clip_index: None,
            failure_kind: None,
            failure_message: None,
            ..members[0].clone()
        });
    }
    Some(videos)
}
