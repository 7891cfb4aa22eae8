//! Writes the report files into an output directory.
//!
//! Files: `metrics.csv`, `metrics.json`, `leaderboard.md`, `index.html`, `references.csv` (when
//! the suite has references), `roc-<dataset>.svg/.png`
//! per dataset and `roc.svg/.png` (the first dataset by name), with perturbations
//! `robustness-<dataset>-<family>.svg/.png` per dataset × family with levels, plus the polars
//! exports ([`crate::export`]). No chart is written when there are no predictions. Output is
//! deterministic: the same input gives byte-identical files.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use image::ImageEncoder;
use image::codecs::png::PngEncoder;
use rayon::prelude::*;

use crate::chart::{self, Chart};
use crate::error::ReportError;
use crate::export;
use crate::model::{PredictionRecord, RunInfo};
use crate::render;
use crate::report::{Report, ReportOptions, RocChart, build_report};
use crate::robustness::render::{CurveFile, RobustnessSection};
use crate::robustness::{RobustnessCurve, robustness};

/// What [`write_report`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFiles {
    pub metrics_csv: PathBuf,
    pub metrics_json: PathBuf,
    pub leaderboard_md: PathBuf,
    pub index_html: PathBuf,
    /// `references.csv`, when the run's suite has references.
    pub references_csv: Option<PathBuf>,
    /// ROC charts: `roc.svg`, `roc.png`, then `roc-<dataset>.svg` / `.png` per dataset; then
    /// the robustness curves `robustness-<dataset>-<family>.svg` / `.png`.
    pub charts: Vec<PathBuf>,
    /// `predictions.csv`, `predictions.parquet`, `metrics.parquet`, `summary.csv`.
    pub exports: Vec<PathBuf>,
    /// The text of `leaderboard.md`, e.g. for printing to the terminal.
    pub leaderboard_markdown: String,
}

impl ReportFiles {
    /// Every written path.
    pub fn paths(&self) -> Vec<&Path> {
        let mut out = vec![
            self.metrics_csv.as_path(),
            self.metrics_json.as_path(),
            self.leaderboard_md.as_path(),
            self.index_html.as_path(),
        ];
        out.extend(self.references_csv.as_deref());
        out.extend(self.charts.iter().map(PathBuf::as_path));
        out.extend(self.exports.iter().map(PathBuf::as_path));
        out
    }
}

pub(crate) fn write(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    fs::write(path, bytes).map_err(|source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    })?;
    tracing::debug!(path = %path.display(), bytes = bytes.len(), "wrote report file");
    Ok(())
}

