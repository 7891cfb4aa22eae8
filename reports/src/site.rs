//! The leaderboard site (`dfbench site`): static pages built from stored numbers only.
//!
//! The caller (the CLI) reads the store and hands in a [`Site`]: the leaderboard cells of the
//! selected runs (each with its stored 95% interval), every run's record, detector cards,
//! dataset summaries and one [`History`] per suite name. [`pages`] turns it into files (path
//! relative to the site root, bytes): `index.html` (sortable, filterable table with one small
//! inline script), `detectors/<slug>.html` (cells, robustness, history charts, card),
//! `datasets/<slug>.html`, `runs/<id>.html`, `leaderboard.json` and `leaderboard.csv`. Nothing
//! refers outside the site: no external URL, so it works from `file://` and any static host.

mod data;
mod home;
mod pages;

use std::collections::{BTreeMap, BTreeSet};

use crate::History;
use crate::model::RunInfo;
pub use data::{csv, json};

/// One leaderboard cell: a detector's AUC on a dataset × perturbation × level (slice `all`)
/// in the run its suite name's leaderboard reads.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Entry {
    pub suite_name: String,
    pub run_id: String,
    pub detector: String,
    pub dataset: String,
    /// The dataset's layout (`cnnspot`, `ffpp`, …): the family the home page filters by.
    pub family: String,
    pub perturbation: String,
    /// `frame`, `clip`, or a video level (`video`, `video-max`, `video-dfb`).
    pub level: String,
    pub auc: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub undefined_reason: Option<String>,
    pub n_real: u64,
    pub n_fake: u64,
    /// Failed predictions, when stored.
    pub failed: Option<u64>,
    /// Rank by AUC among the detectors of the same suite name × dataset × perturbation ×
    /// level (1 = best; undefined AUCs last).
    pub rank: usize,
    /// True when this cell's interval overlaps the next-ranked cell's: the order of the two
    /// is not established.
    pub overlaps_next: bool,
}

/// A stored run as the site lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteRun {
    pub run: RunInfo,
    pub partial: bool,
    pub promoted: bool,
    pub tags: Vec<String>,
    /// True when the home page reads this run (the latest good, else latest done, of its name).
    pub on_leaderboard: bool,
    /// Site-relative links to pages copied beside the run page: (label, path).
    pub links: Vec<(String, String)>,
}

/// A detector's provenance, from its stored card.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Card {
    pub fingerprint: String,
    pub checkpoint_sha256: Option<String>,
    pub preprocessing: String,
}

/// A dataset as its newest leaderboard run stored it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DatasetSummary {
    pub layout: String,
    pub fingerprint: String,
    pub samples: u64,
    /// (slice, real, fake) of the stored metrics' slices (`all`, `method:…`, `subset:…`, …).
    pub counts: Vec<(String, u64, u64)>,
}

/// Everything the pages show.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Site {
    pub entries: Vec<Entry>,
    /// Newest first.
    pub runs: Vec<SiteRun>,
    pub cards: BTreeMap<String, Card>,
    pub datasets: BTreeMap<String, DatasetSummary>,
    /// One per suite name, oldest run first.
    pub histories: Vec<History>,
}

/// Sets [`Entry::rank`] and [`Entry::overlaps_next`] within each suite name × dataset ×
/// perturbation × level, and sorts the entries by that group, then rank.
pub fn rank(entries: &mut [Entry]) {
    let key = |e: &Entry| {
        (
            e.suite_name.clone(),
            e.dataset.clone(),
            e.perturbation.clone(),
            e.level.clone(),
        )
    };
    entries.sort_by(|a, b| {
        key(a).cmp(&key(b)).then_with(|| {
            let (x, y) = (
                a.auc.unwrap_or(f64::NEG_INFINITY),
                b.auc.unwrap_or(f64::NEG_INFINITY),
            );
            y.total_cmp(&x).then_with(|| a.detector.cmp(&b.detector))
        })
    });
    let mut start = 0;
    while start < entries.len() {
        let group = key(&entries[start]);
        let end = (start..entries.len())
            .find(|&i| key(&entries[i]) != group)
            .unwrap_or(entries.len());
        for i in start..end {
            entries[i].rank = i - start + 1;
            entries[i].overlaps_next = i + 1 < end && overlap(&entries[i], &entries[i + 1]);
        }
        start = end;
    }
}

