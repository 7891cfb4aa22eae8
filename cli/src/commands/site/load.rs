//! The store's runs as the site's model: leaderboard cells from each suite name's leaderboard
//! run, run records, detector cards, dataset summaries and one history per suite name.

use super::SiteArgs;
use crate::commands::history::cell_aucs;
use crate::reporting::{self, detector_protocol, run_info, stored_metrics};
use anyhow::Context;
use dfbench_reports::history::{FAILED_METRIC, LEVEL_CLIP, LEVEL_FRAME};
use dfbench_reports::site::{Card, DatasetSummary, Entry, Site, SiteRun};
use dfbench_reports::{HistoryRun, build_history};
use dfbench_store::{MetricRecord, RunDetails, RunFilter, RunId, RunStatus, Store};
use std::collections::{BTreeMap, BTreeSet};

/// The suite names shown: those asked for, else every stored run's name.
async fn names(store: &dyn Store, args: &SiteArgs) -> anyhow::Result<Vec<String>> {
    if !args.names.is_empty() {
        return Ok(args.names.clone());
    }
    let runs = store
        .list_runs(i64::MAX)
        .await
        .context("cannot list the stored runs")?;
    let names: BTreeSet<String> = runs.into_iter().map(|r| r.name).collect();
    Ok(names.into_iter().collect())
}

/// The run a name's leaderboard reads: the most recently promoted, else the newest done,
/// complete one (never a partial run); `None` when the name has neither.
async fn leaderboard_run(
    store: &dyn Store,
    name: &str,
    tag: Option<&String>,
) -> anyhow::Result<Option<RunId>> {
    let filter = RunFilter {
        name: Some(name.to_string()),
        tag: tag.cloned(),
        limit: 1,
        ..Default::default()
    };
    for filter in [
        RunFilter {
            promoted_only: true,
            complete_only: true,
            ..filter.clone()
        },
        RunFilter {
            complete_only: true,
            ..filter
        },
    ] {
        let found = store.find_runs(&filter).await?;
        if let Some(run) = found.into_iter().next() {
            return Ok(Some(run.id));
        }
    }
    Ok(None)
}

pub async fn site(store: &dyn Store, args: &SiteArgs) -> anyhow::Result<Site> {
    let mut site = Site::default();
    let mut board_runs = BTreeSet::new();
    for name in names(store, args).await? {
        let Some(run_id) = leaderboard_run(store, &name, args.tag.as_ref()).await? else {
            tracing::info!(name, "no done, complete run: not on the leaderboard");
            continue;
        };
        let details = store.run(&run_id).await?;
        let metrics = stored_metrics(store, &run_id).await?;
        add_entries(&mut site, &details, &metrics);
        add_cards_and_datasets(&mut site, &details, &metrics);
        board_runs.insert(run_id.0.clone());
        site.histories.push(history(store, &name, args).await?);
    }
    dfbench_reports::site::rank(&mut site.entries);
    let names: BTreeSet<String> = names(store, args).await?.into_iter().collect();
    let tagged: Option<BTreeSet<String>> = match &args.tag {
        Some(tag) => {
            let filter = RunFilter {
                tag: Some(tag.clone()),
                limit: i64::MAX,
                ..Default::default()
            };
            let found = store.find_runs(&filter).await?;
            Some(found.into_iter().map(|r| r.id.0).collect())
        }
        None => None,
    };
    for record in store.list_runs(i64::MAX).await? {
        if !names.contains(&record.name)
            || tagged.as_ref().is_some_and(|t| !t.contains(&record.id.0))
        {
            continue;
        }
        let details = store.run(&record.id).await?;
        let history = store.run_history(&record.id).await?;
        site.runs.push(SiteRun {
            run: run_info(&details),
            partial: history.partial,
            promoted: history.promoted_at_ms.is_some(),
            tags: history.tags,
            on_leaderboard: board_runs.contains(&record.id.0),
            links: Vec::new(),
        });
    }
    Ok(site)
}

