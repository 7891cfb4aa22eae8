//! The clips a run's clip and thumbnail detectors owe, planned per shard: each video of a shard
//! (its clip-read frames in frame order, as the shard holds them; frames only image detectors
//! read under `uniform:N` are not part of any clip) is cut by each clip detector's
//! [`ClipSpec`]; a video too short for a detector gets one planned `video_too_short` outcome
//! instead of a silent skip. Still images (samples without a frame index) are not videos: clip
//! detectors plan nothing for them, and planning logs it.

use dfbench_benchmarks::Sample;
use dfbench_benchmarks::card::clip::ClipSpec;
use dfbench_benchmarks::content::clip_key;
use dfbench_store::{FileContent, PlannedClip};

/// A clip detector of the run: its suite name and how it cuts videos.
#[derive(Debug, Clone)]
pub struct ClipReader {
    pub detector: String,
    pub spec: ClipSpec,
}

/// The clips every reader owes for one shard, whose samples (indices into `samples`) are in
/// shard order: each video contiguous, its frames in frame order.
pub fn plan_shard_clips(
    samples: &[Sample],
    shard: &[usize],
    readers: &[ClipReader],
) -> Vec<PlannedClip> {
    if readers.is_empty() {
        return Vec::new();
    }
    let mut clips = Vec::new();
    for whole in shard.chunk_by(|a, b| samples[*a].video_key == samples[*b].video_key) {
        if samples[whole[0]].frame_index.is_none() {
            continue;
        }
        let video_key = &samples[whole[0]].video_key;
        let video: Vec<usize> = whole
            .iter()
            .copied()
            .filter(|index| samples[*index].reads.clip())
            .collect();
        let positions: Vec<usize> = (0..video.len()).collect();
        for reader in readers {
            match reader.spec.cut(&positions) {
                Ok(cut) => clips.extend(cut.into_iter().map(|clip| {
                    let frame = |position: usize| {
                        samples[video[position]]
                            .frame_index
                            .map_or(position as i64, i64::from)
                    };
                    PlannedClip {
                        detector: reader.detector.clone(),
                        video_key: video_key.clone(),
                        clip_index: clip.index as i64,
                        video_sample: whole[0],
                        first_frame: clip.frames.first().map_or(0, |p| frame(*p)),
                        last_frame: clip.frames.last().map_or(0, |p| frame(*p)),
                        sample_indices: clip.frames.iter().map(|p| video[*p]).collect(),
                        content_key: String::new(),
                        planned_failure: None,
                    }
                })),
                Err(short) => clips.push(PlannedClip {
                    detector: reader.detector.clone(),
                    video_key: video_key.clone(),
                    clip_index: 0,
                    video_sample: whole[0],
                    sample_indices: Vec::new(),
                    first_frame: 0,
                    last_frame: 0,
                    content_key: String::new(),
                    planned_failure: Some((
                        short.failure_kind(),
                        format!("{video_key}: {short} (detector {})", reader.detector),
                    )),
                }),
            }
        }
    }
    clips
}

/// How many samples of datasets without frames (stills) a run's clip detectors will not see.
pub fn stills(samples: &[Sample]) -> usize {
    samples
        .iter()
        .filter(|sample| sample.frame_index.is_none())
        .count()
}

/// Sets each clip's `content_key` from its frames' content hashes (`contents` is parallel to
/// the plan's samples); a clip with a frame of unknown content keeps '' and is never reused.
pub fn fill_content_keys(clips: &mut [PlannedClip], contents: &[Option<FileContent>]) {
    for clip in clips {
        if clip.planned_failure.is_some() {
            continue;
        }
        let hashes = clip.sample_indices.iter().map(|index| {
            contents
                .get(*index)
                .and_then(Option::as_ref)
                .map_or("", |content| content.hash.as_str())
        });
        clip.content_key = clip_key(hashes).unwrap_or_default();
    }
}
