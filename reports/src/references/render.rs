//! The reproduction check in each report form: the "References" section of `leaderboard.md`
//! and `index.html`, `references.csv`, the `references` entry of `metrics.json`, and the short
//! table `--check-references` prints.

use std::fmt::Write;
use std::path::Path;

use serde::Serialize;

use super::{ProtocolStamp, ReferenceCheck, ReferenceResult};
use crate::error::ReportError;
use crate::render::{escape_html as esc, escape_md};

/// The explanation printed above the tables.
const NOTE: &str = "Δ = measured − published; reproduced when |Δ| ≤ tolerance. Measured on \
clean images (perturbation `none`), slice `all`; `no measurement` gives the reason. A \
`top3-mean-during-training` value is the mean of the best three evaluations during training \
(DeepfakeBench's table), not what one released checkpoint gives.";

fn number(value: Option<f64>) -> String {
    value.map_or("–".to_string(), |v| format!("{v:.4}"))
}

fn signed(value: Option<f64>) -> String {
    value.map_or("–".to_string(), |v| format!("{v:+.4}"))
}

fn measured(result: &ReferenceResult) -> String {
    match (result.measured, result.interval) {
        (Some(v), Some((low, high))) => format!("{v:.4} [{low:.4}, {high:.4}]"),
        (value, _) => number(value),
    }
}

fn mark(result: &ReferenceResult) -> String {
    match &result.reason {
        Some(reason) => format!("{} ({reason})", result.mark.as_str()),
        None => result.mark.as_str().to_string(),
    }
}

/// The stamp as one line: `suite 1a2b…; preprocessing …; fingerprint …; …`.
pub fn stamp_line(stamp: &ProtocolStamp) -> String {
    let mut parts = vec![
        format!("suite {}", stamp.suite_hash),
        format!("preprocessing {}", stamp.preprocessing),
        format!("fingerprint {}", stamp.detector_fingerprint),
    ];
    if let Some(sha) = &stamp.checkpoint_sha256 {
        parts.push(format!("checkpoint sha256 {sha}"));
    }
    if let Some(aggregation) = &stamp.video_aggregation {
        parts.push(aggregation.clone());
    }
    parts.join("; ")
}

const COLUMNS: [&str; 10] = [
    "Detector",
    "Dataset",
    "Level",
    "Metric",
    "Published (kind; source)",
    "Measured [95% CI]",
    "Δ",
    "Tolerance",
    "Mark",
    "Protocol",
];

fn cells(result: &ReferenceResult) -> [String; 10] {
    [
        result.detector.clone(),
        result.dataset.clone(),
        result.level.clone(),
        result.metric.clone(),
        format!(
            "{:.4} ({}; {})",
            result.published, result.kind, result.source
        ),
        measured(result),
        signed(result.delta),
        format!("{}", result.tolerance),
        mark(result),
        stamp_line(&result.stamp),
    ]
}

/// Appends the "References" section to `leaderboard.md`.
pub fn markdown(out: &mut String, check: &ReferenceCheck) {
    let _ = writeln!(out, "## References ({})\n", check.summary());
    let _ = writeln!(out, "{NOTE}\n");
    for line in &check.unchecked {
        let _ = writeln!(out, "- {}", escape_md(line));
    }
    if !check.unchecked.is_empty() {
        out.push('\n');
    }
    if check.results.is_empty() {
        return;
    }
    let row = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    out.push_str(&row(COLUMNS.iter().map(|c| c.to_string()).collect()));
    out.push_str(&row(COLUMNS.iter().map(|_| "---".to_string()).collect()));
    for result in &check.results {
        out.push_str(&row(cells(result).iter().map(|c| escape_md(c)).collect()));
    }
    out.push('\n');
}

/// Appends the "References" section to `index.html`.
pub fn html(out: &mut String, check: &ReferenceCheck) {
    let _ = writeln!(
        out,
        "<section id=\"references\"><h2>References ({})</h2>",
        esc(&check.summary())
    );
    let _ = writeln!(out, "<p class=\"note\">{}</p>", esc(NOTE));
    for line in &check.unchecked {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", esc(line));
    }
    if !check.results.is_empty() {
        out.push_str("<table>\n<tr>");
        for column in COLUMNS {
            let _ = write!(out, "<th>{}</th>", esc(column));
        }
        out.push_str("</tr>\n");
        for result in &check.results {
            let [
                detector,
                dataset,
                level,
                metric,
                published,
                value,
                delta,
                tolerance,
                mark,
                stamp,
            ] = cells(result);
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td><strong>{}</strong></td><td><small><code>{}</code></small></td></tr>",
                esc(&detector),
                esc(&dataset),
                esc(&level),
                esc(&metric),
                esc(&published),
                esc(&value),
                esc(&delta),
                esc(&tolerance),
                esc(&mark),
                esc(&stamp)
            );
        }
        out.push_str("</table>\n");
    }
    out.push_str("</section>\n");
}

