//! `dfbench bench …`: end-to-end throughput benchmarks. Each prints its figure next to a
//! baseline measured in the same run, as a ratio; none of them is a pass/fail test.

mod decode;
pub mod detector;
mod frames;
pub mod perturb;
mod prepare;
pub mod report;
mod reuse;
mod scheduler;
mod site;

use std::process::ExitCode;

#[derive(Debug, clap::Subcommand)]
pub enum BenchCommand {
    /// Decode + preprocess to a card's tensor, images/s per core, vs decode alone and Python.
    Decode(decode::DecodeBenchArgs),
    /// One TorchScript or ONNX detector: forward only vs end to end vs its runtime's Python loop.
    Detector(detector::DetectorArgs),
    /// Frames decoded by a clip detector alone vs beside an image detector (the union, once).
    Frames(frames::FramesBenchArgs),
    /// Metrics over 10M scores vs scikit-learn, and a 20 × 50 × 200k-prediction report.
    Report(report::ReportBenchArgs),
    /// Cost of each perturbation per image vs PNG decode + detector preprocessing.
    Perturb(perturb::PerturbBenchArgs),
    /// `dfbench prepare` (frames, face crops) vs OpenCV + facenet-pytorch, videos per CPU-second.
    Prepare(prepare::PrepareBenchArgs),
    /// An unchanged suite run twice: first-run vs rerun wall time (target ≤ 2%).
    Reuse(reuse::ReuseBenchArgs),
    /// Coordinator cycles/s and ingest/s with simulated workers vs the database's own rates.
    Scheduler(scheduler::SchedulerArgs),
    /// `dfbench site` on a generated 100-run × 20 × 50 store: full build and incremental rebuild.
    Site(site::SiteBenchArgs),
}

pub async fn execute(command: BenchCommand) -> anyhow::Result<ExitCode> {
    match command {
        BenchCommand::Decode(args) => decode::execute(args).await,
        BenchCommand::Detector(args) => detector::execute(args).await,
        BenchCommand::Frames(args) => frames::execute(args).await,
        BenchCommand::Report(args) => report::execute(args).await,
        BenchCommand::Perturb(args) => perturb::execute(args).await,
        BenchCommand::Prepare(args) => prepare::execute(args).await,
        BenchCommand::Reuse(args) => reuse::execute(args).await,
        BenchCommand::Scheduler(args) => scheduler::execute(args).await,
        BenchCommand::Site(args) => site::execute(args).await,
    }
}
