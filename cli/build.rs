//! With the `torch` feature: the `dfbench` binary gets an rpath to the libtorch it was linked
//! against and keeps `libtorch_cuda` linked (`--as-needed` would drop it, and CUDA would never be
//! available). The folder comes from dfbench-worker's build script (`links = "dfbench_libtorch"`),
//! because link arguments of a library's build script do not reach the binaries of dependents.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_FEATURE_TORCH").is_none() {
        return;
    }
    let Ok(lib_dir) = std::env::var("DEP_DFBENCH_LIBTORCH_LIBTORCH_LIB") else {
        println!("cargo:warning=dfbench-worker gave no libtorch folder: dfbench gets no rpath");
        return;
    };
    let lib_dir = Path::new(&lib_dir);
    // DFBENCH_TORCH_NO_RPATH: a binary for another machine's libtorch, found through
    // LD_LIBRARY_PATH there (scripts/gpu-check.sh), gets no path into this one.
    println!("cargo:rerun-if-env-changed=DFBENCH_TORCH_NO_RPATH");
    if std::env::var_os("DFBENCH_TORCH_NO_RPATH").is_none() {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib_dir.display());
    }
    if lib_dir.join("libtorch_cuda.so").exists() {
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
    }
}
