//! The face-detector card (issue 22): MTCNN's released nets (facenet-pytorch's wheel) imported
//! with `dfbench import --family mtcnn --onnx`, then `dfbench faces` — dfbench's pyramid, NMS
//! and box regression in Rust around the nets on its own runtime, TorchScript and ONNX — on
//! frames made from scikit-image's `astronaut` photograph (moved, scaled, cut by the frame
//! edge) and one frame without a face. facenet-pytorch's own `MTCNN.detect` on the same frames
//! is the reference: the same number of faces per frame (none on the empty one), boxes and
//! landmarks within 4 px, probabilities within 1e-3; the largest deviations are printed.
//!
//! Runs in the torch+onnx build (scripts/test.sh), with the torch venv of scripts/setup-torch.sh
//! (facenet-pytorch and scikit-image installed there --no-deps).
#![cfg(all(feature = "torch", feature = "onnx"))]

mod import_support;
#[path = "../../worker/tests/prepare_support/mod.rs"]
mod prepare_support;
mod support;

use dfbench_benchmarks::FailureKind;
use import_support::{FIXTURES, import, text, torch_python};
use std::path::{Path, PathBuf};
use std::process::Command;
use support::dfbench;

/// Bound on |dfbench − facenet-pytorch| for box corners and landmarks, in pixels.
const PIXELS: f64 = 4.0;
/// Bound on the difference of face probabilities.
const PROBABILITY: f64 = 1e-3;

#[derive(Debug, serde::Deserialize)]
struct Found {
    image: PathBuf,
    faces: Vec<Face>,
}

#[derive(Debug, serde::Deserialize)]
struct Face {
    bbox: [f64; 4],
    score: f64,
    landmarks: [[f64; 2]; 5],
}

fn reference(python: &Path, args: &[&str]) -> String {
    let output = Command::new(python)
        .arg(Path::new(FIXTURES).join("faces_reference.py"))
        .args(args)
        .output()
        .expect("spawn python");
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout)
}

