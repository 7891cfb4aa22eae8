//! `dfbench report --run ID`: recompute metrics of a stored run and write its report folder.
//!
//! Filters (`--detectors`, `--datasets`, `--level`, `--metric`) apply after loading the run;
//! a filtered report is written but does not replace the run's stored metrics.
//! `--check-references` checks the run's suite's `[[reference]]` values (exit 0 / 1 / 2 as
//! `compare`; references outside the filters are not checked).

use crate::args::StoreArgs;
use crate::output::outln;
use crate::refs::resolve_run_ref;
use crate::reporting::{self, ReportFilter};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Run: an id, a unique id prefix, latest[:NAME], latest-good[:NAME] or tag:X.
    #[arg(long)]
    pub run: String,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Reports go to OUT/<run-id>/.
    #[arg(long, default_value = "reports-out")]
    pub out: PathBuf,
    /// Only these detectors (comma-separated names).
    #[arg(long, value_delimiter = ',')]
    pub detectors: Vec<String>,
    /// Only these datasets (comma-separated names).
    #[arg(long, value_delimiter = ',')]
    pub datasets: Vec<String>,
    /// Only metric rows of this level.
    #[arg(long, value_parser = ["frame", "clip", "video", "video-max", "video-dfb"])]
    pub level: Option<String>,
    /// Only these metrics (repeat or comma-separate), e.g. `auc,eer_interp,tpr@fpr=0.01`.
    #[arg(long = "metric", value_delimiter = ',', value_parser = clap::builder::PossibleValuesParser::new(dfbench_reports::METRIC_NAMES))]
    pub metrics: Vec<String>,
    #[command(flatten)]
    pub aggregation: crate::args::VideoAggregationArgs,
    #[command(flatten)]
    pub references: crate::args::ReferenceCheckArgs,
}

pub async fn execute(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let store = args.store.open_existing().await?;
    let filter = ReportFilter {
        detectors: args.detectors,
        datasets: args.datasets,
        level: args.level,
        metrics: args.metrics,
        video_aggregation: args.aggregation.video_aggregation,
    };
    let run_id = resolve_run_ref(store.as_ref(), &args.run).await?;
    let report = reporting::write_filtered(store.as_ref(), &run_id.0, &args.out, &filter).await?;
    if !filter.is_empty() {
        outln!("filtered report: the run's stored metrics were left unchanged");
    }
    outln!("{}", report.leaderboard);
    outln!("report: {}", report.folder.join("index.html").display());
    if args.references.check_references {
        let details = store.run(&run_id).await?;
        let suite =
            dfbench_benchmarks::Suite::parse(&details.run.suite_toml, "the run's stored suite")?;
        args.references.require_references(&suite)?;
        return reporting::print_reference_check(&report);
    }
    Ok(ExitCode::SUCCESS)
}
