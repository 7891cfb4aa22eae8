//! `dfbench site --out DIR`: the leaderboard site, generated from the store's stored numbers
//! (metrics with their 95% intervals; a run stored before intervals were has them computed
//! once and stored, see [`crate::reporting::stored_metrics`]). Never rescores.
//!
//! Which runs: every suite name (`dfbench run --name`), or those `--name` lists; each name's
//! leaderboard run is its most recently promoted run, else its newest done, complete one
//! (partial runs never are); with `--tag`, only runs carrying the tag. Per-run reports and
//! `compare` folders found under `--reports` are copied beside the run pages.
//!
//! Incremental: a file whose bytes are unchanged is not written again, so regenerating after
//! one new run rewrites only the pages it touches (see [`write_site`]).

mod copy;
mod load;

use crate::args::StoreArgs;
use crate::output::outln;
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Clone, clap::Args)]
pub struct SiteArgs {
    /// Folder the site is written into (created when missing; files that stay the same are
    /// left untouched).
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Suite name (`dfbench run --name`) to show; repeat for several. Default: every name.
    #[arg(long = "name", value_name = "NAME")]
    pub names: Vec<String>,
    /// Only runs tagged TAG (`dfbench run --tag`).
    #[arg(long)]
    pub tag: Option<String>,
    /// Folder holding per-run reports (`<run-id>/index.html`) and `compare-*-vs-<run-id>/`
    /// folders, copied beside the run pages; repeat for several.
    #[arg(long = "reports", value_name = "DIR", default_value = "reports-out")]
    pub reports: Vec<PathBuf>,
    /// Runs per suite name in the history charts (newest).
    #[arg(long, default_value_t = 100)]
    pub history_limit: i64,
}

/// What a build wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SiteStats {
    pub files: usize,
    /// Files written (new or changed); the others were left as they were.
    pub written: usize,
}

pub async fn execute(args: SiteArgs) -> anyhow::Result<ExitCode> {
    let stats = build(&args).await?;
    outln!(
        "site: {} files, {} written, {} unchanged: {}",
        stats.files,
        stats.written,
        stats.files - stats.written,
        args.out.join("index.html").display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Loads the store, renders every page and writes what changed.
pub async fn build(args: &SiteArgs) -> anyhow::Result<SiteStats> {
    let store = args.store.open_existing().await?;
    let mut site = load::site(store.as_ref(), args).await?;
    let mut files = Vec::new();
    for run in &mut site.runs {
        let copied = copy::run_pages(&args.reports, &run.run.run_id)?;
        run.links = copied.links;
        files.extend(copied.files);
    }
    files.extend(
        dfbench_reports::site::pages(&site)
            .context("cannot render the site")?
            .into_iter()
            .map(|(path, bytes)| (PathBuf::from(path), bytes)),
    );
    write_site(&args.out, &files)
}

/// Writes each (relative path, bytes) under `out` unless the file already holds those bytes.
pub fn write_site(out: &Path, files: &[(PathBuf, Vec<u8>)]) -> anyhow::Result<SiteStats> {
    let mut stats = SiteStats {
        files: files.len(),
        written: 0,
    };
    for (relative, bytes) in files {
        let path = out.join(relative);
        if std::fs::read(&path).is_ok_and(|old| old == *bytes) {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create the site folder {}", parent.display()))?;
        }
        std::fs::write(&path, bytes)
            .with_context(|| format!("cannot write the site page {}", path.display()))?;
        stats.written += 1;
    }
    Ok(stats)
}
