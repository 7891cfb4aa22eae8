//! With the `torch` feature: gives the worker's test and bench binaries an rpath to the libtorch
//! they were linked against, keeps `libtorch_cuda` linked even though no symbol of it is used
//! directly (otherwise `--as-needed` drops it and CUDA is never available), and records the
//! libtorch version for the worker's start-up log.
//!
//! `cargo:rustc-link-arg` applies only to this package's own targets; the `dfbench` binary gets
//! the same flags from cli/build.rs, which reads the folder from this script's `libtorch_lib`.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_FEATURE_TORCH").is_none() {
        return;
    }
    // Set by torch-sys (`links = "tch"`) for its direct dependents.
    let Ok(lib_dir) = std::env::var("DEP_TCH_LIBTORCH_LIB") else {
        println!("cargo:warning=DEP_TCH_LIBTORCH_LIB is not set: the torch binaries get no rpath");
        return;
    };
    let lib_dir = Path::new(&lib_dir);
    // Metadata for dependents (cli/build.rs), thanks to `links = "dfbench_libtorch"`.
    println!("cargo:libtorch_lib={}", lib_dir.display());
    // DFBENCH_TORCH_NO_RPATH: a binary for another machine's libtorch, found through
    // LD_LIBRARY_PATH there (scripts/gpu-check.sh), gets no path into this one.
    println!("cargo:rerun-if-env-changed=DFBENCH_TORCH_NO_RPATH");
    if std::env::var_os("DFBENCH_TORCH_NO_RPATH").is_none() {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib_dir.display());
    }
    if lib_dir.join("libtorch_cuda.so").exists() {
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
    }
    println!(
        "cargo:rustc-env=DFBENCH_LIBTORCH_VERSION={}",
        libtorch_version(lib_dir)
    );
}

/// `__version__` from the wheel's `torch/version.py` (e.g. `2.13.0+cu130`), or "unknown".
fn libtorch_version(lib_dir: &Path) -> String {
    let Some(version_file) = lib_dir.parent().map(|torch| torch.join("version.py")) else {
        return "unknown".to_string();
    };
    println!("cargo:rerun-if-changed={}", version_file.display());
    let text = std::fs::read_to_string(&version_file).unwrap_or_default();
    text.lines()
        .find_map(|line| line.strip_prefix("__version__"))
        .and_then(|rest| rest.split(['\'', '"']).nth(1))
        .unwrap_or("unknown")
        .to_string()
}
