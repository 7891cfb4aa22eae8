//! The clips of one shard (`ShardLease.clips`) on their way to one outcome each: which clips
//! are waiting for frames, the decoded frames they still need (and nothing else: a frame is
//! dropped once no pending clip reads it, so a shard of whole videos never sits in memory at
//! once), and scoring every clip whose frames are all decoded, batched per detector.
//!
//! Every `ClipRef` ends as exactly one `ClipPrediction`: the score; the failure of a frame that
//! could not be read or decoded (the message names its path); the detector's typed failure; or
//! `worker_error` for a clip the lease got wrong (unknown detector or sample, image detector, no
//! frames).

use crate::decode::DecodedSample;
use crate::detector::ClipFrames;
use crate::scoring::{BatchFailure, LoadedDetector, checked, run_batch};
use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::image_io::RgbImage;
use dfbench_proto::v1::{self as pb, clip_prediction::Outcome};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// A decoded frame a pending clip needs, or why it cannot be read (message names the path).
type Frame = Result<RgbImage, BatchFailure>;

/// A valid clip waiting for its frames.
struct Pending {
    clip: pb::ClipRef,
    /// Index of its detector in the shard's detector list.
    detector: usize,
}

/// The clips of one shard and the frames they are waiting for.
pub struct ClipTracker {
    pending: Vec<Pending>,
    /// Outcomes decided before any frame was decoded (malformed clips), delivered first.
    early: Vec<pb::ClipPrediction>,
    /// Pending clips reading each sample (counted per occurrence).
    readers: HashMap<i64, usize>,
    frames: HashMap<i64, Frame>,
}

impl ClipTracker {
    /// Checks every clip against the shard's samples and detectors; a malformed clip gets its
    /// `worker_error` outcome now (delivered with the first chunk).
    pub fn new(
        clips: Vec<pb::ClipRef>,
        samples: &[pb::SampleRef],
        detectors: &[LoadedDetector],
    ) -> ClipTracker {
        let in_shard: HashSet<i64> = samples.iter().map(|sample| sample.sample_id).collect();
        let mut tracker = ClipTracker {
            pending: Vec::new(),
            early: Vec::new(),
            readers: HashMap::new(),
            frames: HashMap::new(),
        };
        for clip in clips {
            let position = detectors.iter().position(|d| d.name() == clip.detector);
            let problem = match position {
                None => Some(format!(
                    "the lease's clip names detector `{}`, which is not among the lease's detectors",
                    clip.detector
                )),
                Some(index) if detectors[index].input().is_image() => Some(format!(
                    "the lease's clip names detector `{}`, which reads images, not clips",
                    clip.detector
                )),
                Some(_) if clip.sample_ids.is_empty() => {
                    Some("the lease's clip lists no frames".to_string())
                }
                Some(_) => clip
                    .sample_ids
                    .iter()
                    .find(|id| !in_shard.contains(id))
                    .map(|id| {
                        format!("the lease's clip reads sample {id}, which is not in the shard")
                    }),
            };
            match (problem, position) {
                (None, Some(detector)) => {
                    for id in &clip.sample_ids {
                        *tracker.readers.entry(*id).or_default() += 1;
                    }
                    tracker.pending.push(Pending { clip, detector });
                }
                (problem, _) => {
                    let message = format!(
                        "{} (video {}, clip {}); this is a coordinator bug, please report it",
                        problem.unwrap_or_default(),
                        clip.video_key,
                        clip.clip_index
                    );
                    let failure = (FailureKind::WorkerError, message);
                    let loaded = position.map(|index| &detectors[index]);
                    tracker.early.push(outcome(&clip, loaded, Err(failure), 0));
                }
            }
        }
        tracker
    }

