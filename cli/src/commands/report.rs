//! `dfbench report --run ID`: recompute metrics of a stored run and write its report folder.

use super::{DEFAULT_DATABASE_URL, open_store};
use crate::reporting;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Run id (see `dfbench runs`).
    #[arg(long)]
    pub run: String,
    #[arg(long, default_value = DEFAULT_DATABASE_URL, env = "DFBENCH_DATABASE_URL")]
    pub database_url: String,
    /// Reports go to OUT/<run-id>/.
    #[arg(long, default_value = "reports-out")]
    pub out: PathBuf,
}

pub async fn execute(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let store = open_store(&args.database_url).await?;
    let report = reporting::write(store.as_ref(), &args.run, &args.out).await?;
    println!("{}", report.leaderboard);
    println!("report: {}", report.folder.join("index.html").display());
    Ok(ExitCode::SUCCESS)
}
