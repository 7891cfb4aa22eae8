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
    /// `tsv`: one tab-separated line per run, for people and `cut`; `json`: one array of
    /// objects, for scripts.
    #[arg(long, default_value = "tsv", value_parser = ["tsv", "json"])]
    pub format: String,
}

pub async fn execute(args: RunsArgs) -> anyhow::Result<ExitCode> {
    let store = args.store.open_existing().await?;
    let runs = store.list_runs(args.limit).await?;
    if runs.is_empty() {
        eprintln!("no runs stored in {}", args.store.url());
    }
    let mut listed = Vec::with_capacity(runs.len());
    for run in runs {
        let progress = store.run_progress(&run.id).await?;
        let history = store.run_history(&run.id).await?;
        if args.format == "json" {
            listed.push(serde_json::json!({
                "id": run.id.0,
                "name": run.name,
                "suite": run.suite_name,
                "status": run.status.as_str(),
                "created_at_ms": run.created_at_ms,
                "predictions": progress.predictions,
                "predictions_expected": progress.predictions_expected,
                "predictions_reused": progress.predictions_reused,
                "prediction_failures": progress.prediction_failures,
                "clips": progress.clips,
                "clips_expected": progress.clips_expected,
                "clip_failures": progress.clip_failures,
                "partial": history.partial,
                "tags": history.tags,
                "promoted": history.promoted_at_ms.is_some(),
            }));
            continue;
        }
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
    if args.format == "json" {
        outln!("{}", serde_json::Value::Array(listed));
    }
    Ok(ExitCode::SUCCESS)
}
