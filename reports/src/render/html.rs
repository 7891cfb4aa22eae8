//! `index.html`: one self-contained page (inline CSS, inline SVG charts, no scripts, no links,
//! no web fonts). Every string from the input is HTML-escaped.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::metrics::MetricValue;
use crate::model::RunInfo;
use crate::render::{Board, escape_html as esc};
use crate::report::FailureRecord;

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
p.note{color:#555;font-size:.9rem}";

fn metric_cell(v: &MetricValue) -> String {
    match v {
        MetricValue::Value(_) => format!("<td class=\"num\">{v}</td>"),
        MetricValue::Undefined(_) => format!("<td class=\"na\">{}</td>", esc(&v.to_string())),
    }
}

fn provenance(out: &mut String, run: &RunInfo) {
    out.push_str("<section><h2>Provenance</h2><table>\n");
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
    out.push_str("</table>\n<h3>Datasets</h3><table>\n");
    out.push_str("<tr><th>Dataset</th><th>Samples</th><th>Fingerprint</th></tr>\n");
    for d in &run.datasets {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td><code>{}</code></td></tr>",
            esc(&d.name),
            d.samples,
            esc(&d.fingerprint)
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
    out.push_str("</table></section>\n");
}

fn board(out: &mut String, b: &Board, svg: Option<&String>) {
    let _ = writeln!(
        out,
        "<section><h2>{} <small>(perturbation: {})</small></h2>",
        esc(&b.dataset),
        esc(&b.perturbation)
    );
    out.push_str("<table>\n<tr><th>Rank</th><th>Detector</th><th>AUC</th><th>AP</th>");
    out.push_str("<th>EER</th><th>ACC</th><th>n_real</th><th>n_fake</th><th>failed</th></tr>\n");
    for (i, e) in b.entries.iter().enumerate() {
        let _ = writeln!(
            out,
            "<tr><td class=\"num\">{}</td><td>{}</td>{}{}{}{}<td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            i + 1,
            esc(&e.detector),
            metric_cell(&e.auc),
            metric_cell(&e.ap),
            metric_cell(&e.eer),
            metric_cell(&e.acc),
            e.n_real,
            e.n_fake,
            e.failed
        );
    }
    out.push_str("</table>\n");
    if !b.subsets.is_empty() {
        out.push_str("<h3>AUC per subset</h3><table>\n<tr><th>Detector</th>");
        for s in &b.subsets {
            let _ = write!(out, "<th>{}</th>", esc(s));
        }
        out.push_str("</tr>\n");
        for e in &b.entries {
            let _ = write!(out, "<tr><td>{}</td>", esc(&e.detector));
            for s in &b.subsets {
                match e.subset_auc.get(s) {
                    Some(v) => out.push_str(&metric_cell(v)),
                    None => out.push_str("<td class=\"na\">–</td>"),
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n");
    }
    if let Some(svg) = svg {
        // Plotters escapes the text it writes into the SVG.
        out.push_str("<h3>ROC curve (slice: all)</h3>\n<div class=\"chart\">\n");
        out.push_str(svg.trim());
        out.push_str("\n</div>\n");
    }
    out.push_str("</section>\n");
}

fn failures(out: &mut String, failures: &[FailureRecord]) {
    let _ = writeln!(out, "<section><h2>Failures ({})</h2>", failures.len());
    if failures.is_empty() {
        out.push_str("<p class=\"note\">No failed predictions.</p></section>\n");
        return;
    }
    out.push_str("<p class=\"note\">Failed predictions are excluded from all metrics.</p>\n");
    out.push_str("<table>\n<tr><th>Detector</th><th>Dataset</th><th>Sample path</th>");
    out.push_str("<th>Kind</th><th>Message</th></tr>\n");
    for f in failures.iter().take(MAX_FAILURE_ROWS) {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(&f.detector),
            esc(&f.dataset),
            esc(&f.rel_path),
            esc(&f.kind),
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
    boards: &[Board],
    failure_list: &[FailureRecord],
    charts: &BTreeMap<(String, String), String>,
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
    out.push_str(
        "<p class=\"note\">Frame-level metrics. AUC, AP and EER follow DeepfakeBench \
         (scikit-learn definitions); ACC counts score &gt; 0.5 as fake. \
         <em>n/a</em> marks a metric that is undefined for that slice, with the reason.</p>\n",
    );
    provenance(&mut out, run);
    if boards.is_empty() {
        out.push_str("<section><h2>Results</h2><p class=\"note\">No predictions.</p></section>\n");
    }
    for b in boards {
        let key = (b.dataset.clone(), b.perturbation.clone());
        board(&mut out, b, charts.get(&key));
    }
    failures(&mut out, failure_list);
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
        let html = render(&RunInfo::default(), &[], &list, &BTreeMap::new());
        assert!(html.contains("<h2>Failures (205)</h2>"));
        assert!(html.contains("img/199.png") && !html.contains("img/200.png"));
        assert!(html.contains("… and 5 more"));
        assert!(html.contains("d&lt;1&gt;") && html.contains("took &quot;too&quot; long"));
        assert!(!html.contains("d<1>"));
    }
}
