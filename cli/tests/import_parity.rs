//! Imported cards score what the upstream framework scores (issue 18's model parity, issue 19's
//! ONNX parity). For every image family the exporter knows: a seeded random-init checkpoint in
//! the family's release layout is imported with `dfbench import --onnx`; dfbench scores PNG
//! fixtures of several sizes through the TorchScript card (tch) and through the ONNX card (ONNX
//! Runtime); the exact tensors dfbench prepared then go through the family's eager PyTorch module
//! with the checkpoint loaded by the exporter's strict loader (fixtures/import_eager.py), and
//! through onnxruntime-Python on the exported model.onnx. Both differences are bounded at 1e-5
//! and printed per family. Clip families (the DeepfakeBench video detectors) score three videos
//! of two clips through the shard's clip path. Families marked `reduced` (ViT-L/14, 3D
//! ResNet-50) run at the reduced width/depth of the same code; a family without an ONNX export
//! (spsl's FFT) is compared through TorchScript only.
//!
//! Each import is also checked as `dfbench import` promises (import_support::check_imported: the
//! card's `[source]` hashes, the printed fingerprint, the exporter's own parity line); this is the
//! one place every family's release layout is imported.
//!
//! Runs in the torch+onnx build (scripts/test.sh), with both venvs.
#![cfg(all(feature = "torch", feature = "onnx"))]

#[path = "../../worker/tests/clip_support/mod.rs"]
mod clip_support;
mod import_support;
#[path = "../../worker/tests/onnx_support/mod.rs"]
mod onnx_support;
mod support;
#[path = "../../worker/tests/torch_support/mod.rs"]
mod torch_support;

use clip_support::{clip_fixture_of, script_clip_scores};
use dfbench_benchmarks::card::ResolvedCard;
use dfbench_benchmarks::image_io::decode_rgb;
use dfbench_proto::v1 as pb;
use dfbench_proto::v1::prediction::Outcome;
use dfbench_worker::preprocess::Preprocessing;
use dfbench_worker::runtime::load_detector;
use dfbench_worker::scoring::{LoadedDetector, score_chunk};
use import_support::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use torch_support::{samples, script_scores, spec, write_pngs};

/// Bound on |dfbench − reference| for P(fake), both runtimes.
const TOLERANCE: f64 = 1e-5;

/// dfbench's P(fake) for every fixture through `spec` (one card, one runtime).
fn dfbench_scores(root: &Path, paths: &[String], spec: &pb::DetectorSpec) -> Vec<f64> {
    let loaded = load_detector(spec, "cpu");
    if let LoadedDetector::Unavailable { kind, reason, .. } = &loaded {
        panic!("{} did not load: {kind}: {reason}", spec.name);
    }
    score_chunk(root, &samples(paths), &[loaded])
        .iter()
        .map(|prediction| match &prediction.outcome {
            Some(Outcome::Score(score)) => *score,
            other => panic!(
                "{}: {} not scored: {other:?}",
                spec.name, prediction.sample_id
            ),
        })
        .collect()
}

/// PyTorch's P(fake): the eager module with the checkpoint, on dfbench's tensors.
fn eager_scores(
    python: &Path,
    family: &str,
    size: Size,
    weights: &Path,
    encoder: Option<&Path>,
    tensors: &[f32],
    count: usize,
) -> Vec<f64> {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("tensors.f32");
    let output = dir.path().join("scores.txt");
    let bytes: Vec<u8> = tensors.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(&input, bytes).expect("write tensors");
    let run = size
        .apply(&mut Command::new(python))
        .arg(Path::new(FIXTURES).join("import_eager.py"))
        .args([family.as_ref(), weights.as_os_str(), input.as_os_str()])
        .arg(count.to_string())
        .arg(&output)
        .args(encoder)
        .output()
        .expect("spawn python");
    assert!(run.status.success(), "{}", text(&run.stderr));
    std::fs::read_to_string(&output)
        .expect("scores")
        .lines()
        .map(|line| line.parse().expect("score"))
        .collect()
}

