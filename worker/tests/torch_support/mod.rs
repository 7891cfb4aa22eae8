//! Shared by the torch tests: the reference models (built once per test binary by
//! fixtures/make_models.py with the torch venv's python), PNG fixtures, lease specs from cards,
//! and PyTorch's scores for tensors dfbench prepared.
#![allow(dead_code)]

use dfbench_benchmarks::card::ResolvedCard;
use dfbench_benchmarks::image_io::RgbImage;
use dfbench_proto::v1 as pb;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The torch venv's python: `DFBENCH_TORCH_PYTHON`, else the default venv of setup-torch.sh.
pub fn python() -> PathBuf {
    let path = std::env::var_os("DFBENCH_TORCH_PYTHON")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|home| PathBuf::from(home).join(".cache/dfbench/torch-venv/bin/python"))
        })
        .expect("set DFBENCH_TORCH_PYTHON");
    assert!(
        path.exists(),
        "{} does not exist: run `eval \"$(scripts/setup-torch.sh)\"` first",
        path.display()
    );
    path
}

fn script() -> PathBuf {
    // Also included by cli/tests/torch_run.rs, whose manifest dir is cli/: go through the root.
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../worker/tests/fixtures/make_models.py")
}

fn run_python(args: &[&std::ffi::OsStr]) {
    run_script(&python(), &script(), args);
}

/// Runs a fixture script with `python`, failing the test with its stderr.
pub fn run_script(python: &Path, script: &Path, args: &[&std::ffi::OsStr]) {
    let output = Command::new(python)
        .arg(script)
        .args(args)
        .output()
        .expect("spawn python");
    assert!(
        output.status.success(),
        "{} {args:?} failed:\n{}",
        script.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Folder with every reference model and its card, built once per test binary.
pub fn models() -> &'static Path {
    static MODELS: OnceLock<tempfile::TempDir> = OnceLock::new();
    MODELS
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("tempdir");
            run_python(&["models".as_ref(), dir.path().as_os_str()]);
            dir
        })
        .path()
}

/// The card `name` of the reference models, loaded as the coordinator does.
pub fn card(name: &str) -> ResolvedCard {
    ResolvedCard::load(&models().join(format!("{name}.toml"))).expect("reference card")
}

/// The lease's spec for a card, as the coordinator ships it.
pub fn spec(detector_name: &str, card: &ResolvedCard) -> pb::DetectorSpec {
    pb::DetectorSpec {
        name: detector_name.to_string(),
        kind: "torchscript".to_string(),
        builtin: String::new(),
        card_toml: card.to_toml(),
        fingerprint: card.fingerprint.clone(),
    }
}

pub fn builtin_spec(name: &str) -> pb::DetectorSpec {
    pb::DetectorSpec {
        name: name.to_string(),
        kind: "builtin".to_string(),
        builtin: name.to_string(),
        ..Default::default()
    }
}

/// Image sizes of the PNG fixtures: square, portrait, landscape, odd, smaller than the crops.
pub const SIZES: &[(u32, u32)] = &[
    (64, 64),
    (80, 120),
    (300, 200),
    (50, 40),
    (129, 97),
    (96, 96),
    (200, 333),
    (64, 65),
    (113, 64),
    (150, 150),
];

/// Writes one textured PNG per `SIZES` entry under `dir`; returns their relative paths.
pub fn write_pngs(dir: &Path) -> Vec<String> {
    std::fs::create_dir_all(dir).expect("mkdir");
    SIZES
        .iter()
        .enumerate()
        .map(|(index, &(width, height))| {
            let mut state = 0x9e37_79b9_u32.wrapping_mul(index as u32 + 1);
            let image = RgbImage::from_fn(width, height, |x, y| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let noise = (state >> 26) as u8;
                let base = ((x * 3 + y * 5 + index as u32 * 40) % 200) as u8;
                image::Rgb([base.wrapping_add(noise), 255 - base, (x * y % 256) as u8])
            });
            let name = format!("img{index}.png");
            image.save(dir.join(&name)).expect("save png");
            name
        })
        .collect()
}

pub fn samples(paths: &[String]) -> Vec<pb::SampleRef> {
    paths
        .iter()
        .enumerate()
        .map(|(index, path)| pb::SampleRef {
            sample_id: index as i64 + 1,
            path: path.clone(),
            clip_only: false,
        })
        .collect()
}

/// PyTorch's P(fake) for the exact NCHW tensors in `tensors`, run in batches of the card's size.
pub fn pytorch_scores(card: &ResolvedCard, tensors: &[f32]) -> Vec<f64> {
    script_scores(&python(), &script(), card, tensors)
}

/// The reference P(fake) a fixture script's `score` command gives for the exact NCHW tensors in
/// `tensors` (same command line for make_models.py and make_onnx_models.py).
pub fn script_scores(
    python: &Path,
    script: &Path,
    card: &ResolvedCard,
    tensors: &[f32],
) -> Vec<f64> {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("tensors.f32");
    let output = dir.path().join("scores.txt");
    let bytes: Vec<u8> = tensors.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(&input, bytes).expect("write tensors");
    let kind = match card.card.output {
        dfbench_benchmarks::card::OutputKind::Logit => "logit",
        dfbench_benchmarks::card::OutputKind::Probability => "probability",
        dfbench_benchmarks::card::OutputKind::TwoClass => "two-class",
    };
    let (batch, size) = (
        card.card.batch_size.to_string(),
        card.card.input_size.to_string(),
    );
    run_script(
        python,
        script,
        &[
            "score".as_ref(),
            card.card.model.as_os_str(),
            kind.as_ref(),
            batch.as_ref(),
            size.as_ref(),
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
