//! `dfbench demo`: the README's one-command demo. Writes the demo data into `./demo-data` when
//! it is absent, then runs `benchmarks/suites/quickstart.toml` locally on SQLite.

use super::run::{RunArgs, execute as run};
use std::path::PathBuf;
use std::process::ExitCode;

/// The quickstart suite, compiled in so the demo works from any folder.
pub(crate) const QUICKSTART: &str = include_str!("../../../benchmarks/suites/quickstart.toml");

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Local worker tasks.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
}

pub async fn execute(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let data = PathBuf::from("demo-data");
    if !data.join("cnnspot").is_dir() {
        let summary = dfbench_benchmarks::synth::write_demo_dataset(&data)?;
        eprintln!(
            "wrote {} demo images under {}",
            summary.images,
            summary.root.display()
        );
    }
    let suite = data.join("quickstart.toml");
    std::fs::write(&suite, QUICKSTART)?;
    run(RunArgs {
        suite,
        coordinator: None,
        workers: args.workers,
        database_url: None,
        data_roots: Vec::new(),
        allow_missing: false,
        name: "demo".to_string(),
        tags: Vec::new(),
        no_reuse: false,
        limit: None,
        fraction: None,
        seed: 0,
        out: PathBuf::from("reports-out"),
        token: None,
    })
    .await
}
