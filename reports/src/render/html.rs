//! `index.html`: one self-contained page (inline CSS, inline SVG charts, no scripts, no links,
//! no web fonts). Every string from the input is HTML-escaped. Sections: leaderboard (with
//! intervals and rank), heatmap detector × dataset (AUC), robustness (table and curves, only
//! with perturbations besides `none`), one
//! section per dataset (ranked table, per-subset and per-method AUC, ROC chart), references
//! (published values against the run, when the suite has some), failures with
//! reasons, provenance (versions, fingerprints, workers and their devices).

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::metrics::MetricValue;
use crate::model::{CarriedOver, RunInfo};
use crate::render::html_sections as sections;
use crate::render::{Board, escape_html as esc};
use crate::report::{FailureRecord, Report};
use crate::robustness::render::{RobustnessSection, html as robustness};

/// Failures listed in the page; the rest are counted in a "… and N more" line.
pub const MAX_FAILURE_ROWS: usize = 200;

const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;\
margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1d1d1f;line-height:1.4}\
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}\
table{border-collapse:collapse;margin:.8rem 0;font-size:.92rem}\
th,td{border:1px solid #d8d8d8;padding:.3rem .6rem;text-align:left;vertical-align:top}\
th{background:#f3f4f6}td.num{text-align:right;font-variant-numeric:tabular-nums}\
td.na{color:#888;text-align:right}code{font-size:.85rem;word-break:break-all}\
.chart svg{max-width:100%;height:auto;border:1px solid #eee}\
p.note{color:#555;font-size:.9rem}\
table.heat td.num{min-width:4.5rem;text-align:center}small.ci{color:#555}";

/// A table cell for a metric: right-aligned number, or grey `n/a (reason)`.
pub fn metric_cell(v: &MetricValue) -> String {
    match v {
        MetricValue::Value(_) => format!("<td class=\"num\">{v}</td>"),
        MetricValue::Undefined(_) => format!("<td class=\"na\">{}</td>", esc(&v.to_string())),
    }
}

fn provenance(out: &mut String, run: &RunInfo) {
    out.push_str("<section id=\"provenance\"><h2>Provenance</h2><table>\n");
    let rows = [
        ("Run id", &run.run_id),
        ("Run name", &run.name),
        ("Status", &run.status),
        ("Created", &run.created_at),
        ("Suite", &run.suite_name),
        ("Suite hash", &run.suite_hash),
        ("dfbench version", &run.dfbench_version),
    ];
    for (k, v) in rows {
        let _ = writeln!(out, "<tr><th>{k}</th><td><code>{}</code></td></tr>", esc(v));
    }
    if let Some(line) = CarriedOver::describe(&run.carried_over) {
        let _ = writeln!(out, "<tr><th>Reuse</th><td>{}</td></tr>", esc(&line));
    }
    out.push_str("</table>\n<h3>Datasets</h3><table>\n");
    out.push_str(
        "<tr><th>Dataset</th><th>Samples</th><th>Fingerprint</th><th>Decoding</th></tr>\n",
    );
    for d in &run.datasets {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td><code>{}</code></td><td>{}</td></tr>",
            esc(&d.name),
            d.samples,
            esc(&d.fingerprint),
            esc(&d.decoding())
        );
    }
    for set in &run.absent {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"na\">absent</td><td>{}</td></tr>",
            esc(&set.dataset),
            esc(&set.reason)
        );
    }
    out.push_str("</table>\n<h3>Detectors</h3><table>\n");
    out.push_str("<tr><th>Detector</th><th>Fingerprint</th></tr>\n");
    for d in &run.detectors {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td><code>{}</code></td></tr>",
            esc(&d.name),
            esc(&d.fingerprint)
        );
    }
    out.push_str("</table>\n<h3>Workers</h3><table>\n");
    out.push_str("<tr><th>Worker</th><th>Host</th><th>Devices</th><th>Capabilities</th>");
    out.push_str("<th>dfbench</th><th>Predictions</th></tr>\n");
    for w in &run.workers {
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td class=\"num\">{}</td></tr>",
            esc(&w.worker_id),
            esc(&w.hostname),
            esc(&w.devices.join(", ")),
            esc(&w.capabilities.join(", ")),
            esc(&w.dfbench_version),
            w.predictions
        );
    }
    if run.workers.is_empty() {
        out.push_str("<tr><td colspan=\"6\" class=\"na\">no worker recorded</td></tr>\n");
    }
    out.push_str("</table></section>\n");
}

pub fn failures(out: &mut String, failures: &[FailureRecord]) {
    let _ = writeln!(
        out,
        "<section id=\"failures\"><h2>Failures ({})</h2>",
        failures.len()
    );
    if failures.is_empty() {
        out.push_str("<p class=\"note\">No failed predictions.</p></section>\n");
        return;
    }
    out.push_str("<p class=\"note\">Failed predictions are excluded from all metrics.</p>\n");
    let mut by_kind: BTreeMap<&str, u64> = BTreeMap::new();
    for f in failures {
        *by_kind.entry(f.kind.as_str()).or_default() += 1;
    }
    out.push_str("<table>\n<tr><th>Reason</th><th>Count</th></tr>\n");
    for (kind, count) in by_kind {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"num\">{count}</td></tr>",
            esc(kind)
        );
    }
    out.push_str("</table>\n");
    out.push_str("<table>\n<tr><th>Detector</th><th>Dataset</th><th>Sample path</th>");
    out.push_str("<th>Kind</th><th>Message</th></tr>\n");
    for f in failures.iter().take(MAX_FAILURE_ROWS) {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(&f.detector),
            esc(&f.dataset),
            esc(&f.rel_path),
            esc(f.kind.as_str()),
            esc(&f.message)
        );
    }
    out.push_str("</table>\n");
    if failures.len() > MAX_FAILURE_ROWS {
        let more = failures.len() - MAX_FAILURE_ROWS;
        let _ = writeln!(
            out,
            "<p class=\"note\">… and {more} more (all of them are in the run's store).</p>"
        );
    }
    out.push_str("</section>\n");
}