/// The short table `--check-references` prints: one aligned line per reference, then the
/// summary.
pub fn terminal(check: &ReferenceCheck) -> String {
    let head = [
        "detector",
        "dataset",
        "level",
        "metric",
        "published",
        "measured",
        "Δ",
        "tol",
        "mark",
    ];
    let mut lines: Vec<Vec<String>> = vec![head.iter().map(|h| h.to_string()).collect()];
    for r in &check.results {
        lines.push(vec![
            r.detector.clone(),
            r.dataset.clone(),
            r.level.clone(),
            r.metric.clone(),
            format!("{:.4}", r.published),
            number(r.measured),
            signed(r.delta),
            format!("{}", r.tolerance),
            mark(r),
        ]);
    }
    let mut widths = vec![0; head.len()];
    for line in &lines {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for line in &lines {
        let mut text = String::new();
        for (cell, width) in line.iter().zip(&widths) {
            let pad = width - cell.chars().count();
            let _ = write!(text, "{cell}{}  ", " ".repeat(pad));
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    for line in &check.unchecked {
        let _ = writeln!(out, "{line}");
    }
    let _ = write!(out, "{}", check.summary());
    out
}

/// `references.csv` header.
pub const CSV_HEADER: [&str; 18] = [
    "detector",
    "dataset",
    "level",
    "metric",
    "published",
    "kind",
    "source",
    "tolerance",
    "measured",
    "ci_low",
    "ci_high",
    "delta",
    "mark",
    "reason",
    "suite_hash",
    "detector_fingerprint",
    "preprocessing",
    "checkpoint_sha256",
];

/// `references.csv`: one line per reference (numbers in shortest round-trip form, empty when
/// absent; the video aggregation is in `metrics.json` and the Markdown).
pub fn csv(check: &ReferenceCheck, path: &Path) -> Result<Vec<u8>, ReportError> {
    let err = |source| ReportError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let plain = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER).map_err(err)?;
    for r in &check.results {
        w.write_record([
            r.detector.as_str(),
            &r.dataset,
            &r.level,
            &r.metric,
            &r.published.to_string(),
            &r.kind,
            &r.source,
            &r.tolerance.to_string(),
            &plain(r.measured),
            &plain(r.interval.map(|i| i.0)),
            &plain(r.interval.map(|i| i.1)),
            &plain(r.delta),
            r.mark.as_str(),
            r.reason.as_deref().unwrap_or(""),
            &r.stamp.suite_hash,
            &r.stamp.detector_fingerprint,
            &r.stamp.preprocessing,
            r.stamp.checkpoint_sha256.as_deref().unwrap_or(""),
        ])
        .map_err(err)?;
    }
    w.into_inner().map_err(|e| err(e.into_error().into()))
}

/// The `references` entry of `metrics.json`.
#[derive(Serialize)]
pub struct JsonCheck<'a> {
    results: Vec<JsonResult<'a>>,
    unchecked: &'a [String],
    exit_code: u8,
}

#[derive(Serialize)]
struct JsonResult<'a> {
    detector: &'a str,
    dataset: &'a str,
    level: &'a str,
    metric: &'a str,
    published: f64,
    kind: &'a str,
    source: &'a str,
    tolerance: f64,
    measured: Option<f64>,
    ci_low: Option<f64>,
    ci_high: Option<f64>,
    delta: Option<f64>,
    mark: &'static str,
    reason: Option<&'a str>,
    stamp: &'a ProtocolStamp,
}

/// The check as `metrics.json` writes it.
pub fn json(check: &ReferenceCheck) -> JsonCheck<'_> {
    JsonCheck {
        results: check
            .results
            .iter()
            .map(|r| JsonResult {
                detector: &r.detector,
                dataset: &r.dataset,
                level: &r.level,
                metric: &r.metric,
                published: r.published,
                kind: &r.kind,
                source: &r.source,
                tolerance: r.tolerance,
                measured: r.measured,
                ci_low: r.interval.map(|i| i.0),
                ci_high: r.interval.map(|i| i.1),
                delta: r.delta,
                mark: r.mark.as_str(),
                reason: r.reason.as_deref(),
                stamp: &r.stamp,
            })
            .collect(),
        unchecked: &check.unchecked,
        exit_code: check.exit_code(),
    }
}
