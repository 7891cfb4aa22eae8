//! `dfbench bench detector` as a real process on the reference models, with few images and one
//! round: an ONNX card prints forward-only and end-to-end rates and the onnxruntime-Python
//! anchor with its ratios (a dynamic-batch and a fixed-batch model); with `torch` too, the same
//! CNN as TorchScript and as its ONNX export in one run prints the TorchScript / ONNX ratio and
//! the PyTorch anchor. Rates depend on the machine: the test checks the lines and that every
//! figure is a positive number, not its size. Skips visibly without the ONNX venv.
#![cfg(feature = "onnx")]

#[path = "../../worker/tests/onnx_support/mod.rs"]
mod onnx_support;
mod support;
#[path = "../../worker/tests/torch_support/mod.rs"]
#[allow(unused)]
mod torch_support;

use std::path::Path;
use support::figures::figure;
use support::run_ok;

fn bench(card: &Path, extra: &[&str], work: &Path) -> String {
    let card = card.display().to_string();
    let mut args = vec![
        "bench",
        "detector",
        &card,
        "--count",
        "12",
        "--batch-size",
        "5",
        "--rounds",
        "1",
        "--threads",
        "1",
        "--loader-workers",
        "0",
    ];
    args.extend_from_slice(extra);
    let output = run_ok(&args, work);
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    println!("{stdout}");
    stdout
}

#[test]
fn onnx_cards_print_both_rates_and_the_onnxruntime_python_anchor() {
    let Some(python) = onnx_support::onnx_python("bench_detector") else {
        return;
    };
    let work = tempfile::tempdir().expect("tempdir");
    let python = python.display().to_string();
    for name in ["small_cnn", "fixed_batch"] {
        let card = onnx_support::models(python.as_ref()).join(format!("{name}.toml"));
        let stdout = bench(&card, &["--onnx-python", &python], work.path());
        let header = stdout.lines().next().unwrap_or_default();
        assert!(
            header.contains("12 images") && header.contains("onnxruntime 1.31"),
            "{header}"
        );
        let forward = figure(&stdout, "forward only");
        let end_to_end = figure(&stdout, "dfbench end to end");
        let ratio = figure(&stdout, "end to end / forward");
        assert!((ratio - end_to_end / forward).abs() < 1e-3 * ratio.max(1.0) + 1e-3);
        let anchor = figure(&stdout, "onnxruntime-python loop");
        let versus = figure(&stdout, "dfbench / ort-python");
        assert!((versus - end_to_end / anchor).abs() < 1e-3 * versus.max(1.0) + 1e-3);
        figure(&stdout, "ort-python forward only");
        figure(&stdout, "e2e / ort-python fwd");
    }
}

/// The reference TorchScript CNN and its ONNX export (same weights), measured in one run.
#[cfg(feature = "torch")]
#[test]
fn the_same_model_as_torchscript_and_onnx_prints_their_ratio() {
    let Some(onnx_python) = onnx_support::onnx_python("bench_detector") else {
        return;
    };
    let work = tempfile::tempdir().expect("tempdir");
    let models = work.path().join("models");
    std::fs::create_dir_all(&models).expect("mkdir");
    for file in ["small_cnn.pt", "small_cnn.toml"] {
        std::fs::copy(torch_support::models().join(file), models.join(file)).expect("copy");
    }
    let onnx = models.join("small_cnn.onnx");
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../worker/tests/fixtures/make_models.py");
    let pt = models.join("small_cnn.pt");
    torch_support::run_script(
        &torch_support::python(),
        &script,
        &[
            "onnx".as_ref(),
            pt.as_os_str(),
            onnx.as_os_str(),
            "64".as_ref(),
        ],
    );
    let card = std::fs::read_to_string(models.join("small_cnn.toml")).expect("card");
    let onnx_card = models.join("small_cnn_onnx.toml");
    std::fs::write(&onnx_card, card.replace("small_cnn.pt", "small_cnn.onnx")).expect("card");

    let torch_python = torch_support::python().display().to_string();
    let onnx_python = onnx_python.display().to_string();
    let compare = onnx_card.display().to_string();
    let stdout = bench(
        &models.join("small_cnn.toml"),
        &[
            "--compare-card",
            &compare,
            "--python",
            &torch_python,
            "--onnx-python",
            &onnx_python,
        ],
        work.path(),
    );
    assert!(
        stdout
            .lines()
            .next()
            .unwrap_or_default()
            .contains("libtorch"),
        "{stdout}"
    );
    assert!(stdout.contains("onnxruntime 1.31"), "{stdout}");
    figure(&stdout, "forward only");
    figure(&stdout, "torchscript / onnx");
    figure(&stdout, "pytorch eval loop");
    figure(&stdout, "dfbench / pytorch");
}
