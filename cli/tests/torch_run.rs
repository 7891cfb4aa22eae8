//! `dfbench run` in local mode with a suite mixing a built-in detector and TorchScript cards:
//! the reference models' exported scores equal PyTorch's, and the broken models (not a model,
//! NaN output) are recorded as typed failures while every other detector's scores land.
#![cfg(feature = "torch")]

mod support;
#[path = "../../worker/tests/torch_support/mod.rs"]
mod torch_support;

use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::image_io::decode_rgb;
use dfbench_worker::torch::preprocess::Preprocessing;
use std::collections::BTreeMap;
use support::*;

const SUITE: &str = r#"
name = "torch-mix"
shard_size = 8
[[datasets]]
name = "pngs"
format = "cnnspot"
root = "data"
[[detectors]]
name = "spectral"
kind = "builtin"
[[detectors]]
name = "small-cnn"
kind = "torchscript"
card = "models/small_cnn.toml"
[[detectors]]
name = "resnet-like"
kind = "torchscript"
card = "models/resnet_like.toml"
[[detectors]]
name = "nan-model"
kind = "torchscript"
card = "models/nan_output.toml"
[[detectors]]
name = "not-a-model"
kind = "torchscript"
card = "models/not_a_model.toml"
"#;

#[test]
fn local_run_with_torchscript_cards_scores_like_pytorch_and_records_failures() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    let mut paths = Vec::new();
    for folder in ["data/0_real", "data/1_fake"] {
        for name in torch_support::write_pngs(&work.join(folder)) {
            paths.push(format!("{folder}/{name}"));
        }
    }
    std::fs::create_dir_all(work.join("models")).expect("mkdir");
    for entry in std::fs::read_dir(torch_support::models()).expect("models") {
        let path = entry.expect("entry").path();
        std::fs::copy(
            &path,
            work.join("models").join(path.file_name().expect("name")),
        )
        .expect("copy model");
    }
    std::fs::write(work.join("suite.toml"), SUITE).expect("suite");

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
        paths.len() * 5,
        "every sample of every detector is recorded"
    );

    let mut by_detector: BTreeMap<String, Vec<&Exported>> = BTreeMap::new();
    for row in &rows {
        by_detector
            .entry(row.detector.clone())
            .or_default()
            .push(row);
    }
    for (detector, failure) in [
        ("nan-model", FailureKind::NonFiniteOutput),
        ("not-a-model", FailureKind::ModelLoadError),
    ] {
        for row in &by_detector[detector] {
            assert_eq!(row.failure, failure.as_str(), "{row:?}");
            assert!(row.score.is_none(), "{row:?}");
        }
    }
    for detector in ["spectral", "small-cnn", "resnet-like"] {
        for row in &by_detector[detector] {
            assert!(row.failure.is_empty() && row.score.is_some(), "{row:?}");
        }
    }

    // The exported small-cnn scores are PyTorch's on the same tensors.
    let card = dfbench_benchmarks::card::ResolvedCard::load(&work.join("models/small_cnn.toml"))
        .expect("card");
    let preprocessing = Preprocessing::from_card(&card.card);
    let root = work.join("data");
    let mut exported: Vec<(String, f64)> = by_detector["small-cnn"]
        .iter()
        .map(|row| (row.sample_path.clone(), row.score.expect("scored")))
        .collect();
    exported.sort_by(|a, b| a.0.cmp(&b.0));
    let tensors: Vec<f32> = exported
        .iter()
        .flat_map(|(path, _)| preprocessing.prepare(&decode_rgb(&root.join(path)).expect("decode")))
        .collect();
    let pytorch = torch_support::pytorch_scores(&card, &tensors);
    for ((path, ours), theirs) in exported.iter().zip(&pytorch) {
        assert!(
            (ours - theirs).abs() <= 1e-5,
            "{path}: dfbench {ours}, pytorch {theirs}"
        );
    }
}
