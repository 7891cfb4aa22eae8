//! `DemoClips`: a DeepfakeBench-layout frame-sequence dataset for clip detectors, with its DFB
//! JSON. Each video is 16 consecutive 64 px frames (`000.png` … `015.png`) of one scene panning
//! one pixel per frame with fresh sensor noise in every frame. Fakes carry two artefacts: the
//! spatial up-sampling trace of the other layouts (so image detectors see them frame by frame)
//! and a temporal one, a per-frame brightness flicker whose amplitude differs per method, which
//! the built-in clip detector `temporal` (frame-to-frame residual energy) sees and image
//! detectors cannot.

use super::{LayoutSummary, SIDE, Writer, seed_of, trace, video_entry, write_json};
use crate::synth::scene::Scene;
use crate::synth::{Rng, SENSOR_NOISE, SynthError, encode, quantize, upsample};
use serde_json::{Map, Value, json};
use std::path::Path;

/// The dataset's folder under `rgb/` and its JSON name.
pub const NAME: &str = "DemoClips";
/// Frames per video.
pub const FRAMES: usize = 16;
/// Videos per label group.
const VIDEOS: usize = 6;
/// (label group, spatial trace strength, flicker amplitude as a fraction of brightness);
/// `None` for the real group.
const GROUPS: [(&str, Option<(f64, f64)>); 3] = [
    ("DemoClips_real", None),
    ("StrongFlicker_Fake", Some((0.6, 0.12))),
    ("WeakFlicker_Fake", Some((0.3, 0.05))),
];

pub(super) fn write(rgb: &Path, json: &Path) -> Result<LayoutSummary, SynthError> {
    let mut writer = Writer::new(rgb);
    let mut groups = Map::new();
    for (group, fake) in GROUPS {
        let mut videos = Map::new();
        for video in 0..VIDEOS {
            let folder = format!("{NAME}/{group}/{video:03}");
            let mut rng = Rng::new(seed_of(&folder));
            let mut frames = Vec::with_capacity(FRAMES);
            for (index, pixels) in render_video(&mut rng, fake).into_iter().enumerate() {
                let rel = format!("{folder}/{index:03}.png");
                let bytes = encode(&pixels, SIDE, None, &rgb.join(&rel))?;
                writer.write_image(&rel, &bytes)?;
                frames.push(rel);
            }
            videos.insert(format!("{video:03}"), video_entry(group, &frames));
        }
        groups.insert(group.to_string(), json!({ "test": videos }));
    }
    let mut top = Map::new();
    top.insert(NAME.to_string(), Value::Object(groups));
    write_json(json, NAME, &Value::Object(top))?;
    Ok(LayoutSummary {
        name: "clips".to_string(),
        root: rgb.to_path_buf(),
        images: writer.images,
        note: format!(
            "{NAME}: {} videos of {FRAMES} frames whose fakes flicker, for clip detectors (format dfb-json, sets = [\"{NAME}\"]; root = rgb/)",
            GROUPS.len() * VIDEOS
        ),
    })
}

/// The frames of one video (RGB8, `SIDE`×`SIDE`): a window panning over one larger scene.
fn render_video(rng: &mut Rng, fake: Option<(f64, f64)>) -> Vec<Vec<u8>> {
    let extent = SIDE + FRAMES;
    let scene = Scene::new(rng, extent as f64).render(extent, 1.0);
    let sensor = rng.range(SENSOR_NOISE);
    (0..FRAMES)
        .map(|frame| {
            let window = scene
                .clone()
                .map(|plane| crop(&plane, extent, frame, frame / 2));
            match fake {
                None => quantize(&window, sensor, rng),
                Some((strength, flicker)) => {
                    let subset = trace(strength);
                    let gain = 1.0 + flicker * (2.0 * rng.unit() - 1.0);
                    let planes = window.map(|plane| {
                        let traced = upsample(&halve(&plane), SIDE / 2, &subset);
                        traced.into_iter().map(|value| value * gain).collect()
                    });
                    let noise = rng.range(subset.post_noise);
                    quantize(&planes, noise, rng)
                }
            }
        })
        .collect()
}

/// The `SIDE`×`SIDE` window of an `extent`-wide plane whose top left corner is (x, y).
fn crop(plane: &[f64], extent: usize, x: usize, y: usize) -> Vec<f64> {
    (0..SIDE)
        .flat_map(|row| {
            let start = (y + row) * extent + x;
            plane[start..start + SIDE].iter().copied()
        })
        .collect()
}

/// 2×2 box average of a `SIDE`×`SIDE` plane: the half-resolution content fakes are made from.
fn halve(plane: &[f64]) -> Vec<f64> {
    let half = SIDE / 2;
    (0..half * half)
        .map(|index| {
            let (row, col) = (2 * (index / half), 2 * (index % half));
            let at = |r: usize, c: usize| plane[r * SIDE + c];
            (at(row, col) + at(row, col + 1) + at(row + 1, col) + at(row + 1, col + 1)) / 4.0
        })
        .collect()
}
