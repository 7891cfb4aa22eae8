//! Run references on the command line: what `--baseline`, `--candidate` (and later `--run`)
//! accept, resolved in one place.
//!
//! Accepted now: an exact run id; a unique prefix of a run id; `latest` (the newest done run);
//! `latest:NAME` (the newest done run named NAME, e.g. `latest:nightly`).

use anyhow::{Context, bail};
use dfbench_store::{RunId, RunRecord, RunStatus, Store};

/// Every stored run, newest first.
async fn all_runs(store: &dyn Store) -> anyhow::Result<Vec<RunRecord>> {
    store
        .list_runs(i64::MAX)
        .await
        .context("cannot list the stored runs")
}

/// The run id `reference` names; the error says why none or several match.
pub async fn resolve_run_ref(store: &dyn Store, reference: &str) -> anyhow::Result<RunId> {
    let reference = reference.trim();
    if reference.is_empty() {
        bail!("empty run reference; pass a run id, a unique id prefix, `latest` or `latest:NAME`");
    }
    let runs = all_runs(store).await?;
    if let Some(run) = runs.iter().find(|r| r.id.0 == reference) {
        return Ok(run.id.clone());
    }
    if let Some(rest) = reference.strip_prefix("latest") {
        let name = match rest.strip_prefix(':') {
            Some(name) => Some(name),
            None if rest.is_empty() => None,
            None => bail!("unknown run reference {reference}; did you mean latest:{rest}?"),
        };
        // Newest first, so the first match is the latest.
        let latest = runs
            .iter()
            .filter(|r| r.status == RunStatus::Done)
            .find(|r| name.is_none_or(|n| r.name == n));
        return match (latest, name) {
            (Some(run), _) => Ok(run.id.clone()),
            (None, Some(name)) => bail!("no done run named {name}; see `dfbench runs`"),
            (None, None) => bail!("no done run in the database; see `dfbench runs`"),
        };
    }
    let matches: Vec<&RunRecord> = runs
        .iter()
        .filter(|r| r.id.0.starts_with(reference))
        .collect();
    match matches.as_slice() {
        [run] => Ok(run.id.clone()),
        [] => bail!("no run matches {reference}; see `dfbench runs` for the stored run ids"),
        several => {
            let ids: Vec<&str> = several.iter().map(|r| r.id.0.as_str()).collect();
            bail!(
                "run prefix {reference} is ambiguous: it matches {}; give more characters",
                ids.join(", ")
            )
        }
    }
}
