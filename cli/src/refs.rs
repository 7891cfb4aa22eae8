//! Run references, as every command that takes `--run`, `--baseline` or `--candidate` reads them:
//!
//! | reference | run |
//! |---|---|
//! | `r20261121-020000-1a2b3c4d` | that run |
//! | `r20261121-02` | the one run whose id starts so (ambiguous prefixes are refused, listing the candidates) |
//! | `latest`, `latest:NAME` | the newest finished (`done`), complete (not partial) run (named NAME) |
//! | `latest-good`, `latest-good:NAME` | the most recently promoted run (`dfbench promote`) (named NAME) |
//! | `tag:X` | the one run tagged X (`dfbench run --tag X`); refused when several are |

use anyhow::bail;
use dfbench_store::{FoundRun, RunFilter, RunId, Store};

/// Candidates listed in an ambiguity error.
const SHOWN_CANDIDATES: i64 = 10;

pub async fn resolve_run_ref(store: &dyn Store, reference: &str) -> anyhow::Result<RunId> {
    let reference = reference.trim();
    if reference.is_empty() {
        bail!("empty run reference: give a run id, an id prefix, latest, latest-good or tag:X");
    }
    let (kind, argument) = match reference.split_once(':') {
        Some((kind, argument)) => (kind, Some(argument)),
        None => (reference, None),
    };
    let name = argument
        .filter(|argument| !argument.is_empty())
        .map(str::to_string);
    match kind {
        "latest" => {
            newest(
                store,
                RunFilter {
                    name,
                    complete_only: true,
                    limit: 1,
                    ..Default::default()
                },
                reference,
                "no finished, complete (not partial) run; `dfbench runs` lists the stored runs",
            )
            .await
        }
        "latest-good" => {
            newest(
                store,
                RunFilter {
                    name,
                    promoted_only: true,
                    limit: 1,
                    ..Default::default()
                },
                reference,
                "no promoted run; promote a good run with `dfbench promote REF`",
            )
            .await
        }
        "tag" => {
            let Some(tag) = name else {
                bail!("`{reference}`: give the tag after `tag:`, e.g. tag:2026-11-21");
            };
            let filter = RunFilter {
                tag: Some(tag.clone()),
                limit: SHOWN_CANDIDATES + 1,
                ..Default::default()
            };
            unique(
                store.find_runs(&filter).await?,
                reference,
                &format!("tagged `{tag}`"),
            )
        }
        _ if argument.is_some() => bail!(
            "unknown run reference `{reference}`: use a run id, an id prefix, latest[:NAME], latest-good[:NAME] or tag:X"
        ),
        prefix => {
            if !prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                bail!("`{reference}` is not a run id: ids have letters, digits and `-` only");
            }
            let filter = RunFilter {
                id_prefix: Some(prefix.to_string()),
                limit: SHOWN_CANDIDATES + 1,
                ..Default::default()
            };
            let found = store.find_runs(&filter).await?;
            if let Some(exact) = found.iter().find(|run| run.id.0 == prefix) {
                return Ok(exact.id.clone());
            }
            unique(
                found,
                reference,
                &format!("whose id starts with `{prefix}`"),
            )
        }
    }
}

async fn newest(
    store: &dyn Store,
    filter: RunFilter,
    reference: &str,
    none: &str,
) -> anyhow::Result<RunId> {
    match store.find_runs(&filter).await?.into_iter().next() {
        Some(run) => Ok(run.id),
        None => bail!("`{reference}` names no run: {none}"),
    }
}

/// The one run found, or an error listing the candidates.
fn unique(mut found: Vec<FoundRun>, reference: &str, what: &str) -> anyhow::Result<RunId> {
    if found.len() == 1 {
        return Ok(found.remove(0).id);
    }
    if found.is_empty() {
        bail!("`{reference}` names no run: no run {what}; `dfbench runs` lists the stored runs");
    }
    let shown: Vec<String> = found
        .iter()
        .take(SHOWN_CANDIDATES as usize)
        .map(|run| format!("{} ({}, {})", run.id, run.name, run.status))
        .collect();
    let more = if found.len() > SHOWN_CANDIDATES as usize {
        "\n  - …"
    } else {
        ""
    };
    bail!(
        "`{reference}` is ambiguous: several runs {what}; use a full run id:\n  - {}{more}",
        shown.join("\n  - ")
    )
}
