//! `dfbench synth`: write the deterministic demo dataset.

use crate::output::outln;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct SynthArgs {
    /// Folder to write into (created if missing).
    #[arg(long)]
    pub out: PathBuf,
}

pub fn execute(args: SynthArgs) -> anyhow::Result<ExitCode> {
    let summary = dfbench_benchmarks::synth::write_demo_dataset(&args.out)?;
    outln!(
        "wrote {} images in {} subsets ({}) under {}",
        summary.images,
        summary.subsets.len(),
        summary.subsets.join(", "),
        summary.root.display()
    );
    Ok(ExitCode::SUCCESS)
}
