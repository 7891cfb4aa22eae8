//! `leaderboard.json` and `leaderboard.csv`: the home page's cells, the same numbers, for other
//! tools. Numbers are the shortest round-trip form of the stored f64; empty / null when absent.

use std::path::Path;

use super::Entry;
use crate::error::ReportError;

/// The CSV header (the JSON objects carry the same fields).
pub const HEADER: [&str; 16] = [
    "suite_name",
    "run_id",
    "detector",
    "dataset",
    "family",
    "perturbation",
    "level",
    "auc",
    "ci_low",
    "ci_high",
    "undefined_reason",
    "n_real",
    "n_fake",
    "failed",
    "rank",
    "overlaps_next",
];

/// `leaderboard.json`: an array of cells, pretty-printed.
pub fn json(entries: &[Entry]) -> Result<String, ReportError> {
    serde_json::to_string_pretty(entries).map_err(|source| ReportError::Json {
        path: Path::new("leaderboard.json").to_path_buf(),
        source,
    })
}

/// `leaderboard.csv`: one line per cell (`\n` line endings, RFC 4180 quoting).
pub fn csv(entries: &[Entry]) -> Result<String, ReportError> {
    let err = |source| ReportError::Csv {
        path: Path::new("leaderboard.csv").to_path_buf(),
        source,
    };
    let number = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER).map_err(err)?;
    for e in entries {
        w.write_record([
            e.suite_name.as_str(),
            &e.run_id,
            &e.detector,
            &e.dataset,
            &e.family,
            &e.perturbation,
            &e.level,
            &number(e.auc),
            &number(e.ci_low),
            &number(e.ci_high),
            e.undefined_reason.as_deref().unwrap_or(""),
            &e.n_real.to_string(),
            &e.n_fake.to_string(),
            &e.failed.map(|f| f.to_string()).unwrap_or_default(),
            &e.rank.to_string(),
            if e.overlaps_next { "true" } else { "false" },
        ])
        .map_err(err)?;
    }
    let bytes = w.into_inner().map_err(|e| err(e.into_error().into()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
