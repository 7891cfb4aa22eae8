//! `dfbench run` in local mode with one suite mixing runtimes: a built-in, ONNX cards (a
//! dynamic-batch model, a fixed-batch model, a file that is not ONNX) and, when built with
//! `torch` too, a TorchScript card. One run, one report: the ONNX scores equal
//! onnxruntime-Python's on the same tensors, the broken file is a typed failure, every other
//! detector's scores land. Skips visibly without the ONNX venv (see onnx_support).
#![cfg(feature = "onnx")]

#[path = "../../worker/tests/onnx_support/mod.rs"]
mod onnx_support;
mod support;
#[path = "../../worker/tests/torch_support/mod.rs"]
mod torch_support;

use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::image_io::decode_rgb;
use dfbench_worker::preprocess::Preprocessing;
use std::collections::BTreeMap;
use support::*;

const SUITE: &str = r#"
name = "runtime-mix"
shard_size = 8
[[datasets]]
name = "pngs"
format = "cnnspot"
root = "data"
[[detectors]]
name = "spectral"
kind = "builtin"
[[detectors]]
name = "onnx-cnn"
kind = "onnx"
card = "models/small_cnn.toml"
[[detectors]]
name = "onnx-fixed"
kind = "onnx"
card = "models/fixed_batch.toml"
[[detectors]]
name = "onnx-broken"
kind = "onnx"
card = "models/not_a_model.toml"
"#;

/// With the torch feature the same run also holds a TorchScript card.
const TORCH_DETECTOR: &str = r#"
[[detectors]]
name = "torch-cnn"
kind = "torchscript"
card = "torch-models/small_cnn.toml"
"#;

fn copy_folder(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("models") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, to.join(path.file_name().expect("name"))).expect("copy model");
    }
}

#[test]
fn one_run_mixing_runtimes_gives_one_report_with_onnxruntime_scores() {
    let Some(python) = onnx_support::onnx_python("onnx_run") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    let mut paths = Vec::new();
    for folder in ["data/0_real", "data/1_fake"] {
        for name in torch_support::write_pngs(&work.join(folder)) {
            paths.push(format!("{folder}/{name}"));
        }
    }
    copy_folder(onnx_support::models(&python), &work.join("models"));
    let mut suite = SUITE.to_string();
    let mut scored = vec!["spectral", "onnx-cnn", "onnx-fixed"];
    if cfg!(feature = "torch") {
        copy_folder(torch_support::models(), &work.join("torch-models"));
        suite.push_str(TORCH_DETECTOR);
        scored.push("torch-cnn");
    } else {
        println!("built without torch: the run mixes built-in and ONNX detectors only");
    }
    std::fs::write(work.join("suite.toml"), &suite).expect("suite");

    let args = [
        "run",
        "suite.toml",
        "--database-url",
        "sqlite:t.db",
        "--out",
        "reports",
    ];
    let output = run_ok(&args, work);
    println!("{}", String::from_utf8_lossy(&output.stdout));
    let run_folder = single_run_folder(&work.join("reports"));
    let run_id = run_id_of(&run_folder);
    let export = [
        "export",
        "--run",
        &run_id,
        "--out",
        "p.csv",
        "--database-url",
        "sqlite:t.db",
    ];
    run_ok(&export, work);
    let rows = read_export(&work.join("p.csv"));
    assert_eq!(
        rows.len(),
        paths.len() * (scored.len() + 1),
        "every prediction recorded"
    );

    let mut by_detector: BTreeMap<String, Vec<&Exported>> = BTreeMap::new();
    for row in &rows {
        by_detector
            .entry(row.detector.clone())
            .or_default()
            .push(row);
    }
    for row in &by_detector["onnx-broken"] {
        assert_eq!(row.failure, FailureKind::ModelLoadError.as_str(), "{row:?}");
    }
    for detector in &scored {
        for row in &by_detector[*detector] {
            assert!(row.failure.is_empty() && row.score.is_some(), "{row:?}");
        }
    }

    for (detector, card_file) in [("onnx-cnn", "small_cnn"), ("onnx-fixed", "fixed_batch")] {
        let card_path = work.join(format!("models/{card_file}.toml"));
        let card = dfbench_benchmarks::card::ResolvedCard::load(&card_path).expect("card");
        let preprocessing = Preprocessing::from_card(&card.card);
        let mut exported: Vec<(String, f64)> = by_detector[detector]
            .iter()
            .map(|row| (row.sample_path.clone(), row.score.expect("scored")))
            .collect();
        exported.sort_by(|a, b| a.0.cmp(&b.0));
        let tensors: Vec<f32> = exported
            .iter()
            .flat_map(|(path, _)| {
                preprocessing.prepare(&decode_rgb(&work.join("data").join(path)).expect("decode"))
            })
            .collect();
        let reference =
            torch_support::script_scores(&python, &onnx_support::script(), &card, &tensors);
        for ((path, ours), theirs) in exported.iter().zip(&reference) {
            assert!(
                (ours - theirs).abs() <= 1e-5,
                "{detector} {path}: dfbench {ours}, onnxruntime {theirs}"
            );
        }
    }
}
