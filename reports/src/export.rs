//! Aggregation and exports with polars: the predictions and metric rows as tables, a per-group
//! summary, written as CSV and Parquet next to the report.
//!
//! Files: `predictions.csv` / `predictions.parquet` (one row per prediction, sorted by detector,
//! dataset, perturbation, path; a clip detector's rows are its clips, with `clip_index` set), `metrics.parquet` (the rows of `metrics.csv` plus the undefined
//! reason and `n_failed`) and `summary.csv` (run × detector × dataset × perturbation × subset:
//! predictions, scored, failed, fakes, mean score; from a polars lazy group-by). Parquet files
//! are uncompressed (no codec features compiled in) and carry no timestamps, so the same input
//! gives the same bytes. Statistics stay in plain Rust (`crate::metrics`); polars only groups,
//! sorts and writes.

use dfbench_benchmarks::FailureKind;
use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::ReportError;
use crate::model::PredictionRecord;
use crate::report::MetricRow;

fn strings<'a, T: 'a>(name: &str, items: &'a [T], get: impl Fn(&'a T) -> &'a str) -> Column {
    Column::new(name.into(), items.iter().map(get).collect::<Vec<&str>>())
}

/// One row per prediction; `score` is null for failures.
pub fn predictions_frame(
    run_id: &str,
    predictions: &[PredictionRecord],
) -> PolarsResult<DataFrame> {
    let mut sorted: Vec<&PredictionRecord> = predictions.iter().collect();
    sorted.sort_by(|a, b| {
        (&a.detector, &a.dataset, &a.perturbation, &a.rel_path).cmp(&(
            &b.detector,
            &b.dataset,
            &b.perturbation,
            &b.rel_path,
        ))
    });
    let p = sorted.as_slice();
    DataFrame::new_infer_height(vec![
        Column::new("run".into(), vec![run_id; p.len()]),
        strings("detector", p, |r| &r.detector),
        strings("dataset", p, |r| &r.dataset),
        strings("perturbation", p, |r| &r.perturbation),
        strings("subset", p, |r| &r.subset),
        strings("rel_path", p, |r| &r.rel_path),
        strings("video_key", p, |r| &r.video_key),
        Column::new(
            "label".into(),
            p.iter().map(|r| r.label).collect::<Vec<i64>>(),
        ),
        strings("label_group", p, |r| &r.label_group),
        strings("method", p, |r| &r.method),
        strings("split", p, |r| &r.split),
        strings("worker_id", p, |r| &r.worker_id),
        Column::new(
            "clip_index".into(),
            p.iter().map(|r| r.clip_index).collect::<Vec<Option<i64>>>(),
        ),
        Column::new(
            "score".into(),
            p.iter()
                .map(|r| r.score.filter(|s| s.is_finite()))
                .collect::<Vec<Option<f64>>>(),
        ),
        Column::new(
            "failure_kind".into(),
            p.iter()
                .map(|r| r.failure_kind.as_ref().map(FailureKind::as_str))
                .collect::<Vec<Option<&str>>>(),
        ),
    ])
}

/// The metric rows as a table (same order as `metrics.csv`).
pub fn metrics_frame(rows: &[MetricRow]) -> PolarsResult<DataFrame> {
    DataFrame::new_infer_height(vec![
        strings("run", rows, |r| &r.run),
        strings("detector", rows, |r| &r.detector),
        strings("dataset", rows, |r| &r.dataset),
        strings("perturbation", rows, |r| &r.perturbation),
        strings("slice", rows, |r| &r.slice),
        strings("level", rows, |r| &r.level),
        strings("metric", rows, |r| &r.metric),
        Column::new(
            "value".into(),
            rows.iter().map(|r| r.value).collect::<Vec<_>>(),
        ),
        Column::new(
            "n_real".into(),
            rows.iter().map(|r| r.n_real).collect::<Vec<_>>(),
        ),
        Column::new(
            "n_fake".into(),
            rows.iter().map(|r| r.n_fake).collect::<Vec<_>>(),
        ),
        Column::new(
            "ci_low".into(),
            rows.iter().map(|r| r.ci_low).collect::<Vec<_>>(),
        ),
        Column::new(
            "ci_high".into(),
            rows.iter().map(|r| r.ci_high).collect::<Vec<_>>(),
        ),
        Column::new(
            "undefined_reason".into(),
            rows.iter()
                .map(|r| r.undefined_reason.as_deref())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "n_failed".into(),
            rows.iter().map(|r| r.n_failed).collect::<Vec<_>>(),
        ),
    ])
}

/// Counts per run × detector × dataset × perturbation × subset, sorted by those keys.
pub fn group_summary(predictions: &DataFrame) -> PolarsResult<DataFrame> {
    let keys = ["run", "detector", "dataset", "perturbation", "subset"];
    predictions
        .clone()
        .lazy()
        .group_by(keys.map(col))
        .agg([
            len().alias("predictions"),
            col("score").count().alias("scored"),
            col("score").null_count().alias("failed"),
            col("label").gt(lit(0)).sum().alias("fakes"),
            col("score").mean().alias("mean_score"),
        ])
        .sort(keys, SortMultipleOptions::default())
        .collect()
}

fn export_error(path: &Path) -> impl Fn(PolarsError) -> ReportError + '_ {
    move |source| ReportError::Export {
        path: path.to_path_buf(),
        source,
    }
}

fn create(path: &Path) -> Result<File, ReportError> {
    File::create(path).map_err(|source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    })
}

fn write_csv(path: &Path, df: &mut DataFrame) -> Result<(), ReportError> {
    CsvWriter::new(create(path)?)
        .finish(df)
        .map_err(export_error(path))
}

fn write_parquet(path: &Path, df: &mut DataFrame) -> Result<(), ReportError> {
    ParquetWriter::new(create(path)?)
        .with_compression(ParquetCompression::Uncompressed)
        .finish(df)
        .map(|_| ())
        .map_err(export_error(path))
}

/// Writes every export into `dir`; returns the paths written.
pub fn write_exports(
    dir: &Path,
    run_id: &str,
    predictions: &[PredictionRecord],
    rows: &[MetricRow],
) -> Result<Vec<PathBuf>, ReportError> {
    let path = |name: &str| dir.join(name);
    let (p_csv, p_parquet) = (path("predictions.csv"), path("predictions.parquet"));
    let (m_parquet, summary) = (path("metrics.parquet"), path("summary.csv"));
    let mut preds = predictions_frame(run_id, predictions).map_err(export_error(&p_csv))?;
    write_csv(&p_csv, &mut preds)?;
    write_parquet(&p_parquet, &mut preds)?;
    let mut metrics = metrics_frame(rows).map_err(export_error(&m_parquet))?;
    write_parquet(&m_parquet, &mut metrics)?;
    let mut groups = group_summary(&preds).map_err(export_error(&summary))?;
    write_csv(&summary, &mut groups)?;
    Ok(vec![p_csv, p_parquet, m_parquet, summary])
}
