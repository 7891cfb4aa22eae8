//! `dfbench bench …`: end-to-end throughput benchmarks. Each prints its figure next to a
//! baseline measured in the same run, as a ratio; none of them is a pass/fail test.

mod scheduler;

use std::process::ExitCode;

#[derive(Debug, clap::Subcommand)]
pub enum BenchCommand {
    /// Coordinator cycles/s and ingest/s with simulated workers vs the database's own rates.
    Scheduler(scheduler::SchedulerArgs),
}

pub async fn execute(command: BenchCommand) -> anyhow::Result<ExitCode> {
    match command {
        BenchCommand::Scheduler(args) => scheduler::execute(args).await,
    }
}