    /// Keeps the frames of `decoded` that pending clips read, then scores every clip whose
    /// frames are now all decoded (one `score_clips` call per detector) and drops the frames
    /// no pending clip needs any more. Returns those clips' outcomes (and, the first time, the
    /// malformed clips').
    pub fn absorb(
        &mut self,
        decoded: Vec<DecodedSample>,
        detectors: &[LoadedDetector],
    ) -> Vec<pb::ClipPrediction> {
        for sample in decoded {
            if self.readers.contains_key(&sample.sample_id) {
                let frame = sample
                    .image
                    .map_err(|(kind, message)| frame_failure(&sample.path, kind, message));
                self.frames.insert(sample.sample_id, frame);
            }
        }
        let (ready, waiting): (Vec<Pending>, Vec<Pending>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|pending| {
                pending
                    .clip
                    .sample_ids
                    .iter()
                    .all(|id| self.frames.contains_key(id))
            });
        self.pending = waiting;
        let mut outcomes = std::mem::take(&mut self.early);
        outcomes.extend(self.score(&ready, detectors));
        for pending in &ready {
            for id in &pending.clip.sample_ids {
                let left = self.readers.get_mut(id).map(|count| {
                    *count = count.saturating_sub(1);
                    *count
                });
                if left == Some(0) {
                    self.readers.remove(id);
                    self.frames.remove(id);
                }
            }
        }
        outcomes
    }

    /// Ends the shard: every clip still waiting (a frame never came) fails with `worker_error`.
    pub fn finish(&mut self, detectors: &[LoadedDetector]) -> Vec<pb::ClipPrediction> {
        let mut outcomes = std::mem::take(&mut self.early);
        for pending in std::mem::take(&mut self.pending) {
            let missing = pending
                .clip
                .sample_ids
                .iter()
                .find(|id| !self.frames.contains_key(id))
                .copied()
                .unwrap_or_default();
            let message = format!(
                "sample {missing} of the clip was never decoded (video {}, clip {}); the shard's scoring stopped early",
                pending.clip.video_key, pending.clip.clip_index
            );
            let loaded = Some(&detectors[pending.detector]);
            let failure = (FailureKind::WorkerError, message);
            outcomes.push(outcome(&pending.clip, loaded, Err(failure), 0));
        }
        self.frames.clear();
        self.readers.clear();
        outcomes
    }

    /// Frames currently kept for pending clips.
    pub fn frames_held(&self) -> usize {
        self.frames.len()
    }

    /// Outcomes of ready clips, in their lease order; clips with an unreadable frame fail with
    /// that frame's failure, the rest are scored in one batch per detector.
    fn score(&self, ready: &[Pending], detectors: &[LoadedDetector]) -> Vec<pb::ClipPrediction> {
        let mut outcomes: Vec<Option<pb::ClipPrediction>> = vec![None; ready.len()];
        // Per detector: (position in `ready`, frames) of the clips it scores.
        let mut batches: Vec<(Vec<usize>, Vec<ClipFrames>)> =
            vec![(Vec::new(), Vec::new()); detectors.len()];
        for (position, pending) in ready.iter().enumerate() {
            let mut frames = Vec::with_capacity(pending.clip.sample_ids.len());
            let mut failed = None;
            for id in &pending.clip.sample_ids {
                match self.frames.get(id) {
                    Some(Ok(image)) => frames.push(image),
                    Some(Err(failure)) => {
                        failed = Some(failure.clone());
                        break;
                    }
                    None => {
                        let message = format!("sample {id} of the clip is not decoded");
                        failed = Some((FailureKind::WorkerError, message));
                        break;
                    }
                }
            }
            let loaded = &detectors[pending.detector];
            match failed {
                Some(failure) => {
                    outcomes[position] = Some(outcome(&pending.clip, Some(loaded), Err(failure), 0))
                }
                None => {
                    batches[pending.detector].0.push(position);
                    batches[pending.detector].1.push(frames);
                }
            }
        }
        for (detector, (positions, clips)) in batches.into_iter().enumerate() {
            if positions.is_empty() {
                continue;
            }
            let loaded = &detectors[detector];
            let batch = run_batch(loaded, clips.len(), "clips", |scorer| {
                scorer.score_clips(&clips)
            });
            for (slot, position) in positions.into_iter().enumerate() {
                let clip = &ready[position].clip;
                let scored = match &batch {
                    Ok((results, latency_us)) => (checked(&results[slot]), *latency_us),
                    Err(failure) => (Err(failure.clone()), 0),
                };
                outcomes[position] = Some(outcome(clip, Some(loaded), scored.0, scored.1));
            }
        }
        outcomes.into_iter().flatten().collect()
    }
}

