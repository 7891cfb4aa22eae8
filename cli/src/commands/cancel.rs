//! `dfbench cancel --run ID`: stop a run; workers drop its shards within one heartbeat.

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct CancelArgs {
    #[arg(long)]
    pub run: String,
    #[arg(long, env = "DFBENCH_COORDINATOR")]
    pub coordinator: String,
    #[arg(long, env = "DFBENCH_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

pub async fn execute(args: CancelArgs) -> anyhow::Result<ExitCode> {
    let mut client = super::run::connect(&args.coordinator, args.token.as_deref()).await?;
    client
        .cancel_run(dfbench_proto::v1::CancelRunRequest {
            run_id: args.run.clone(),
        })
        .await
        .map_err(|status| {
            anyhow::anyhow!("cannot cancel run {}: {}", args.run, status.message())
        })?;
    println!("run {} cancelled", args.run);
    Ok(ExitCode::SUCCESS)
}
