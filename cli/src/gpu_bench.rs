//! `dfbench-gpu-bench`: `dfbench bench detector` and nothing else, as a small binary that can be
//! linked against another libtorch than the `dfbench` build's (scripts/gpu-check.sh builds it
//! here against torch 2.11 and runs it on a borrowed CUDA machine that has no Rust toolchain).
//! The binary of the gpu-bench package (gpu-bench/Cargo.toml), whose dependencies are the
//! worker's and not the CLI's; its sources stay here, beside the modules it compiles.
//!
//! Owns only the wiring (arguments, runtime, exit status); the measurements are the very
//! modules of `dfbench bench detector` (cli/src/commands/bench/detector*), compiled into this
//! binary as they are. Must not grow commands of its own: anything else belongs in `dfbench`.

// `output` also holds the log-colour choice, which only `dfbench` uses.
#[allow(dead_code)]
mod output;
mod runtime;

/// The same module path as in `dfbench`, so the bench's files resolve unchanged.
mod commands {
    pub mod bench {
        pub mod detector;
    }
}

use clap::Parser;
use std::process::ExitCode;

/// Throughput of one TorchScript (or ONNX) detector: forward only vs end to end (decode +
/// preprocess + forward), as `dfbench bench detector` measures it.
#[derive(Debug, Parser)]
#[command(name = "dfbench-gpu-bench", version, about)]
struct Cli {
    #[command(flatten)]
    args: commands::bench::detector::DetectorArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    runtime::run(commands::bench::detector::execute(cli.args))
}