/// A frame's decode (or perturbation) failure as its clips record it, naming the frame's path.
fn frame_failure(path: &Path, kind: FailureKind, message: String) -> BatchFailure {
    let path = path.display().to_string();
    if message.contains(&path) {
        (
            kind,
            format!("a frame of the clip cannot be read: {message}"),
        )
    } else {
        (kind, format!("frame {path} cannot be read: {message}"))
    }
}

/// One clip's outcome under its detector (`None`: a detector the lease does not have).
fn outcome(
    clip: &pb::ClipRef,
    loaded: Option<&LoadedDetector>,
    scored: Result<f64, BatchFailure>,
    latency_us: u32,
) -> pb::ClipPrediction {
    let (outcome, latency_us) = match scored {
        Ok(score) => (Outcome::Score(score), latency_us),
        Err((kind, message)) => (
            Outcome::Failure(pb::Failure {
                kind: kind.to_string(),
                message,
            }),
            0,
        ),
    };
    pb::ClipPrediction {
        detector: clip.detector.clone(),
        video_key: clip.video_key.clone(),
        clip_index: clip.clip_index,
        outcome: Some(outcome),
        latency_us,
        detector_fingerprint: loaded.map(LoadedDetector::fingerprint).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::load_detector;
    use std::path::PathBuf;

    fn decoded(ids: std::ops::Range<i64>) -> Vec<DecodedSample> {
        ids.map(|id| DecodedSample {
            sample_id: id,
            path: PathBuf::from(format!("f{id}.png")),
            clip_only: false,
            image: Ok(RgbImage::from_pixel(
                8,
                8,
                image::Rgb([id as u8 * 20, 0, 0]),
            )),
        })
        .collect()
    }

    #[test]
    fn frames_are_dropped_once_no_pending_clip_reads_them() {
        let spec = pb::DetectorSpec {
            name: "t".to_string(),
            kind: "builtin".to_string(),
            builtin: "temporal".to_string(),
            ..Default::default()
        };
        let detectors = vec![load_detector(&spec, "cpu")];
        let samples: Vec<pb::SampleRef> = (0..9)
            .map(|id| pb::SampleRef {
                sample_id: id,
                path: format!("f{id}.png"),
                clip_only: false,
            })
            .collect();
        let clip = |index: u32, ids: &[i64]| pb::ClipRef {
            detector: "t".to_string(),
            video_key: "v".to_string(),
            clip_index: index,
            sample_ids: ids.to_vec(),
        };
        // Overlapping clips; sample 8 is read by none.
        let clips = vec![
            clip(0, &[0, 1, 2, 3]),
            clip(1, &[2, 3, 4, 5]),
            clip(2, &[5, 6, 7]),
        ];
        let mut tracker = ClipTracker::new(clips, &samples, &detectors);
        assert!(tracker.absorb(decoded(0..3), &detectors).is_empty());
        assert_eq!(tracker.frames_held(), 3);
        let first = tracker.absorb(decoded(3..5), &detectors);
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].clip_index, 0);
        // 0 and 1 are dropped; 2, 3 (clip 1) and 4 stay.
        assert_eq!(tracker.frames_held(), 3);
        let rest = tracker.absorb(decoded(5..9), &detectors);
        let indices: Vec<u32> = rest.iter().map(|p| p.clip_index).collect();
        assert_eq!(indices, [1, 2]);
        assert_eq!(tracker.frames_held(), 0, "sample 8 was never kept");
        assert!(
            rest.iter()
                .all(|p| matches!(p.outcome, Some(Outcome::Score(_))))
        );
        assert!(tracker.finish(&detectors).is_empty());
    }
}
