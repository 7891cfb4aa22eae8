//! `dfbench bench site`: how long `dfbench site` takes on a generated store of R runs × D
//! detectors × S datasets (default 100 × 20 × 50, one suite name), built from scratch, then
//! again after one new run (the incremental rebuild, which rewrites only the pages that run
//! changes). The runs are stored as the coordinator leaves them (done, metrics with their 95%
//! intervals), without predictions: the site reads stored numbers only.
//!
//! Figures are printed, never asserted. Build with `--release` for meaningful numbers.

use crate::commands::site::{SiteArgs, build};
use crate::output::outln;
use anyhow::Context;
use dfbench_reports::history::FAILED_METRIC;
use dfbench_reports::metrics::bootstrap::Rng;
use dfbench_store::{
    DatasetRecord, DetectorRecord, MetricRecord, RunId, RunPlan, RunRecord, RunStatus, Store,
};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct SiteBenchArgs {
    /// Runs in the generated store.
    #[arg(long, default_value_t = 100)]
    pub runs: usize,
    /// Detectors per run.
    #[arg(long, default_value_t = 20)]
    pub detectors: usize,
    /// Datasets per run.
    #[arg(long, default_value_t = 50)]
    pub datasets: usize,
}

/// The datasets' layouts, in turn (the site's family filter).
const FORMATS: [&str; 3] = ["cnnspot", "ffpp", "dire"];

/// A done run with no samples: what the site reads of it is its record and metrics.
fn plan(index: usize, args: &SiteBenchArgs) -> RunPlan {
    RunPlan {
        run: RunRecord {
            id: RunId(format!("r{index:05}")),
            name: "nightly".into(),
            suite_name: "bench".into(),
            suite_toml: suite_toml(args),
            suite_hash: "bench".into(),
            data_root: "/data".into(),
            dfbench_version: env!("CARGO_PKG_VERSION").into(),
            status: RunStatus::Running,
            error: None,
            created_at_ms: 1_000 * index as i64,
            finished_at_ms: None,
            requires: Vec::new(),
        },
        datasets: (0..args.datasets)
            .map(|s| DatasetRecord {
                name: format!("set{s:02}"),
                format: FORMATS[s % FORMATS.len()].into(),
                root: format!("/data/set{s:02}"),
                fingerprint: format!("fp-set{s:02}"),
                samples: 2_000,
                exif_orientation: "ignore".into(),
                max_pixels: 64_000_000,
            })
            .collect(),
        detectors: (0..args.detectors)
            .map(|d| DetectorRecord {
                fingerprint: Some(format!("fp-det{d:02}")),
                ..DetectorRecord::builtin(&format!("det{d:02}"))
            })
            .collect(),
        samples: Vec::new(),
        contents: Vec::new(),
        shards: Vec::new(),
        sample_failures: Vec::new(),
        max_attempts: 2,
        max_losses: 2,
    }
}

/// The runs' stored suite: valid, as a real run's is (the site parses it for absent sets), its
/// detectors built-in spectral under their own names.
fn suite_toml(args: &SiteBenchArgs) -> String {
    let mut toml = String::from("name = \"bench\"\n");
    for s in 0..args.datasets {
        let format = FORMATS[s % FORMATS.len()];
        let frames = if format == "ffpp" {
            "frames = \"all\"\n"
        } else {
            ""
        };
        toml += &format!(
            "\n[[datasets]]\nname = \"set{s:02}\"\nformat = \"{format}\"\nroot = \"/data/set{s:02}\"\n{frames}"
        );
    }
    for d in 0..args.detectors {
        toml += &format!(
            "\n[[detectors]]\nname = \"det{d:02}\"\nkind = \"builtin\"\nbuiltin = \"spectral\"\n"
        );
    }
    toml
}

/// AUC, AP, EER (with intervals) and the failure count of every detector × dataset.
fn metrics(index: usize, args: &SiteBenchArgs) -> Vec<MetricRecord> {
    let mut rng = Rng::new(index as u64 + 1);
    let mut rows = Vec::with_capacity(args.detectors * args.datasets * 4);
    for d in 0..args.detectors {
        for s in 0..args.datasets {
            let auc = 0.6 + 0.39 * rng.unit();
            let row = |metric: &str, value: f64, half: Option<f64>| MetricRecord {
                detector: format!("det{d:02}"),
                dataset: format!("set{s:02}"),
                perturbation: "none".into(),
                slice: "all".into(),
                level: "frame".into(),
                metric: metric.into(),
                value: Some(value),
                undefined_reason: None,
                n_real: 1_000,
                n_fake: 1_000,
                ci_low: half.map(|h| (value - h).max(0.0)),
                ci_high: half.map(|h| (value + h).min(1.0)),
                interval_stored: true,
            };
            rows.push(row("auc", auc, Some(0.02)));
            rows.push(row("ap", auc * 0.98, Some(0.02)));
            rows.push(row("eer", 1.0 - auc, Some(0.02)));
            rows.push(row(FAILED_METRIC, (rng.unit() * 5.0).floor(), None));
        }
    }
    rows
}

async fn add_run(store: &dyn Store, index: usize, args: &SiteBenchArgs) -> anyhow::Result<()> {
    let plan = plan(index, args);
    store.create_run(&plan).await?;
    store
        .finish_complete_runs(plan.run.created_at_ms + 1)
        .await?;
    store
        .replace_metrics(&plan.run.id, &metrics(index, args))
        .await?;
    Ok(())
}

pub async fn execute(args: SiteBenchArgs) -> anyhow::Result<ExitCode> {
    let scratch = tempfile::tempdir().context("cannot create a scratch folder")?;
    let url = format!("sqlite:{}", scratch.path().join("site.db").display());
    let store = dfbench_store::open_store(&url).await?;
    let started = Instant::now();
    for index in 0..args.runs {
        add_run(store.as_ref(), index, &args).await?;
    }
    outln!(
        "generated store: {} runs × {} detectors × {} datasets in {:.1} s",
        args.runs,
        args.detectors,
        args.datasets,
        started.elapsed().as_secs_f64()
    );
    let site = SiteArgs {
        out: scratch.path().join("site"),
        store: crate::args::StoreArgs {
            database_url: Some(url),
        },
        names: Vec::new(),
        tag: None,
        reports: Vec::new(),
        history_limit: 100,
    };
    let started = Instant::now();
    let full = build(&site).await?;
    let full_s = started.elapsed().as_secs_f64();
    outln!(
        "full build: {:.2} s ({} files written; target ≤ 10 s)",
        full_s,
        full.written
    );
    add_run(store.as_ref(), args.runs, &args).await?;
    let started = Instant::now();
    let again = build(&site).await?;
    outln!(
        "incremental rebuild after one new run: {:.2} s ({} of {} files written)",
        started.elapsed().as_secs_f64(),
        again.written,
        again.files
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_runs_store_a_valid_suite_naming_their_datasets_and_detectors() {
        let args = SiteBenchArgs {
            runs: 1,
            detectors: 3,
            datasets: 4,
        };
        let suite = dfbench_benchmarks::Suite::parse(&suite_toml(&args), "bench suite")
            .unwrap_or_else(|error| panic!("{error}"));
        let plan = plan(0, &args);
        let names = |list: Vec<&str>| list.join(",");
        assert_eq!(
            names(suite.datasets.iter().map(|d| d.name.as_str()).collect()),
            names(plan.datasets.iter().map(|d| d.name.as_str()).collect())
        );
        assert_eq!(
            names(suite.detectors.iter().map(|d| d.name.as_str()).collect()),
            names(plan.detectors.iter().map(|d| d.name.as_str()).collect())
        );
    }
}
