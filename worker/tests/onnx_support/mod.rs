//! Shared by the onnx tests: whether the ONNX venv is there (skip visibly without it, fail with
//! `DFBENCH_REQUIRE_ONNX=1`), the reference models (built once per test binary by
//! fixtures/make_onnx_models.py), lease specs from their cards, and onnxruntime-Python's scores
//! for tensors dfbench prepared. PNG fixtures come from torch_support (no torch needed for them).
#![allow(dead_code)]

use dfbench_benchmarks::card::ResolvedCard;
use dfbench_proto::v1 as pb;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The ONNX venv's python when `DFBENCH_ONNX_PYTHON` and `ORT_DYLIB_PATH` are set (by
/// `eval "$(scripts/setup-onnx.sh)"`); `None` (the caller skips, saying so) otherwise, unless
/// `DFBENCH_REQUIRE_ONNX=1`, which turns a missing venv into a failure.
pub fn onnx_python(test: &str) -> Option<PathBuf> {
    let python = std::env::var_os("DFBENCH_ONNX_PYTHON").map(PathBuf::from);
    let library = std::env::var_os("ORT_DYLIB_PATH").map(PathBuf::from);
    match (python, library) {
        (Some(python), Some(library)) if python.exists() && library.exists() => Some(python),
        _ if std::env::var("DFBENCH_REQUIRE_ONNX").as_deref() == Ok("1") => panic!(
            "{test}: DFBENCH_REQUIRE_ONNX=1 but DFBENCH_ONNX_PYTHON / ORT_DYLIB_PATH are not set \
             or missing: run `eval \"$(scripts/setup-onnx.sh)\"` first"
        ),
        _ => {
            eprintln!(
                "SKIPPED {test}: no ONNX venv (run `eval \"$(scripts/setup-onnx.sh)\"`; \
                 DFBENCH_REQUIRE_ONNX=1 makes this a failure)"
            );
            None
        }
    }
}

pub fn script() -> PathBuf {
    // Also included by cli tests, whose manifest dir is cli/: go through the root.
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../worker/tests/fixtures/make_onnx_models.py")
}

/// Folder with every reference ONNX model and its card, built once per test binary.
pub fn models(python: &Path) -> &'static Path {
    static MODELS: OnceLock<tempfile::TempDir> = OnceLock::new();
    MODELS
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("tempdir");
            let args = ["models".as_ref(), dir.path().as_os_str()];
            let output = std::process::Command::new(python)
                .arg(script())
                .args(args)
                .output()
                .expect("spawn python");
            assert!(
                output.status.success(),
                "make_onnx_models.py models failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
            dir
        })
        .path()
}

/// The card `name` of the reference models, loaded as the coordinator does.
pub fn onnx_card(python: &Path, name: &str) -> ResolvedCard {
    ResolvedCard::load(&models(python).join(format!("{name}.toml"))).expect("reference card")
}

/// The lease's spec for an ONNX card, as the coordinator ships it.
pub fn onnx_spec(detector_name: &str, card: &ResolvedCard) -> pb::DetectorSpec {
    pb::DetectorSpec {
        name: detector_name.to_string(),
        kind: "onnx".to_string(),
        builtin: String::new(),
        card_toml: card.to_toml(),
        fingerprint: card.fingerprint.clone(),
    }
}