/// The whole page. `charts` maps (dataset, perturbation) to the inline SVG of its ROC chart.
pub fn render(
    run: &RunInfo,
    report: &Report,
    boards: &[Board],
    charts: &BTreeMap<(String, String), String>,
    robustness_section: Option<&RobustnessSection>,
) -> String {
    let title = if run.name.is_empty() {
        &run.run_id
    } else {
        &run.name
    };
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>dfbench report: {}</title>", esc(title));
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(out, "<h1>dfbench report: {}</h1>", esc(title));
    let _ = writeln!(
        out,
        "<p class=\"note\">AUC, AP and EER follow DeepfakeBench (scikit-learn definitions); ACC \
         counts score &gt; 0.5 as fake. Brackets are {:.0}% stratified bootstrap intervals \
         ({} resamples, seed {}). <em>n/a</em> marks a metric that is undefined for that \
         slice, with the reason.</p>",
        report.options.bootstrap.confidence * 100.0,
        report.options.bootstrap.resamples,
        report.options.bootstrap.seed
    );
    if boards.iter().any(|b| b.has_clips) {
        let _ = writeln!(
            out,
            "<p class=\"note\">Clip detectors are scored per clip (unit <em>clip</em>); {}.</p>",
            esc(report.options.video_aggregation.describe())
        );
    }
    sections::leaderboards(&mut out, &report.leaderboards);
    sections::heatmap(&mut out, &report.leaderboards);
    if let Some(section) = robustness_section {
        robustness(&mut out, section);
    }
    if boards.is_empty() {
        out.push_str("<section><h2>Results</h2><p class=\"note\">No predictions.</p></section>\n");
    }
    for (i, b) in boards.iter().enumerate() {
        let key = (b.dataset.clone(), b.perturbation.clone());
        sections::board(&mut out, i, b, charts.get(&key));
    }
    if let Some(check) = &report.references {
        crate::references::render::html(&mut out, check);
    }
    failures(&mut out, &report.failures);
    provenance(&mut out, run);
    let _ = writeln!(
        out,
        "<footer><p class=\"note\">dfbench {}; run {}</p></footer>\n</body>\n</html>",
        esc(&run.dfbench_version),
        esc(&run.run_id)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_capped_and_escaped() {
        let list: Vec<FailureRecord> = (0..205)
            .map(|i| FailureRecord {
                detector: "d<1>".into(),
                dataset: "ds".into(),
                perturbation: "none".into(),
                rel_path: format!("img/{i:03}.png"),
                kind: "timeout".into(),
                message: "took \"too\" long".into(),
            })
            .collect();
        let mut html = String::new();
        failures(&mut html, &list);
        assert!(html.contains("<h2>Failures (205)</h2>"));
        assert!(html.contains("<td>timeout</td><td class=\"num\">205</td>"));
        assert!(html.contains("img/199.png") && !html.contains("img/200.png"));
        assert!(html.contains("… and 5 more"));
        assert!(html.contains("d&lt;1&gt;") && html.contains("took &quot;too&quot; long"));
        assert!(!html.contains("d<1>"));
    }
}
