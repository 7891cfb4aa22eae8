//! `dfbench`: the command line. Wires the crates together — planning and serving (coordinator),
//! scoring (worker), storing (store) and reporting (reports) — and shows progress.
//!
//! Must not hold business logic: anything worth testing on its own lives in a library crate.

mod args;
mod commands;
mod local;
mod output;
mod progress;
mod refs;
mod reporting;
mod runtime;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Benchmarks deepfake and AI-generated-image detectors across datasets, at scale.
#[derive(Debug, Parser)]
#[command(name = "dfbench", version, about)]
struct Cli {
    /// Log format on stderr.
    #[arg(long, global = true, default_value = "pretty", value_parser = ["pretty", "json"], env = "DFBENCH_LOG_FORMAT")]
    log_format: String,
    /// Colours in log lines: `auto` (only on a terminal, and not when NO_COLOR is set),
    /// `always` or `never`.
    #[arg(long, global = true, default_value = "auto", value_parser = ["auto", "always", "never"])]
    color: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate the demo data (if absent) and run the quickstart suite locally on SQLite.
    Demo(commands::demo::DemoArgs),
    /// Run a suite: submit it, follow progress, then write the report.
    Run(commands::run::RunArgs),
    /// Serve the coordinator (gRPC) over a database.
    Coordinator(commands::coordinator::CoordinatorArgs),
    /// Pull and score shards from a coordinator until stopped.
    Worker(commands::worker::WorkerArgs),
    /// Recompute metrics of a stored run and write its report folder.
    Report(commands::report::ReportArgs),
    /// Compare a candidate run against a baseline: per-cell deltas, verdicts, CI exit code.
    Compare(commands::compare::CompareArgs),
    /// AUC trends of the done runs with one name (e.g. nightly).
    History(commands::history::HistoryArgs),
    /// The leaderboard site: static pages of every stored run's numbers.
    Site(commands::site::SiteArgs),
    /// Move a run between stores: `export` writes a bundle, `import` stores one.
    #[command(subcommand)]
    Bundle(commands::bundle::BundleCommand),
    /// Export every prediction of a run to CSV.
    Export(commands::export::ExportArgs),
    /// List stored runs.
    Runs(commands::runs::RunsArgs),
    /// Workers, shards and throughput of the stored runs.
    Status(commands::status::StatusArgs),
    /// Mark a finished run good: `latest-good` then names it.
    Promote(commands::promote::PromoteArgs),
    /// Re-score a seeded subset of a run on other workers; max score difference per detector.
    Verify(commands::verify::VerifyArgs),
    /// Cancel a run; workers drop its shards within one heartbeat.
    Cancel(commands::cancel::CancelArgs),
    /// Write the deterministic demo dataset.
    Synth(commands::synth::SynthArgs),
    /// Check datasets: counts, missing files, duplicates, label maps, undecodable images.
    #[command(subcommand)]
    Datasets(commands::datasets::DatasetsCommand),
    /// Turn a released `.pth` checkpoint into a TorchScript model and a detector card.
    Import(commands::import::ImportArgs),
    /// Find faces (boxes, five landmarks) in images with a face-detector card; JSON lines.
    Faces(commands::faces::FacesArgs),
    /// Detector cards: `check` loads one, prints what it declares and runs a synthetic batch.
    #[command(subcommand)]
    Cards(commands::cards::CardsCommand),
    /// Videos to benchmark frames: sampled, cropped, written in DeepfakeBench's layout with a
    /// dataset JSON and a per-frame provenance manifest.
    Prepare(commands::prepare::PrepareArgs),
    /// Throughput benchmarks with same-run baselines.
    #[command(subcommand)]
    Bench(commands::bench::BenchCommand),
}

fn init_logging(format: &str, colour: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.log_format, output::colours(&cli.color));
    runtime::run(async move {
        match cli.command {
            Command::Demo(args) => commands::demo::execute(args).await,
            Command::Run(args) => commands::run::execute(args).await,
            Command::Coordinator(args) => commands::coordinator::execute(args).await,
            Command::Worker(args) => commands::worker::execute(args).await,
            Command::Report(args) => commands::report::execute(args).await,
            Command::Compare(args) => commands::compare::execute(args).await,
            Command::History(args) => commands::history::execute(args).await,
            Command::Site(args) => commands::site::execute(args).await,
            Command::Bundle(command) => commands::bundle::execute(command).await,
            Command::Export(args) => commands::export::execute(args).await,
            Command::Runs(args) => commands::runs::execute(args).await,
            Command::Status(args) => commands::status::execute(args).await,
            Command::Promote(args) => commands::promote::execute(args).await,
            Command::Verify(args) => commands::verify::execute(args).await,
            Command::Cancel(args) => commands::cancel::execute(args).await,
            Command::Synth(args) => commands::synth::execute(args),
            Command::Import(args) => commands::import::execute(args).await,
            Command::Faces(args) => commands::faces::execute(args).await,
            Command::Cards(command) => commands::cards::execute(command).await,
            Command::Prepare(args) => commands::prepare::execute(args).await,
            Command::Bench(command) => commands::bench::execute(command).await,
            Command::Datasets(command) => commands::datasets::execute(command),
        }
    })
}
