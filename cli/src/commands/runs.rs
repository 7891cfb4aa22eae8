//! `dfbench runs`: list stored runs, newest first.

use super::{DEFAULT_DATABASE_URL, open_store};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct RunsArgs {
    #[arg(long, default_value = DEFAULT_DATABASE_URL, env = "DFBENCH_DATABASE_URL")]
    pub database_url: String,
    #[arg(long, default_value_t = 20)]
    pub limit: i64,
}

pub async fn execute(args: RunsArgs) -> anyhow::Result<ExitCode> {
    let store = open_store(&args.database_url).await?;
    for run in store.list_runs(args.limit).await? {
        let progress = store.run_progress(&run.id).await?;
        let history = store.run_history(&run.id).await?;
        println!(
            "{}\t{}\t{}\t{}\t{}/{} predictions ({} reused), {} failed{}",
            run.id,
            run.name,
            run.suite_name,
            run.status.as_str(),
            progress.predictions,
            progress.predictions_expected,
            progress.predictions_reused,
            progress.prediction_failures,
            super::status::history_label(&history)
        );
    }
    Ok(ExitCode::SUCCESS)
}
