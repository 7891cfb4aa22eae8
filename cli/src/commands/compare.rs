//! `dfbench compare --baseline REF --candidate REF`: per detector × dataset × perturbation ×
//! slice AUC deltas with intervals and paired DeLong p-values (Holm-corrected over the family
//! `--holm-family` picks), failure rates, a verdict per cell with its reason (`failures`, `all
//! failed`, `deterministic drop`, …; see `dfbench_reports::compare`), and an exit code for CI:
//! 0 = no regression, 1 = regression, 2 = not comparable (or an error). Writes `compare.md`,
//! `compare.html`, `compare.json` and prints the Markdown.

use crate::args::StoreArgs;
use crate::refs::resolve_run_ref;
use crate::reporting;
use anyhow::{Context, bail};
use dfbench_reports::{CompareOptions, HolmFamily, RunSide, compare_runs, write_comparison};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// Baseline run: id, unique id prefix, `latest` or `latest:NAME`.
    #[arg(long)]
    pub baseline: String,
    /// Candidate run, same forms as --baseline.
    #[arg(long)]
    pub candidate: String,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Output folder; default reports-out/compare-<baseline>-vs-<candidate>/.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Smallest AUC drop that counts as a regression (and gain as an improvement).
    #[arg(long, default_value_t = 0.005)]
    pub max_drop: f64,
    /// Significance level of the Holm-corrected paired DeLong test.
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Largest rise of a cell's failure rate (candidate − baseline), in percentage points, that
    /// is not a regression; above it (and by one sample at least) the cell is `regressed
    /// (failures)` whatever its AUC says.
    #[arg(long, default_value_t = 0.5)]
    pub max_failure_increase: f64,
    /// Cells Holm's correction runs over: `changed` (cells whose scores differ between the runs;
    /// identical cells have p = 1 and can never regress) or `all` (every cell with a p-value,
    /// identical ones too: more conservative, as before).
    #[arg(long, default_value = "changed")]
    pub holm_family: HolmFamily,
    /// Compare runs stamped partial (`dfbench run --limit/--fraction`) instead of refusing them.
    #[arg(long)]
    pub allow_partial: bool,
    /// Judge the testable cells even when some cannot be tested (a side failed everywhere, too
    /// few scored samples) instead of exiting 2; those cells are still listed.
    #[arg(long)]
    pub allow_undefined: bool,
    #[command(flatten)]
    pub aggregation: crate::args::VideoAggregationArgs,
}

impl CompareArgs {
    fn options(&self) -> anyhow::Result<CompareOptions> {
        if !(self.max_drop.is_finite() && self.max_drop >= 0.0) {
            bail!("--max-drop must be a number ≥ 0, got {}", self.max_drop);
        }
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            bail!("--alpha must be between 0 and 1, got {}", self.alpha);
        }
        if !(self.max_failure_increase.is_finite()
            && (0.0..=100.0).contains(&self.max_failure_increase))
        {
            bail!(
                "--max-failure-increase is in percentage points, between 0 and 100, got {}",
                self.max_failure_increase
            );
        }
        Ok(CompareOptions {
            max_drop: self.max_drop,
            alpha: self.alpha,
            max_failure_increase: self.max_failure_increase,
            holm_family: self.holm_family,
            allow_partial: self.allow_partial,
            allow_undefined: self.allow_undefined,
            video_aggregation: self.aggregation.video_aggregation,
        })
    }
}

pub async fn execute(args: CompareArgs) -> anyhow::Result<ExitCode> {
    let options = args.options()?;
    let store = args.store.open_existing().await?;
    let baseline_id = resolve_run_ref(store.as_ref(), &args.baseline)
        .await
        .context("--baseline")?;
    let candidate_id = resolve_run_ref(store.as_ref(), &args.candidate)
        .await
        .context("--candidate")?;
    let (baseline, baseline_predictions) = reporting::load(store.as_ref(), &baseline_id.0).await?;
    let (candidate, candidate_predictions) =
        reporting::load(store.as_ref(), &candidate_id.0).await?;
    let baseline_partial = store.run_history(&baseline_id).await?.partial;
    let candidate_partial = store.run_history(&candidate_id).await?.partial;
    let comparison = compare_runs(
        RunSide {
            run: &baseline,
            predictions: &baseline_predictions,
            partial: baseline_partial,
        },
        RunSide {
            run: &candidate,
            predictions: &candidate_predictions,
            partial: candidate_partial,
        },
        &options,
    );
    let out = args.out.unwrap_or_else(|| {
        PathBuf::from("reports-out").join(format!("compare-{baseline_id}-vs-{candidate_id}"))
    });
    let files = write_comparison(&comparison, &out)
        .with_context(|| format!("cannot write the comparison into {}", out.display()))?;
    // A closed pipe (`dfbench compare … | head`) must not turn the verdict into a panic.
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = writeln!(stdout, "{}", files.markdown_text) {
        tracing::warn!(%error, "cannot print the comparison to stdout; it is in compare.md");
    }
    eprintln!("comparison: {}", files.html.display());
    Ok(ExitCode::from(comparison.outcome().exit_code()))
}
