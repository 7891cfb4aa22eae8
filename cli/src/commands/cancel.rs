//! `dfbench cancel --run ID`: stop a run; workers drop its shards within one heartbeat.

use crate::args::CoordinatorArgs;
use crate::output::outln;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct CancelArgs {
    /// The run id to cancel.
    #[arg(long)]
    pub run: String,
    #[command(flatten)]
    pub coordinator: CoordinatorArgs,
}

pub async fn execute(args: CancelArgs) -> anyhow::Result<ExitCode> {
    let url = args.coordinator.required_url("cancel")?;
    let mut client = args.coordinator.connect(url).await?;
    client
        .cancel_run(dfbench_proto::v1::CancelRunRequest {
            run_id: args.run.clone(),
        })
        .await
        .map_err(|status| {
            anyhow::anyhow!("cannot cancel run {}: {}", args.run, status.message())
        })?;
    outln!("run {} cancelled", args.run);
    Ok(ExitCode::SUCCESS)
}
