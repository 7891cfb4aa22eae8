//! Writes a history folder: `index.html` and `auc-<dataset>.svg` / `.png` per dataset (its
//! charted perturbation).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use super::{History, chart, html};
use crate::error::ReportError;
use crate::write::{png_bytes, slug, write};

/// What [`write_history`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryFiles {
    pub index_html: PathBuf,
    /// `auc-<dataset>.svg` and `.png` per charted dataset.
    pub charts: Vec<PathBuf>,
}

pub fn write_history(history: &History, out_dir: &Path) -> Result<HistoryFiles, ReportError> {
    fs::create_dir_all(out_dir).map_err(|source| ReportError::CreateDir {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let mut charts = Vec::new();
    let mut svgs = BTreeMap::new();
    let mut taken = BTreeSet::new();
    for trend in history.trends.iter().filter(|t| t.charted) {
        let stem = format!("auc-{}", slug(&trend.dataset, &mut taken));
        let svg_path = out_dir.join(format!("{stem}.svg"));
        let png_path = out_dir.join(format!("{stem}.png"));
        let chart_error = |path: &Path| {
            let path = path.to_path_buf();
            move |message| ReportError::Chart { path, message }
        };
        let runs = history.runs.len();
        let svg = chart::trend_svg(trend, runs).map_err(chart_error(&svg_path))?;
        let rgb = chart::trend_rgb(trend, runs).map_err(chart_error(&png_path))?;
        write(&svg_path, svg.as_bytes())?;
        write(&png_path, &png_bytes(&rgb, &png_path)?)?;
        charts.extend([svg_path, png_path]);
        svgs.insert((trend.dataset.clone(), trend.perturbation.clone()), svg);
    }
    let index_html = out_dir.join("index.html");
    write(&index_html, html::render(history, &svgs).as_bytes())?;
    Ok(HistoryFiles { index_html, charts })
}
