//! `metrics.csv`: one line per metric row.
//!
//! Header: `run,detector,dataset,perturbation,slice,level,metric,value,n_real,n_fake,ci_low,ci_high`
//! (the first ten columns are stable; the interval columns are appended).
//! `value`, `ci_low` and `ci_high` are the shortest round-trip form of the f64 (`{}`), or the
//! EMPTY string when undefined (the reason is in `metrics.json`, `leaderboard.md` and
//! `index.html`, e.g. "only fake").

use std::path::Path;

use crate::error::ReportError;
use crate::report::MetricRow;

/// The exact CSV header.
pub const HEADER: [&str; 12] = [
    "run",
    "detector",
    "dataset",
    "perturbation",
    "slice",
    "level",
    "metric",
    "value",
    "n_real",
    "n_fake",
    "ci_low",
    "ci_high",
];

/// Renders the rows as CSV bytes (`\n` line endings, RFC 4180 quoting).
pub fn render(rows: &[MetricRow], path: &Path) -> Result<Vec<u8>, ReportError> {
    let err = |source| ReportError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER).map_err(err)?;
    for r in rows {
        let number = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        let (value, ci_low, ci_high) = (number(r.value), number(r.ci_low), number(r.ci_high));
        let (n_real, n_fake) = (r.n_real.to_string(), r.n_fake.to_string());
        w.write_record([
            r.run.as_str(),
            &r.detector,
            &r.dataset,
            &r.perturbation,
            &r.slice,
            &r.level,
            &r.metric,
            &value,
            &n_real,
            &n_fake,
            &ci_low,
            &ci_high,
        ])
        .map_err(err)?;
    }
    w.into_inner().map_err(|e| err(e.into_error().into()))
}
