//! `dfbench runs`: list stored runs, newest first.

use crate::args::StoreArgs;
use crate::output::outln;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct RunsArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// How many runs to list, newest first.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(i64).range(1..))]
    pub limit: i64,
}

pub async fn execute(args: RunsArgs) -> anyhow::Result<ExitCode> {
    let store = args.store.open_existing().await?;
    let runs = store.list_runs(args.limit).await?;
    if runs.is_empty() {
        eprintln!("no runs stored in {}", args.store.url());
    }
    for run in runs {
        let progress = store.run_progress(&run.id).await?;
        let history = store.run_history(&run.id).await?;
        outln!(
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
