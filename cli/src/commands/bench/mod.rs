//! `dfbench bench …`: end-to-end throughput benchmarks. Each prints its figure next to a
//! baseline measured in the same run, as a ratio; none of them is a pass/fail test.

use std::process::ExitCode;

#[derive(Debug, clap::Subcommand)]
pub enum BenchCommand {}

pub async fn execute(command: BenchCommand) -> anyhow::Result<ExitCode> {
    match command {}
}
