//! `dfbench history --name NAME`: the AUC and failure rate of every detector × dataset over the
//! done runs named NAME (oldest first), as trend charts and tables in OUT/index.html.
//!
//! AUCs and failure counts come from each run's stored metrics (slice `all`; frame level for
//! image detectors, clip level for clip detectors); a run without stored metrics has them
//! recomputed from its predictions. Metrics stored before
//! failure counts were (no `failed` rows) show the failure rate as n/a.

use crate::args::StoreArgs;
use crate::output::outln;
use crate::reporting;
use anyhow::{Context, bail};
use dfbench_reports::history::{
    CellAuc, FAILED_METRIC, LEVEL_CLIP, LEVEL_FRAME, aucs_from_predictions, failure_rate,
};
use dfbench_reports::{HistoryRun, build_history, write_history};
use dfbench_store::{MetricRecord, RunRecord, RunStatus, Store};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Run name of the series (`dfbench run --name`), e.g. `nightly`.
    #[arg(long)]
    pub name: String,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Output folder; default reports-out/history-<name>/.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Only the newest N done runs.
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
}

async fn run_aucs(store: &dyn Store, run: &RunRecord) -> anyhow::Result<Vec<CellAuc>> {
    let stored = store
        .metrics(&run.id)
        .await
        .with_context(|| format!("cannot read the metrics of run {}", run.id))?;
    let (aucs, failed_known) = cell_aucs(&stored);
    if !aucs.is_empty() && !failed_known {
        tracing::info!(
            run_id = %run.id,
            "stored metrics predate failure counts; `dfbench report --run {}` stores them",
            run.id
        );
    }
    if !aucs.is_empty() {
        return Ok(aucs);
    }
    tracing::info!(run_id = %run.id, "no stored metrics, recomputing AUCs from predictions");
    let (_, predictions) = reporting::load(store, &run.id.0).await?;
    Ok(aucs_from_predictions(&predictions))
}

/// The AUC and failure rate of each detector × dataset × perturbation (slice `all`, on the
/// detector's own unit) among a run's stored metrics, and whether failure counts were stored.
pub(crate) fn cell_aucs(stored: &[MetricRecord]) -> (Vec<CellAuc>, bool) {
    // Each detector's own unit: image detectors have frame rows, clip detectors clip rows.
    let unit_all =
        |m: &&MetricRecord| m.slice == "all" && (m.level == LEVEL_FRAME || m.level == LEVEL_CLIP);
    let failed: BTreeMap<(&str, &str, &str, &str), u64> = stored
        .iter()
        .filter(unit_all)
        .filter(|m| m.metric == FAILED_METRIC)
        .filter_map(|m| {
            let count = m.value.filter(|v| v.is_finite() && *v >= 0.0)? as u64;
            Some((
                (&*m.detector, &*m.dataset, &*m.perturbation, &*m.level),
                count,
            ))
        })
        .collect();
    let aucs: Vec<CellAuc> = stored
        .iter()
        .filter(unit_all)
        .filter(|m| m.metric == "auc")
        .map(|m| {
            let key = (&*m.detector, &*m.dataset, &*m.perturbation, &*m.level);
            let scored = u64::try_from(m.n_real + m.n_fake).unwrap_or(0);
            CellAuc {
                detector: m.detector.clone(),
                dataset: m.dataset.clone(),
                perturbation: m.perturbation.clone(),
                level: m.level.clone(),
                auc: m.value,
                failure_rate: failed.get(&key).and_then(|&f| failure_rate(f, scored)),
            }
        })
        .collect();
    (aucs, !failed.is_empty())
}
pub async fn execute(args: HistoryArgs) -> anyhow::Result<ExitCode> {
    let store = args.store.open_existing().await?;
    let mut runs: Vec<RunRecord> = store
        .list_runs(i64::MAX)
        .await
        .context("cannot list the stored runs")?
        .into_iter()
        .filter(|r| r.name == args.name && r.status == RunStatus::Done)
        .take(args.limit)
        .collect();
    if runs.is_empty() {
        bail!("no done run named {}; see `dfbench runs`", args.name);
    }
    runs.reverse(); // oldest first
    let mut history_runs = Vec::with_capacity(runs.len());
    for run in &runs {
        let details = store.run(&run.id).await?;
        history_runs.push(HistoryRun {
            run: reporting::run_info(&details),
            aucs: run_aucs(store.as_ref(), run).await?,
        });
    }
    let history = build_history(&args.name, history_runs);
    let out = args.out.unwrap_or_else(|| {
        // The name is the user's text: a file-name-safe form of it, never a path.
        let slug = dfbench_reports::slug(&args.name, &mut Default::default());
        PathBuf::from("reports-out").join(format!("history-{slug}"))
    });
    let files = write_history(&history, &out)
        .with_context(|| format!("cannot write the history into {}", out.display()))?;
    outln!(
        "history of {} ({} runs): {}",
        args.name,
        history.runs.len(),
        files.index_html.display()
    );
    Ok(ExitCode::SUCCESS)
}
