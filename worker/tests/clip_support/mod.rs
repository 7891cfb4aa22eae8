//! Shared by the clip parity tests (TorchScript and ONNX): frame-sequence fixtures (three
//! videos of 8 PNG frames, two clips of 4 each), dfbench's clip scores through the shard code,
//! dfbench's per-frame tensors, and a fixture script's reference scores for them
//! (`score-clips MODEL OUTPUT_KIND BATCH SIZE FRAMES TENSORS SCORES INPUT`).
#![allow(dead_code)]

use dfbench_benchmarks::card::ResolvedCard;
use dfbench_benchmarks::card::clip::InputKind;
use dfbench_benchmarks::image_io::{RgbImage, decode_rgb};
use dfbench_proto::v1::{self as pb, clip_prediction::Outcome};
use dfbench_worker::preprocess::Preprocessing;
use dfbench_worker::scoring::{LoadedDetector, score_chunk_with_clips};
use std::path::Path;

/// Frames per reference clip.
pub const FRAMES: usize = 4;

/// Three videos of two clips each (frame sizes varying across videos).
pub struct ClipFixture {
    pub dir: tempfile::TempDir,
    pub samples: Vec<pb::SampleRef>,
    /// Each clip's sample ids, in order: video 0 clip 0, video 0 clip 1, video 1 clip 0, ...
    pub clip_frames: Vec<Vec<i64>>,
}

/// Three videos of 8 frames, two clips of [`FRAMES`] each.
pub fn clip_fixture() -> ClipFixture {
    clip_fixture_of(FRAMES)
}

/// Three videos of `2 × frames` frames, two clips of `frames` each.
pub fn clip_fixture_of(frames: usize) -> ClipFixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let sizes = [(48, 40), (64, 64), (37, 53)];
    let mut samples = Vec::new();
    let mut clip_frames = Vec::new();
    for (video, (width, height)) in sizes.iter().enumerate() {
        std::fs::create_dir_all(dir.path().join(format!("v{video}"))).expect("mkdir");
        let mut ids = Vec::new();
        for t in 0..(2 * frames) as u32 {
            let mut state = 0x2545_f491_u32.wrapping_mul(video as u32 * 8 + t + 1);
            let image = RgbImage::from_fn(*width, *height, |x, y| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let base = ((x * 3 + y * 2 + t * 9 + video as u32 * 50) % 200) as u8;
                image::Rgb([base + (state >> 28) as u8, 255 - base, (x * y % 256) as u8])
            });
            let path = format!("v{video}/{t}.png");
            image.save(dir.path().join(&path)).expect("save");
            let sample_id = (video * 100) as i64 + i64::from(t);
            samples.push(pb::SampleRef {
                sample_id,
                path,
                clip_only: false,
            });
            ids.push(sample_id);
        }
        clip_frames.push(ids[..frames].to_vec());
        clip_frames.push(ids[frames..].to_vec());
    }
    ClipFixture {
        dir,
        samples,
        clip_frames,
    }
}

impl ClipFixture {
    /// The lease's clips for detector `name`.
    pub fn clip_refs(&self, name: &str) -> Vec<pb::ClipRef> {
        self.clip_frames
            .iter()
            .enumerate()
            .map(|(index, ids)| pb::ClipRef {
                detector: name.to_string(),
                video_key: format!("v{}", index / 2),
                clip_index: (index % 2) as u32,
                sample_ids: ids.clone(),
            })
            .collect()
    }

    /// dfbench's score per clip (in `clip_refs` order) through the shard code; every clip must
    /// be scored under the card's fingerprint, and no per-sample prediction made.
    pub fn dfbench_scores(
        &self,
        loaded: LoadedDetector,
        name: &str,
        card: &ResolvedCard,
    ) -> Vec<f64> {
        if let LoadedDetector::Unavailable { kind, reason, .. } = &loaded {
            panic!("{name} did not load: {kind}: {reason}");
        }
        assert_ne!(loaded.input(), InputKind::Image, "{name} reads clips");
        let clips = self.clip_refs(name);
        let scored =
            score_chunk_with_clips(self.dir.path(), &self.samples, clips.clone(), &[loaded]);
        assert!(
            scored.predictions.is_empty(),
            "a clip model scores no samples"
        );
        assert_eq!(scored.clips.len(), clips.len());
        clips
            .iter()
            .map(|clip| {
                let outcome = scored
                    .clips
                    .iter()
                    .find(|p| p.video_key == clip.video_key && p.clip_index == clip.clip_index)
                    .expect("one outcome per clip");
                assert_eq!(outcome.detector_fingerprint, card.fingerprint);
                match &outcome.outcome {
                    Some(Outcome::Score(score)) => *score,
                    other => panic!("{name}: clip {clip:?} not scored: {other:?}"),
                }
            })
            .collect()
    }