/// A file-name-safe form of a dataset name, unique among `taken`.
pub fn slug(name: &str, taken: &mut BTreeSet<String>) -> String {
    let base: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let base = if base.is_empty() {
        "dataset".to_string()
    } else {
        base
    };
    let mut candidate = base.clone();
    let mut n = 2;
    while !taken.insert(candidate.clone()) {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    candidate
}

pub(crate) fn png_bytes(rgb: &[u8], path: &Path) -> Result<Vec<u8>, ReportError> {
    let (w, h) = chart::CHART_SIZE;
    let mut png = Vec::new();
    PngEncoder::new(&mut png)
        .write_image(rgb, w, h, image::ExtendedColorType::Rgb8)
        .map_err(|source| ReportError::Png {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(png)
}

/// Computes the report with default options (1000 bootstrap resamples, fixed seed) and writes
/// every report file into `out_dir` (created if missing).
pub fn write_report(
    run: &RunInfo,
    predictions: &[PredictionRecord],
    out_dir: &Path,
) -> Result<ReportFiles, ReportError> {
    let report = build_report(run, predictions, &ReportOptions::default());
    write_built_report(run, predictions, &report, out_dir)
}

/// Inline SVG per (dataset, perturbation).
type InlineCharts = BTreeMap<(String, String), String>;

/// Renders charts as SVG + PNG in parallel, in input order; errors name `<stem>.svg/.png`.
fn render_charts<C: Chart + Sync>(
    charts: &[(&C, String)],
    out_dir: &Path,
) -> Result<Vec<(String, Vec<u8>)>, ReportError> {
    charts
        .par_iter()
        .map(|(chart, stem)| render_chart(*chart, out_dir, stem))
        .collect()
}

fn render_chart(
    chart: &impl Chart,
    out_dir: &Path,
    stem: &str,
) -> Result<(String, Vec<u8>), ReportError> {
    let (svg_path, png_path) = (
        out_dir.join(format!("{stem}.svg")),
        out_dir.join(format!("{stem}.png")),
    );
    let chart_err = |path: &Path| {
        let path = path.to_path_buf();
        move |message| ReportError::Chart { path, message }
    };
    let svg = chart::to_svg(chart).map_err(chart_err(&svg_path))?;
    let png = png_bytes(
        &chart::to_rgb(chart).map_err(chart_err(&png_path))?,
        &png_path,
    )?;
    Ok((svg, png))
}

/// Writes `<stem>.svg` and `<stem>.png` for each stem; appends the paths to `written`.
fn write_pair(
    out_dir: &Path,
    stems: &[String],
    (svg, png): &(String, Vec<u8>),
    written: &mut Vec<PathBuf>,
) -> Result<(), ReportError> {
    for stem in stems {
        let (s, p) = (
            out_dir.join(format!("{stem}.svg")),
            out_dir.join(format!("{stem}.png")),
        );
        write(&s, svg.as_bytes())?;
        write(&p, png)?;
        written.extend([s, p]);
    }
    Ok(())
}

/// Writes the ROC charts; returns the written paths and the inline SVG per (dataset,
/// perturbation).
fn write_charts(
    report: &Report,
    out_dir: &Path,
) -> Result<(Vec<PathBuf>, InlineCharts), ReportError> {
    let mut charts = Vec::new();
    let mut svgs = BTreeMap::new();
    let mut taken = BTreeSet::new();
    let stems: Vec<(&RocChart, String)> = (report.charts.iter())
        .map(|c| (c, format!("roc-{}", slug(&c.dataset, &mut taken))))
        .collect();
    let rendered = render_charts(&stems, out_dir)?;
    for (i, ((c, stem), rendered)) in stems.into_iter().zip(rendered).enumerate() {
        let mut stems = vec![stem];
        if i == 0 {
            stems.insert(0, "roc".to_string());
        }
        write_pair(out_dir, &stems, &rendered, &mut charts)?;
        svgs.insert((c.dataset.clone(), c.perturbation.clone()), rendered.0);
    }
    Ok((charts, svgs))
}

/// Writes the robustness curves; `None` when the run has no perturbation besides `none`.
fn write_robustness(
    report: &Report,
    out_dir: &Path,
    written: &mut Vec<PathBuf>,
) -> Result<Option<RobustnessSection>, ReportError> {
    let Some(view) = robustness(&report.rows) else {
        return Ok(None);
    };
    let mut files = BTreeMap::new();
    let mut taken = BTreeSet::new();
    let stems: Vec<(&RobustnessCurve, String)> = (view.curves.iter())
        .map(|c| {
            let name = format!("robustness-{}-{}", c.dataset, c.family);
            (c, slug(&name, &mut taken))
        })
        .collect();
    let rendered = render_charts(&stems, out_dir)?;
    for ((curve, stem), rendered) in stems.into_iter().zip(rendered) {
        write_pair(out_dir, std::slice::from_ref(&stem), &rendered, written)?;
        let key = (curve.dataset.clone(), curve.family.clone());
        let svg = rendered.0;
        files.insert(key, CurveFile { stem, svg });
    }
    Ok(Some(RobustnessSection { view, files }))
}

/// Writes every report file of an already computed report into `out_dir`.
pub fn write_built_report(
    run: &RunInfo,
    predictions: &[PredictionRecord],
    report: &Report,
    out_dir: &Path,
) -> Result<ReportFiles, ReportError> {
    fs::create_dir_all(out_dir).map_err(|source| ReportError::CreateDir {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let boards = render::boards(report);

    let metrics_csv = out_dir.join("metrics.csv");
    write(
        &metrics_csv,
        &render::csv::render(&report.rows, &metrics_csv)?,
    )?;
    let metrics_json = out_dir.join("metrics.json");
    let json = render::json::render(run, report).map_err(|source| ReportError::Json {
        path: metrics_json.clone(),
        source,
    })?;
    write(&metrics_json, json.as_bytes())?;

    let (mut charts, svgs) = write_charts(report, out_dir)?;
    let robustness = write_robustness(report, out_dir, &mut charts)?;

    let mut leaderboard_markdown = render::markdown::render(
        run,
        &report.leaderboards,
        &boards,
        robustness.as_ref(),
        boards
            .iter()
            .any(|b| b.has_clips)
            .then(|| report.options.video_aggregation.describe()),
    );
    let mut references_csv = None;
    if let Some(check) = &report.references {
        crate::references::render::markdown(&mut leaderboard_markdown, check);
        let path = out_dir.join("references.csv");
        write(&path, &crate::references::render::csv(check, &path)?)?;
        references_csv = Some(path);
    }
    let leaderboard_md = out_dir.join("leaderboard.md");
    write(&leaderboard_md, leaderboard_markdown.as_bytes())?;

    let html = render::html::render(run, report, &boards, &svgs, robustness.as_ref());
    let index_html = out_dir.join("index.html");
    write(&index_html, html.as_bytes())?;

    let exports = export::write_exports(out_dir, &run.run_id, predictions, &report.rows)?;

    tracing::info!(dir = %out_dir.display(), rows = report.rows.len(), "report written");
    Ok(ReportFiles {
        metrics_csv,
        metrics_json,
        leaderboard_md,
        index_html,
        references_csv,
        charts,
        exports,
        leaderboard_markdown,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_safe_and_unique() {
        let mut taken = BTreeSet::new();
        assert_eq!(slug("FF++/c23", &mut taken), "FF___c23");
        assert_eq!(slug("FF++ c23", &mut taken), "FF___c23-2");
        assert_eq!(slug("", &mut taken), "dataset");
    }
}
