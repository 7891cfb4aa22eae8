//! `dfbench bundle export --run REF --out run.tar.zst` and `dfbench bundle import FILE`: one
//! stored run moved into another store (SQLite or PostgreSQL), so labs can merge results. The
//! archive's layout and checks are `bundle_format`; what the rows are and what import refuses
//! is the store's (`Store::export_run`, `Store::import_run`). Import computes nothing: the run
//! lands with its predictions, clip outcomes and metrics as they were.

use crate::args::StoreArgs;
use crate::commands::bundle_format;
use crate::output::outln;
use crate::refs::resolve_run_ref;
use anyhow::Context;
use dfbench_store::{ImportOutcome, RunStatus};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Subcommand)]
pub enum BundleCommand {
    /// Write one ended run, every row of it, into a `.tar.zst` bundle.
    Export(ExportArgs),
    /// Store the run of a bundle; re-importing the same bundle changes nothing.
    Import(ImportArgs),
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Run: an id, a unique id prefix, latest[:NAME], latest-good[:NAME] or tag:X.
    #[arg(long)]
    pub run: String,
    /// Bundle file to write (`.tar.zst`).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Bundle file written by `dfbench bundle export`.
    #[arg(value_name = "FILE")]
    pub bundle: PathBuf,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub async fn execute(command: BundleCommand) -> anyhow::Result<ExitCode> {
    match command {
        BundleCommand::Export(args) => export(args).await,
        BundleCommand::Import(args) => import(args).await,
    }
}

async fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let store = args.store.open_existing().await?;
    let run_id = resolve_run_ref(store.as_ref(), &args.run).await?;
    let details = store.run(&run_id).await?;
    if details.run.status == RunStatus::Running {
        anyhow::bail!(
            "run {run_id} is still running: a bundle holds an ended run; wait for it to finish \
             (or `dfbench cancel --run {run_id}`) and export it then"
        );
    }
    let rows = store
        .export_run(&run_id)
        .await
        .with_context(|| format!("cannot read run {run_id}"))?;
    let header = bundle_format::write(&rows, &args.out)?;
    outln!(
        "bundle {}: run {} ({}), {} predictions, {} clip outcomes, {} metric rows",
        args.out.display(),
        run_id,
        rows.run.record.name,
        header.counts.predictions,
        header.counts.clip_predictions,
        header.counts.metrics
    );
    Ok(ExitCode::SUCCESS)
}

async fn import(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let rows = bundle_format::read(&args.bundle)?;
    let store = args.store.open().await?;
    let outcome = store.import_run(&rows).await.with_context(|| {
        format!(
            "cannot import the bundle {} into {}",
            args.bundle.display(),
            args.store.url()
        )
    })?;
    match outcome {
        ImportOutcome::Imported => outln!(
            "imported run {} ({}): {} predictions, {} clip outcomes",
            rows.run.record.id,
            rows.run.record.name,
            rows.predictions.len(),
            rows.clip_predictions.len()
        ),
        ImportOutcome::AlreadyImported => outln!(
            "run {} ({}) already imported: this store holds the same run; nothing changed",
            rows.run.record.id,
            rows.run.record.name
        ),
    }
    Ok(ExitCode::SUCCESS)
}