/// Whether two cells' 95% intervals share a point (false when either has none).
fn overlap(a: &Entry, b: &Entry) -> bool {
    match (a.ci_low, a.ci_high, b.ci_low, b.ci_high) {
        (Some(al), Some(ah), Some(bl), Some(bh)) => al <= bh && bl <= ah,
        _ => false,
    }
}

/// File names of the detector and dataset pages: a file-name-safe slug per name, assigned in
/// name order so that they stay the same from one build to the next.
#[derive(Debug, Clone, Default)]
pub struct Slugs {
    pub detectors: BTreeMap<String, String>,
    pub datasets: BTreeMap<String, String>,
}

impl Slugs {
    fn of(site: &Site) -> Slugs {
        let assign = |names: BTreeSet<&str>| {
            let mut taken = BTreeSet::new();
            names
                .into_iter()
                .map(|n| (n.to_string(), crate::slug(n, &mut taken)))
                .collect()
        };
        let detectors = site
            .entries
            .iter()
            .map(|e| e.detector.as_str())
            .chain(site.cards.keys().map(String::as_str))
            .collect();
        let datasets = site
            .entries
            .iter()
            .map(|e| e.dataset.as_str())
            .chain(site.datasets.keys().map(String::as_str))
            .collect();
        Slugs {
            detectors: assign(detectors),
            datasets: assign(datasets),
        }
    }
}

/// Every file of the site: (path relative to the site root, contents), sorted by path.
pub fn pages(site: &Site) -> Result<Vec<(String, Vec<u8>)>, crate::ReportError> {
    let slugs = Slugs::of(site);
    let mut files = vec![
        (
            "index.html".to_string(),
            home::render(site, &slugs).into_bytes(),
        ),
        (
            "leaderboard.json".to_string(),
            json(&site.entries)?.into_bytes(),
        ),
        (
            "leaderboard.csv".to_string(),
            csv(&site.entries)?.into_bytes(),
        ),
    ];
    for (detector, slug) in &slugs.detectors {
        let html = pages::detector(site, &slugs, detector)?;
        files.push((format!("detectors/{slug}.html"), html.into_bytes()));
    }
    for (dataset, slug) in &slugs.datasets {
        let html = pages::dataset(site, &slugs, dataset);
        files.push((format!("datasets/{slug}.html"), html.into_bytes()));
    }
    for run in &site.runs {
        let html = pages::run(site, &slugs, run);
        files.push((format!("runs/{}.html", run.run.run_id), html.into_bytes()));
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

/// The page frame every site page shares: title, the site's style, a header linking home.
/// `root` is the relative path back to the site root (`""` or `"../"`).
fn frame(title: &str, root: &str, body: &str, script: &str) -> String {
    let title = crate::render::escape_html(title);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
<style>{STYLE}</style></head><body><header><a href=\"{root}index.html\">dfbench leaderboard</a> \
· <a href=\"{root}leaderboard.json\">leaderboard.json</a> · <a href=\"{root}leaderboard.csv\">leaderboard.csv</a></header>\
<h1>{title}</h1>\n{body}{script}</body></html>\n"
    )
}

const STYLE: &str = "body{font-family:sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;margin:0.5em 0 1.5em}\
th,td{border:1px solid #ccc;padding:2px 6px;text-align:left}th{background:#eee;cursor:pointer}\
td.n{text-align:right;font-variant-numeric:tabular-nums}.tie{color:#b35900;font-weight:bold}\
header{margin-bottom:1em}svg{max-width:100%;height:auto}figure{display:inline-block;margin:0 1em 1em 0;width:480px}";

/// An AUC for display: four decimals, or `n/a (reason)`.
fn auc_text(auc: Option<f64>, reason: Option<&str>) -> String {
    match (auc, reason) {
        (Some(v), _) => format!("{v:.4}"),
        (None, Some(r)) => format!("n/a ({r})"),
        (None, None) => "n/a".to_string(),
    }
}

/// An interval for display: `[low, high]`, or empty.
fn ci_text(low: Option<f64>, high: Option<f64>) -> String {
    match (low, high) {
        (Some(l), Some(h)) => format!("[{l:.4}, {h:.4}]"),
        _ => String::new(),
    }
}