fn worst(ours: &[f64], theirs: &[f64]) -> f64 {
    assert_eq!(ours.len(), theirs.len());
    ours.iter()
        .zip(theirs)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
}

struct Row {
    family: String,
    size: &'static str,
    torch: f64,
    onnx: Option<f64>,
    spread: f64,
}

fn family_parity(torch: &Path, onnx: &Path, family: &FamilyLine) -> Row {
    let name = family.name.as_str();
    let size = if family.reduced {
        Size::Reduced
    } else {
        Size::Full
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = release_manifest(torch, dir.path(), name, size);
    // A family released as two files gets its encoder beside the checkpoint (path printed).
    let (weights, encoder) = checkpoint_from(torch, dir.path(), &manifest, size, "exact");
    let encoder = (!encoder.is_empty()).then(|| PathBuf::from(encoder));
    let out = dir.path().join("card");
    let mut args = vec![
        "--family",
        name,
        "--weights",
        path_str(&weights),
        "--out",
        path_str(&out),
    ];
    if family.onnx {
        args.push("--onnx");
    }
    if let Some(encoder) = &encoder {
        args.extend(["--encoder", path_str(encoder)]);
    }
    let imported = import_at(torch, size, &args);
    assert!(
        imported.status.success(),
        "{name}: {}",
        text(&imported.stderr)
    );
    let card = check_imported(
        name,
        &weights,
        encoder.as_deref(),
        &out,
        &text(&imported.stdout),
    );

    let onnx_card = family
        .onnx
        .then(|| ResolvedCard::load(&out.join("onnx-card.toml")).expect("onnx-card.toml"));
    let scores = if family.card.get("input").and_then(|v| v.as_str()) == Some("clip") {
        clip_scores(&card, onnx_card.as_ref(), onnx)
    } else {
        image_scores(&dir, &card, onnx_card.as_ref(), onnx)
    };
    let eager = eager_scores(
        torch,
        name,
        size,
        &weights,
        encoder.as_deref(),
        &scores.tensors,
        scores.count,
    );
    let spread = eager.iter().cloned().fold(f64::MIN, f64::max)
        - eager.iter().cloned().fold(f64::MAX, f64::min);
    Row {
        family: name.to_string(),
        size: if family.reduced { "reduced" } else { "full" },
        torch: worst(&scores.torch, &eager),
        onnx: scores.onnx.map(|(ours, theirs)| worst(&ours, &theirs)),
        spread,
    }
}

/// dfbench's scores of one card per runtime, the tensors dfbench prepared for them, and
/// onnxruntime-Python's scores of those tensors.
struct Scores {
    torch: Vec<f64>,
    /// (dfbench through ONNX Runtime, onnxruntime-Python); None for a family without ONNX.
    onnx: Option<(Vec<f64>, Vec<f64>)>,
    tensors: Vec<f32>,
    /// Model inputs in `tensors` (images or clips).
    count: usize,
}

/// PNG fixtures of several sizes, scored one image per input.
fn image_scores(
    dir: &tempfile::TempDir,
    card: &ResolvedCard,
    onnx_card: Option<&ResolvedCard>,
    onnx: &Path,
) -> Scores {
    let name = card_name(card);
    let data = dir.path().join("images");
    let paths = write_pngs(&data);
    let preprocessing = Preprocessing::from_card(&card.card);
    let tensors: Vec<f32> = paths
        .iter()
        .flat_map(|path| preprocessing.prepare(&decode_rgb(&data.join(path)).expect("decode")))
        .collect();
    let onnx = onnx_card.map(|onnx_card| {
        let ours = dfbench_scores(&data, &paths, &onnx_support::onnx_spec(&name, onnx_card));
        (
            ours,
            script_scores(onnx, &onnx_support::script(), onnx_card, &tensors),
        )
    });
    Scores {
        torch: dfbench_scores(&data, &paths, &spec(&name, card)),
        onnx,
        tensors,
        count: paths.len(),
    }
}

/// Three videos of two clips of the card's clip size, scored through the shard's clip path.
fn clip_scores(card: &ResolvedCard, onnx_card: Option<&ResolvedCard>, onnx: &Path) -> Scores {
    let name = card_name(card);
    let frames = card.card.clip_size.expect("a clip card has clip_size") as usize;
    let fixture = clip_fixture_of(frames);
    let tensors = fixture.frame_tensors(card);
    let onnx = onnx_card.map(|onnx_card| {
        let loaded = load_detector(&onnx_support::onnx_spec(&name, onnx_card), "cpu");
        let ours = fixture.dfbench_scores(loaded, &name, onnx_card);
        (
            ours,
            script_clip_scores(onnx, &onnx_support::script(), onnx_card, &tensors),
        )
    });
    Scores {
        torch: fixture.dfbench_scores(load_detector(&spec(&name, card), "cpu"), &name, card),
        onnx,
        tensors,
        count: fixture.clip_frames.len(),
    }
}

fn card_name(card: &ResolvedCard) -> String {
    card.card
        .source
        .as_ref()
        .map_or_else(|| "imported".to_string(), |source| source.family.clone())
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 temp path")
}

// The families in two halves, one test each, which the test harness runs side by side: most of
// a family's time is single-threaded (Python start-up, tracing, export), and this is the
// longest test of the suite.
#[test]
fn imported_families_score_as_pytorch_and_onnxruntime_half_1() {
    families_score_as_pytorch_and_onnxruntime(0);
}

#[test]
fn imported_families_score_as_pytorch_and_onnxruntime_half_2() {
    families_score_as_pytorch_and_onnxruntime(1);
}

/// Every other family of the exporter's list, from `first` (0 or 1).
fn families_score_as_pytorch_and_onnxruntime(first: usize) {
    let Some(torch) = torch_python() else { return };
    let Some(onnx) = onnx_support::onnx_python("imported families") else {
        return;
    };
    // DFBENCH_IMPORT_FAMILIES=a,b limits the test to those families (while working on one).
    let chosen: Option<Vec<String>> = std::env::var("DFBENCH_IMPORT_FAMILIES")
        .ok()
        .map(|names| names.split(',').map(str::to_string).collect());
    // Face detectors (MTCNN) score nothing: cli/tests/faces.rs compares them with their upstream.
    let families: Vec<FamilyLine> = exporter_families(&torch)
        .into_iter()
        .filter(FamilyLine::scores)
        .filter(|family| {
            chosen
                .as_ref()
                .is_none_or(|names| names.contains(&family.name))
        })
        .collect();
    if chosen.is_none() {
        assert!(families.len() >= 16, "only {} families", families.len());
    }
    let families: Vec<&FamilyLine> = families.iter().skip(first).step_by(2).collect();
    println!(
        "{:<16} {:<8} {:>22} {:>26} {:>12}",
        "family", "size", "|dfbench tch − torch|", "|dfbench ort − ort-python|", "score spread"
    );
    let mut failures = Vec::new();
    for family in families {
        let row = family_parity(&torch, &onnx, family);
        let onnx = row
            .onnx
            .map_or_else(|| "no ONNX export".to_string(), |v| format!("{v:.3e}"));
        println!(
            "{:<16} {:<8} {:>22.3e} {:>26} {:>12.4}",
            row.family, row.size, row.torch, onnx, row.spread
        );
        if row.torch > TOLERANCE || row.onnx.is_some_and(|worst| worst > TOLERANCE) {
            failures.push(format!("{}: beyond {TOLERANCE}", row.family));
        }
        // A saturated or constant model would pass the comparison without testing anything.
        if row.spread <= 1e-4 {
            failures.push(format!(
                "{}: scores barely vary ({:e})",
                row.family, row.spread
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
