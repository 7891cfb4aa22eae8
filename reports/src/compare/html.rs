//! The comparison as one self-contained HTML page (inline CSS, no scripts, no links); every
//! string from the input is HTML-escaped.

use std::fmt::Write;

use super::markdown::{key_columns, method_line, stat_columns, verdict_line};
use super::{CellComparison, Comparison, SideMetrics};
use crate::model::RunInfo;
use crate::render::escape_html as esc;
use crate::render::html::metric_cell;

const STYLE: &str = "\
body{font-family:system-ui,'DejaVu Sans',sans-serif;margin:2rem auto;max-width:1200px;\
padding:0 1rem;color:#1d1d1f}table{border-collapse:collapse;font-size:.9rem;margin:.8rem 0}\
th,td{border:1px solid #d8d8d8;padding:.25rem .5rem;text-align:left}th{background:#f3f4f6}\
td.num,td.na{text-align:right;font-variant-numeric:tabular-nums}td.na{color:#888}\
tr.regressed{background:#fde2e1}tr.improved{background:#e3f6e4}p.verdict{font-size:1.2rem;\
font-weight:600}code{font-size:.85rem}";

fn run_rows(out: &mut String, side: &str, run: &RunInfo) {
    let _ = writeln!(
        out,
        "<tr><th>{side}</th><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        esc(&run.run_id),
        esc(&run.name),
        esc(&run.status),
        esc(&run.created_at),
        esc(&run.dfbench_version)
    );
}

fn side_cells(out: &mut String, metrics: &SideMetrics) {
    for value in [&metrics.auc, &metrics.ap, &metrics.eer] {
        out.push_str(&metric_cell(value));
    }
}

fn cell_row(out: &mut String, c: &CellComparison) {
    let _ = write!(
        out,
        "<tr class=\"{}\"><td>{}</td>",
        c.verdict.as_str(),
        esc(&c.verdict.label())
    );
    for text in key_columns(c) {
        let _ = write!(out, "<td>{}</td>", esc(&text));
    }
    side_cells(out, &c.baseline);
    side_cells(out, &c.candidate);
    for text in stat_columns(c) {
        let _ = write!(out, "<td class=\"num\">{}</td>", esc(&text));
    }
    out.push_str("</tr>\n");
}

pub fn render(comparison: &Comparison) -> String {
    let mut out = String::new();
    let title = format!(
        "dfbench compare {} vs {}",
        comparison.baseline.run_id, comparison.candidate.run_id
    );
    let _ = writeln!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>{STYLE}</style></head><body><h1>{}</h1>",
        esc(&title),
        esc(&title)
    );
    let _ = writeln!(
        out,
        "<p class=\"verdict\">{}</p>",
        esc(&verdict_line(comparison))
    );
    out.push_str("<table><tr><th></th><th>Run</th><th>Name</th><th>Status</th><th>Created</th>");
    out.push_str("<th>dfbench</th></tr>\n");
    run_rows(&mut out, "baseline", &comparison.baseline);
    run_rows(&mut out, "candidate", &comparison.candidate);
    out.push_str("</table>\n");
    if !comparison.problems.is_empty() {
        out.push_str("<h2>Not comparable</h2><ul>\n");
        for problem in &comparison.problems {
            let _ = writeln!(out, "<li>{}</li>", esc(&problem.to_string()));
        }
        out.push_str("</ul>\n");
    }
    if !comparison.unpaired.is_empty() {
        out.push_str("<h2>Unpaired samples (left out)</h2><table><tr><th>Detector</th>");
        out.push_str("<th>Dataset</th><th>Perturbation</th><th>Only baseline</th>");
        out.push_str("<th>Only candidate</th></tr>\n");
        for u in &comparison.unpaired {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td></tr>",
                esc(&u.detector),
                esc(&u.dataset),
                esc(&u.perturbation),
                u.only_baseline,
                u.only_candidate
            );
        }
        out.push_str("</table>\n");
    }
    let _ = writeln!(
        out,
        "<h2>Cells</h2><p>{}</p><table><tr><th>Verdict</th><th>Detector</th><th>Dataset</th>\
         <th>Perturbation</th><th>Slice</th><th>AUC base</th><th>AP base</th><th>EER base</th>\
         <th>AUC cand</th><th>AP cand</th><th>EER cand</th><th>ΔAUC [95% CI]</th><th>p</th>\
         <th>p Holm</th><th>Real / fake</th><th>Failed base / cand (rate)</th></tr>",
        esc(&method_line(comparison))
    );
    for cell in &comparison.cells {
        cell_row(&mut out, cell);
    }
    out.push_str("</table></body></html>\n");
    out
}
