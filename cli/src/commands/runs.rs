//! `dfbench runs`: list stored runs, newest first.

use crate::args::StoreArgs;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct RunsArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long, default_value_t = 20)]
    pub limit: i64,
}

pub async fn execute(args: RunsArgs) -> anyhow::Result<ExitCode> {
    let store = args.store.open().await?;
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
