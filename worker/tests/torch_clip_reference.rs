//! dfbench's clip scores equal PyTorch's (to 1e-5) for three reference clip models built by
//! fixtures/make_clip_models.py with fixed seeds: a 3D-conv net on B×C×T×H×W (`bcthw`), a
//! frame-wise 2D net with a temporal mean on B×T×C×H×W (`btchw`), and a 2D net on the 2×2 TALL
//! thumbnail. PyTorch gets dfbench's per-frame tensors and builds each clip's tensor itself
//! (permute, or tile + `F.interpolate(bilinear, align_corners=False)`), so the comparison
//! checks dfbench's layouts and thumbnail as well as the model run, batching and output mapping.
#![cfg(feature = "torch")]

mod clip_support;
mod torch_support;

use clip_support::{assert_parity, clip_fixture, script_clip_scores, script_input};
use dfbench_benchmarks::card::ResolvedCard;
use dfbench_worker::runtime::load_detector;
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
            let args = ["models".as_ref(), dir.path().as_os_str()];
            run_script(&python(), &script(), &args);
            dir
        })
        .path()
}

fn clip_scores_equal_pytorch(name: &str) {
    let card = ResolvedCard::load(&models().join(format!("{name}.toml"))).expect("card");
    let fixture = clip_fixture();
    let ours = fixture.dfbench_scores(load_detector(&spec(name, &card), "cpu"), name, &card);
    let theirs = script_clip_scores(&python(), &script(), &card, &fixture.frame_tensors(&card));
    let label = format!("{name} ({}) vs pytorch", script_input(&card));
    assert_parity(&label, &ours, &theirs);
}

/// 3D convolutions on B×C×T×H×W, logit, batches of 3 clips (the last one partial).
#[test]
fn bcthw_clip_model_matches_pytorch() {
    clip_scores_equal_pytorch("clip3d");
}

/// Frame-wise 2D net + temporal mean on B×T×C×H×W, shorter-side crop, two-class, batches of 2.
#[test]
fn btchw_clip_model_matches_pytorch() {
    clip_scores_equal_pytorch("framewise");
}

/// TALL: 2×2 thumbnail of the normalised frames, bilinear back to 32×32, probability.
#[test]
fn thumbnail_model_matches_pytorch() {
    clip_scores_equal_pytorch("thumbnail");
}
