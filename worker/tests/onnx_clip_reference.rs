//! An ONNX clip model (3D conv on B×C×T×H×W, built by fixtures/make_onnx_models.py with a fixed
//! seed): dfbench's clip scores equal onnxruntime-Python's (to 1e-5) when Python stacks
//! dfbench's per-frame tensors into the clips itself. Skips visibly without the ONNX venv.
#![cfg(feature = "onnx")]

mod clip_support;
mod onnx_support;

use clip_support::{assert_parity, clip_fixture, script_clip_scores};
use dfbench_worker::runtime::load_detector;
use onnx_support::{onnx_card, onnx_python, onnx_spec, script};

#[test]
fn bcthw_onnx_clip_model_matches_onnxruntime() {
    let Some(python) = onnx_python("bcthw_onnx_clip_model_matches_onnxruntime") else {
        return;
    };
    let card = onnx_card(&python, "clip3d");
    let fixture = clip_fixture();
    let ours = fixture.dfbench_scores(
        load_detector(&onnx_spec("clip3d", &card), "cpu"),
        "clip3d",
        &card,
    );
    let theirs = script_clip_scores(&python, &script(), &card, &fixture.frame_tensors(&card));
    assert_parity("clip3d (bcthw) vs onnxruntime-python", &ours, &theirs);
}
