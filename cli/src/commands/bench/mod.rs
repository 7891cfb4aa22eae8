//! `dfbench bench …`: end-to-end throughput benchmarks. Each prints its figure next to a
//! baseline measured in the same run, as a ratio; none of them is a pass/fail test.

use std::process::ExitCode;

pub mod detector;
pub mod report;

#[derive(Debug, clap::Subcommand)]
pub enum BenchCommand {
    /// One TorchScript detector: forward only vs end to end vs a PyTorch eval loop.
    Detector(detector::DetectorArgs),
    /// Metrics over 10M scores vs scikit-learn, and a 20 × 50 × 200k-prediction report.
    Report(report::ReportBenchArgs),
}

pub async fn execute(command: BenchCommand) -> anyhow::Result<ExitCode> {
    match command {
        BenchCommand::Detector(args) => detector::execute(args).await,
        BenchCommand::Report(args) => report::execute(args).await,
    }
}