/// The leaderboard cells of one run: slice `all`, metric `auc`, every level.
fn add_entries(site: &mut Site, details: &RunDetails, metrics: &[MetricRecord]) {
    let family: BTreeMap<&str, &str> = details
        .datasets
        .iter()
        .map(|d| (d.name.as_str(), d.format.as_str()))
        .collect();
    let key = |m: &MetricRecord| {
        (
            m.detector.clone(),
            m.dataset.clone(),
            m.perturbation.clone(),
            m.level.clone(),
        )
    };
    let failed: BTreeMap<_, u64> = metrics
        .iter()
        .filter(|m| m.slice == "all" && m.metric == FAILED_METRIC)
        .filter_map(|m| Some((key(m), m.value.filter(|v| *v >= 0.0)? as u64)))
        .collect();
    for m in metrics
        .iter()
        .filter(|m| m.slice == "all" && m.metric == "auc")
    {
        site.entries.push(Entry {
            suite_name: details.run.name.clone(),
            run_id: details.run.id.0.clone(),
            detector: m.detector.clone(),
            dataset: m.dataset.clone(),
            family: family.get(m.dataset.as_str()).unwrap_or(&"").to_string(),
            perturbation: m.perturbation.clone(),
            level: m.level.clone(),
            auc: m.value,
            ci_low: m.ci_low,
            ci_high: m.ci_high,
            undefined_reason: m.undefined_reason.clone(),
            n_real: u64::try_from(m.n_real).unwrap_or(0),
            n_fake: u64::try_from(m.n_fake).unwrap_or(0),
            failed: failed.get(&key(m)).copied(),
            rank: 0,
            overlaps_next: false,
        });
    }
}

/// Detector cards and dataset summaries (the first leaderboard run to name each wins; the
/// names are visited in order, so the choice is stable).
fn add_cards_and_datasets(site: &mut Site, details: &RunDetails, metrics: &[MetricRecord]) {
    for detector in &details.detectors {
        site.cards.entry(detector.name.clone()).or_insert_with(|| {
            let protocol = detector_protocol(detector);
            Card {
                fingerprint: detector.fingerprint.clone().unwrap_or_default(),
                checkpoint_sha256: protocol.checkpoint_sha256,
                preprocessing: protocol.preprocessing,
            }
        });
    }
    for dataset in &details.datasets {
        if site.datasets.contains_key(&dataset.name) {
            continue;
        }
        // Counts per slice of one detector (the first by name) on its own unit, no perturbation.
        let rows: Vec<&MetricRecord> = metrics
            .iter()
            .filter(|m| m.dataset == dataset.name && m.metric == "auc")
            .filter(|m| {
                m.perturbation == "none" && (m.level == LEVEL_FRAME || m.level == LEVEL_CLIP)
            })
            .collect();
        let first = rows.iter().map(|m| m.detector.as_str()).min();
        let counts = rows
            .iter()
            .filter(|m| Some(m.detector.as_str()) == first)
            .map(|m| {
                (
                    format!("{} ({})", m.slice, m.level),
                    u64::try_from(m.n_real).unwrap_or(0),
                    u64::try_from(m.n_fake).unwrap_or(0),
                )
            })
            .collect();
        site.datasets.insert(
            dataset.name.clone(),
            DatasetSummary {
                layout: dataset.format.clone(),
                fingerprint: dataset.fingerprint.clone(),
                samples: u64::try_from(dataset.samples).unwrap_or(0),
                counts,
            },
        );
    }
}

/// The name's done, complete runs (newest `history_limit`, charted oldest first).
async fn history(
    store: &dyn Store,
    name: &str,
    args: &SiteArgs,
) -> anyhow::Result<dfbench_reports::History> {
    let filter = RunFilter {
        name: Some(name.to_string()),
        tag: args.tag.clone(),
        complete_only: true,
        limit: args.history_limit,
        ..Default::default()
    };
    let mut found = store.find_runs(&filter).await?;
    found.reverse();
    let mut runs = Vec::with_capacity(found.len());
    for run in found
        .into_iter()
        .filter(|r| r.status == RunStatus::Done.as_str())
    {
        let details = store.run(&run.id).await?;
        let metrics = stored_metrics(store, &run.id).await?;
        runs.push(HistoryRun {
            run: reporting::run_info(&details),
            aucs: cell_aucs(&metrics).0,
        });
    }
    Ok(build_history(name, runs))
}
