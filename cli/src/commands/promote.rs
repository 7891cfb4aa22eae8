//! `dfbench promote REF`: marks a finished, complete run as good. The most recently promoted
//! run is what `latest-good` names, the baseline nightly jobs compare against
//! (`deploy/nightly/`). Promoting writes one column, so it talks to the database directly like
//! `status` and `report` do.

use crate::args::StoreArgs;
use crate::output::outln;
use crate::refs::resolve_run_ref;
use dfbench_store::now_ms;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct PromoteArgs {
    /// Run to promote: id, id prefix, latest[:NAME], tag:X.
    pub run: String,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub async fn execute(args: PromoteArgs) -> anyhow::Result<ExitCode> {
    let store = args.store.open_existing().await?;
    let run_id = resolve_run_ref(store.as_ref(), &args.run).await?;
    store.promote_run(&run_id, now_ms()).await?;
    outln!("promoted {run_id}: `latest-good` now names it");
    Ok(ExitCode::SUCCESS)
}
