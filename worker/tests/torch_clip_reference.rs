//! dfbench's clip scores equal PyTorch's (to 1e-5) for three reference clip models built by
//! fixtures/make_clip_models.py with fixed seeds: a 3D-conv net on B×C×T×H×W (`bcthw`), a
//! frame-wise 2D net with a temporal mean on B×T×C×H×W (`btchw`), and a 2D net on the 2×2 TALL
//! thumbnail. PyTorch gets dfbench's per-frame tensors and builds each clip's tensor itself
//! (permute, or tile + `F.interpolate(bilinear, align_corners=False)`), so the comparison
//! checks dfbench's layouts and thumbnail as well as the model run, batching and output mapping.
#![cfg(feature = "torch")]

mod torch_support;

use dfbench_benchmarks::card::ResolvedCard;
use dfbench_benchmarks::card::clip::InputKind;
use dfbench_benchmarks::image_io::{RgbImage, decode_rgb};
use dfbench_proto::v1::{self as pb, clip_prediction::Outcome};
use dfbench_worker::preprocess::Preprocessing;
use dfbench_worker::runtime::load_detector;
use dfbench_worker::scoring::{LoadedDetector, score_chunk_with_clips};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use torch_support::{python, run_script, spec};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/make_clip_models.py")
}

fn models() -> &'static Path {
    static MODELS: OnceLock<tempfile::TempDir> = OnceLock::new();
    MODELS
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("tempdir");
            run_script(
                &python(),
                &script(),
                &["models".as_ref(), dir.path().as_os_str()],
            );
            dir
        })
        .path()
}

/// Three videos of 8 frames (two clips of 4 each), frame sizes varying across videos.
fn write_videos(dir: &Path) -> (Vec<pb::SampleRef>, Vec<Vec<i64>>) {
    let sizes = [(48, 40), (64, 64), (37, 53)];
    let mut samples = Vec::new();
    let mut clips = Vec::new();
    for (video, (width, height)) in sizes.iter().enumerate() {
        std::fs::create_dir_all(dir.join(format!("v{video}"))).expect("mkdir");
        let mut ids = Vec::new();
        for t in 0..8u32 {
            let mut state = 0x2545_f491_u32.wrapping_mul(video as u32 * 8 + t + 1);
            let image = RgbImage::from_fn(*width, *height, |x, y| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let base = ((x * 3 + y * 2 + t * 9 + video as u32 * 50) % 200) as u8;
                image::Rgb([base + (state >> 28) as u8, 255 - base, (x * y % 256) as u8])
            });
            let path = format!("v{video}/{t}.png");
            image.save(dir.join(&path)).expect("save");
            let sample_id = (video * 100) as i64 + i64::from(t);
            samples.push(pb::SampleRef { sample_id, path });
            ids.push(sample_id);
        }
        clips.push(ids[..4].to_vec());
        clips.push(ids[4..].to_vec());
    }
    (samples, clips)
}

fn clip_scores_equal_pytorch(name: &str, expected_input: InputKind) {
    let card = ResolvedCard::load(&models().join(format!("{name}.toml"))).expect("card");
    let data = tempfile::tempdir().expect("tempdir");
    let (samples, clip_frames) = write_videos(data.path());
    let loaded = load_detector(&spec(name, &card), "cpu");
    if let LoadedDetector::Unavailable { kind, reason, .. } = &loaded {
        panic!("{name} did not load: {kind}: {reason}");
    }
    assert_eq!(loaded.input(), expected_input);
    let clips: Vec<pb::ClipRef> = clip_frames
        .iter()
        .enumerate()
        .map(|(index, ids)| pb::ClipRef {
            detector: name.to_string(),
            video_key: format!("v{}", index / 2),
            clip_index: (index % 2) as u32,
            sample_ids: ids.clone(),
        })
        .collect();
    let scored = score_chunk_with_clips(data.path(), &samples, clips.clone(), &[loaded]);
    assert!(
        scored.predictions.is_empty(),
        "a clip model scores no samples"
    );
    assert_eq!(scored.clips.len(), clips.len());
    let ours: Vec<f64> = clips
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
        .collect();

    // dfbench's per-frame tensors, clip by clip; PyTorch stacks them itself.
    let preprocessing = Preprocessing::from_card(&card.card);
    let path_of = |id: &i64| {
        let sample = samples.iter().find(|s| s.sample_id == *id).expect("sample");
        data.path().join(&sample.path)
    };
    let tensors: Vec<f32> = clip_frames
        .iter()
        .flatten()
        .flat_map(|id| preprocessing.prepare(&decode_rgb(&path_of(id)).expect("decode")))
        .collect();
    let kind = match (card.card.input, card.card.layout, card.card.grid) {
        (InputKind::Thumbnail, _, Some(grid)) => format!("thumbnail:{grid}"),
        (_, Some(layout), _) => format!("{layout:?}").to_lowercase(),
        other => panic!("not a clip card: {other:?}"),
    };
    let theirs = pytorch_scores(&card, &kind, 4, &tensors);
    assert_eq!(ours.len(), theirs.len());
    let worst = ours
        .iter()
        .zip(&theirs)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    println!(
        "{name} ({kind}): {} clips, max |dfbench − pytorch| = {worst:.3e}",
        ours.len()
    );
    assert!(worst <= 1e-5, "{name}: ours {ours:?}\npytorch {theirs:?}");
    // A constant model would pass the comparison without testing anything.
    let spread = theirs.iter().cloned().fold(f64::MIN, f64::max)
        - theirs.iter().cloned().fold(f64::MAX, f64::min);
    assert!(
        spread > 1e-4,
        "{name}: scores barely vary ({spread:e}): {theirs:?}"
    );
}

/// PyTorch's P(fake) per clip for dfbench's per-frame tensors (`frames` per clip).
fn pytorch_scores(card: &ResolvedCard, kind: &str, frames: usize, tensors: &[f32]) -> Vec<f64> {
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
    let (batch, size, frames) = (
        card.card.batch_size.to_string(),
        card.card.input_size.to_string(),
        frames.to_string(),
    );
    run_script(
        &python(),
        &script(),
        &[
            "score".as_ref(),
            card.card.model.as_os_str(),
            kind.as_ref(),
            output_kind.as_ref(),
            batch.as_ref(),
            size.as_ref(),
            frames.as_ref(),
            input.as_os_str(),
            output.as_os_str(),
        ],
    );
    std::fs::read_to_string(&output)
        .expect("scores")
        .lines()
        .map(|line| line.parse().expect("score"))
        .collect()
}

/// 3D convolutions on B×C×T×H×W, logit, batches of 3 clips (the last one partial).
#[test]
fn bcthw_clip_model_matches_pytorch() {
    clip_scores_equal_pytorch("clip3d", InputKind::Clip);
}

/// Frame-wise 2D net + temporal mean on B×T×C×H×W, shorter-side crop, two-class, batches of 2.
#[test]
fn btchw_clip_model_matches_pytorch() {
    clip_scores_equal_pytorch("framewise", InputKind::Clip);
}

/// TALL: 2×2 thumbnail of the normalised frames, bilinear back to 32×32, probability.
#[test]
fn thumbnail_model_matches_pytorch() {
    clip_scores_equal_pytorch("thumbnail", InputKind::Thumbnail);
}