fn parse(lines: &str) -> Vec<Found> {
    lines
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// (max pixel deviation, max probability deviation) of `ours` against `theirs`, frame by frame
/// and face by face (both list the largest face first).
fn deviation(label: &str, ours: &[Found], theirs: &[Found]) -> (f64, f64) {
    assert_eq!(ours.len(), theirs.len(), "{label}: frames");
    let (mut pixels, mut probability) = (0.0f64, 0.0f64);
    for (a, b) in ours.iter().zip(theirs) {
        assert_eq!(a.image, b.image);
        assert_eq!(
            a.faces.len(),
            b.faces.len(),
            "{label}: faces in {}: {:?} vs {:?}",
            a.image.display(),
            a.faces,
            b.faces
        );
        for (x, y) in a.faces.iter().zip(&b.faces) {
            let corners = x.bbox.iter().zip(&y.bbox);
            let points = x
                .landmarks
                .iter()
                .flatten()
                .zip(y.landmarks.iter().flatten());
            for (p, q) in corners.chain(points) {
                pixels = pixels.max((p - q).abs());
            }
            probability = probability.max((x.score - y.score).abs());
        }
    }
    (pixels, probability)
}

#[test]
fn mtcnn_card_finds_the_faces_facenet_pytorch_finds() {
    let Some(python) = torch_python() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let weights = reference(&python, &["weights"]);
    let card = dir.path().join("mtcnn");
    let imported = import(
        &python,
        &[
            "--family",
            "mtcnn",
            "--weights",
            weights.trim(),
            "--out",
            card.to_str().expect("utf-8"),
            "--onnx",
        ],
    );
    let stdout = text(&imported.stdout);
    assert!(
        imported.status.success(),
        "{}{}",
        stdout,
        text(&imported.stderr)
    );
    assert!(stdout.contains("max |Δ output| 0.000e0"), "{stdout}");

    let frames_dir = dir.path().join("frames");
    let listed = reference(&python, &["frames", frames_dir.to_str().expect("utf-8")]);
    let frames: Vec<&str> = listed.lines().collect();
    let theirs = parse(&reference(&python, &[&["detect"], &frames[..]].concat()));
    let with_faces = theirs
        .iter()
        .filter(|found| !found.faces.is_empty())
        .count();
    assert_eq!(with_faces, frames.len() - 1, "facenet-pytorch: {theirs:?}");
    assert!(theirs.last().is_some_and(|found| found.faces.is_empty()));

    let mut cards = vec![("torchscript", card.join("card.toml"))];
    match std::env::var_os("ORT_DYLIB_PATH") {
        Some(_) => cards.push(("onnx", card.join("onnx-card.toml"))),
        None => assert!(
            std::env::var("DFBENCH_REQUIRE_ONNX").as_deref() != Ok("1"),
            "DFBENCH_REQUIRE_ONNX=1 but ORT_DYLIB_PATH is not set: eval \"$(scripts/setup-onnx.sh)\""
        ),
    }
    for (runtime, card) in cards {
        let output = dfbench()
            .arg("faces")
            .arg("--card")
            .arg(&card)
            .args(&frames)
            .output()
            .expect("spawn dfbench");
        assert!(
            output.status.success(),
            "{runtime}: {}",
            text(&output.stderr)
        );
        let ours = parse(&text(&output.stdout));
        let (pixels, probability) = deviation(runtime, &ours, &theirs);
        println!(
            "{runtime}: {} frames, {with_faces} with a face; max |Δ| box/landmark {pixels:.2e} px, \
             probability {probability:.2e}",
            frames.len()
        );
        assert!(pixels <= PIXELS, "{runtime}: {pixels} px");
        assert!(probability <= PROBABILITY, "{runtime}: {probability}");
    }
    prepare_crops_faces_with_the_card(&card.join("card.toml"), dir.path());
}

/// `dfbench prepare --faces CARD` on two generated videos: the astronaut zooming and panning
/// (every sampled frame an aligned 256² face crop with its box and landmarks in the manifest)
/// and a plain grey one (every frame a recorded `no_face`, no image written).
fn prepare_crops_faces_with_the_card(card: &Path, dir: &Path) {
    let Some(photo) = prepare_support::astronaut() else {
        return;
    };
    let videos = dir.join("videos/FF-real");
    std::fs::create_dir_all(&videos).expect("mkdir");
    prepare_support::video(&photo, &videos.join("000.mp4"), 24, 160);
    let grey = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "color=c=gray:s=160x160:r=25",
        ])
        .args(["-frames:v", "24", "-c:v", "libx264", "-pix_fmt", "yuv420p"])
        .arg(videos.join("001.mp4"))
        .status()
        .expect("spawn ffmpeg");
    assert!(grey.success());
    let output = dfbench()
        .current_dir(dir)
        .args([
            "prepare",
            "videos",
            "--dataset",
            "FaceForensics++",
            "--out",
            "prepared",
        ])
        .args(["--frames", "6", "--faces"])
        .arg(card)
        .output()
        .expect("spawn dfbench");
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    println!("{stdout}");
    assert!(
        stdout.contains("prepared 2 videos (0 already done)"),
        "{stdout}"
    );
    assert!(stdout.contains("6 frames written"), "{stdout}");
    assert!(stdout.contains("6 frames failed: no_face"), "{stdout}");
    let manifest = std::fs::read_to_string(dir.join("prepared/manifest.jsonl")).expect("manifest");
    let records: Vec<serde_json::Value> = manifest
        .lines()
        .map(|line| serde_json::from_str(line).expect("json"))
        .collect();
    let frames = |video: &str| -> Vec<serde_json::Value> {
        let record = records
            .iter()
            .find(|record| record["video"].as_str().is_some_and(|v| v.ends_with(video)))
            .unwrap_or_else(|| panic!("no record of {video}: {manifest}"));
        record["frames"].as_array().expect("frames").clone()
    };
    for frame in frames("000.mp4") {
        let path = frame["path"].as_str().unwrap_or_else(|| panic!("{frame}"));
        assert!(
            frame["box"].is_array() && frame["landmarks"].is_array(),
            "{frame}"
        );
        let crop = image::open(dir.join("prepared").join(path)).expect("crop");
        assert_eq!((crop.width(), crop.height()), (256, 256));
    }
    for frame in frames("001.mp4") {
        assert_eq!(frame["failure"], FailureKind::NoFace.as_str(), "{frame}");
        assert!(frame["path"].is_null(), "{frame}");
    }
    let provenance =
        std::fs::read_to_string(dir.join("prepared/prepare.json")).expect("prepare.json");
    assert!(
        provenance.contains("MTCNN landmarks in place of dlib"),
        "{provenance}"
    );
}

/// A face-detector card cannot be scored with: a suite naming one is refused by name.
#[test]
fn a_run_naming_a_face_card_is_refused_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    std::fs::create_dir_all(work.join("data/0_real")).expect("mkdir");
    std::fs::write(
        work.join("face.toml"),
        "kind = \"face-detector\"\ndetector = \"mtcnn\"\npnet = \"p.pt\"\nrnet = \"r.pt\"\n\
         onet = \"o.pt\"\nthresholds = [0.6, 0.7, 0.7]\nmin_face_size = 20\nfactor = 0.709\n",
    )
    .expect("card");
    std::fs::write(
        work.join("suite.toml"),
        "name = \"faces\"\n[[datasets]]\nname = \"d\"\nformat = \"cnnspot\"\nroot = \"data\"\n\
         [[detectors]]\nname = \"mtcnn\"\nkind = \"torchscript\"\ncard = \"face.toml\"\n",
    )
    .expect("suite");
    let output = dfbench()
        .current_dir(work)
        .args(["run", "suite.toml"])
        .output()
        .expect("spawn dfbench");
    let stderr = text(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("is a face-detector card"), "{stderr}");
}