    /// dfbench's per-frame tensors (the card's image preprocessing), clip by clip.
    pub fn frame_tensors(&self, card: &ResolvedCard) -> Vec<f32> {
        let preprocessing = Preprocessing::from_card(&card.card);
        self.clip_frames
            .iter()
            .flatten()
            .flat_map(|id| {
                let sample = self
                    .samples
                    .iter()
                    .find(|s| s.sample_id == *id)
                    .expect("sample");
                let image = decode_rgb(&self.dir.path().join(&sample.path)).expect("decode");
                preprocessing.prepare(&image)
            })
            .collect()
    }
}

/// The card's clip input as the fixture scripts spell it: `bcthw`, `btchw`, `thumbnail:RxC`.
pub fn script_input(card: &ResolvedCard) -> String {
    match (card.card.input, card.card.layout, card.card.grid) {
        (InputKind::Thumbnail, _, Some(grid)) => format!("thumbnail:{grid}"),
        (_, Some(layout), _) => format!("{layout:?}").to_lowercase(),
        other => panic!("not a clip card: {other:?}"),
    }
}

/// A fixture script's reference P(fake) per clip for dfbench's per-frame `tensors`.
pub fn script_clip_scores(
    python: &Path,
    script: &Path,
    card: &ResolvedCard,
    tensors: &[f32],
) -> Vec<f64> {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("frames.f32");
    let output = dir.path().join("scores.txt");
    let bytes: Vec<u8> = tensors.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(&input, bytes).expect("write tensors");
    let output_kind = match card.card.output {
        dfbench_benchmarks::card::OutputKind::Logit => "logit",
        dfbench_benchmarks::card::OutputKind::Probability => "probability",
        dfbench_benchmarks::card::OutputKind::TwoClass => "two-class",
    };
    let (batch, size, frames, kind) = (
        card.card.batch_size.to_string(),
        card.card.input_size.to_string(),
        card.card.clip_size.unwrap_or(FRAMES as u32).to_string(),
        script_input(card),
    );
    let result = std::process::Command::new(python)
        .arg(script)
        .args(["score-clips".as_ref(), card.card.model.as_os_str()])
        .args([output_kind, &batch, &size, &frames])
        .args([input.as_os_str(), output.as_os_str()])
        .arg(&kind)
        .output()
        .expect("spawn python");
    assert!(
        result.status.success(),
        "{} score-clips failed:\n{}",
        script.display(),
        String::from_utf8_lossy(&result.stderr)
    );
    std::fs::read_to_string(&output)
        .expect("scores")
        .lines()
        .map(|line| line.parse().expect("score"))
        .collect()
}

/// dfbench's and the reference's clip scores agree to 1e-5 and vary (a constant model would
/// pass without testing anything); prints the largest difference.
pub fn assert_parity(label: &str, ours: &[f64], theirs: &[f64]) {
    assert_eq!(ours.len(), theirs.len());
    let worst = ours
        .iter()
        .zip(theirs)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    println!(
        "{label}: {} clips, max |difference| = {worst:.3e}",
        ours.len()
    );
    assert!(
        worst <= 1e-5,
        "{label}: ours {ours:?}\nreference {theirs:?}"
    );
    let spread = theirs.iter().cloned().fold(f64::MIN, f64::max)
        - theirs.iter().cloned().fold(f64::MAX, f64::min);
    assert!(
        spread > 1e-4,
        "{label}: scores barely vary ({spread:e}): {theirs:?}"
    );
}
