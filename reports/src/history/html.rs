//! `index.html` of a history: one self-contained page (inline CSS and SVG, no scripts, no
//! links) with the runs, then per dataset its trend chart and a table of AUCs and failure rates
//! (runs × detectors).

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{History, Trend};
use crate::render::escape_html as esc;

const STYLE: &str = "\
body{font-family:system-ui,'DejaVu Sans',sans-serif;margin:2rem auto;max-width:1100px;\
padding:0 1rem;color:#1d1d1f}table{border-collapse:collapse;font-size:.9rem;margin:.8rem 0}\
th,td{border:1px solid #d8d8d8;padding:.25rem .5rem;text-align:left}th{background:#f3f4f6}\
td.num{text-align:right;font-variant-numeric:tabular-nums}td.na{color:#888;text-align:right}\
.chart svg{max-width:100%;height:auto;border:1px solid #eee}code{font-size:.85rem}\
p.warn{background:#fff4d6;border-left:4px solid #e0a800;padding:.4rem .6rem}";

fn runs_table(out: &mut String, history: &History) {
    out.push_str("<h2>Runs</h2><table><tr><th>#</th><th>Run</th><th>Created</th>");
    out.push_str("<th>dfbench</th><th>Datasets (fingerprint)</th></tr>\n");
    for (index, run) in history.runs.iter().enumerate() {
        let datasets: Vec<String> = run
            .datasets
            .iter()
            .map(|d| format!("{} ({})", esc(&d.name), esc(&d.fingerprint)))
            .collect();
        let _ = writeln!(
            out,
            "<tr><td class=\"num\">#{}</td><td><code>{}</code></td><td>{}</td><td>{}</td>\
             <td>{}</td></tr>",
            index + 1,
            esc(&run.run_id),
            esc(&run.created_at),
            esc(&run.dfbench_version),
            datasets.join(", ")
        );
    }
    out.push_str("</table>\n");
}

/// "dataset version changed at run #3 (fp-a → fp-b)" lines for `dataset`.
fn version_changes(history: &History, dataset: &str) -> Vec<String> {
    let mut changes = Vec::new();
    let mut previous: Option<&str> = None;
    for (index, run) in history.runs.iter().enumerate() {
        let Some(info) = run.datasets.iter().find(|d| d.name == dataset) else {
            continue;
        };
        if let Some(before) = previous.filter(|before| *before != info.fingerprint) {
            changes.push(format!(
                "dataset version changed at run #{} ({before} → {}): AUCs before and after \
                 are not on the same samples",
                index + 1,
                info.fingerprint
            ));
        }
        previous = Some(&info.fingerprint);
    }
    changes
}

fn trend_table(out: &mut String, history: &History, trend: &Trend) {
    out.push_str("<table><tr><th>#</th><th>Run</th>");
    for series in &trend.series {
        let _ = write!(out, "<th>{}</th>", esc(&series.label()));
    }
    out.push_str("</tr>\n");
    for (index, run) in history.runs.iter().enumerate() {
        let _ = write!(
            out,
            "<tr><td class=\"num\">#{}</td><td><code>{}</code></td>",
            index + 1,
            esc(&run.run_id)
        );
        for series in &trend.series {
            let failures = match series.failure_rates.get(index).copied().flatten() {
                Some(rate) => format!("{rate:.1}% failed"),
                None => "failures n/a".to_string(),
            };
            match series.points.get(index).copied().flatten() {
                Some(auc) => {
                    let _ = write!(
                        out,
                        "<td class=\"num\">{auc:.4}<br><small>{failures}</small></td>"
                    );
                }
                None => {
                    let _ = write!(
                        out,
                        "<td class=\"na\">n/a<br><small>{failures}</small></td>"
                    );
                }
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

/// The page; `svgs` holds the inline chart per (dataset, perturbation) of charted trends.
pub fn render(history: &History, svgs: &BTreeMap<(String, String), String>) -> String {
    let mut out = String::new();
    let title = format!("dfbench history: {}", history.name);
    let _ = writeln!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>{STYLE}</style></head><body><h1>{}</h1>\
         <p>AUC on all samples of each dataset, on each detector's own unit (frames for image \
         detectors, clips for clip detectors, marked <i>(clips)</i>), and the share of failed \
         predictions (left out of the AUC), {} done run(s), oldest first.</p>",
        esc(&title),
        esc(&title),
        history.runs.len()
    );
    runs_table(&mut out, history);
    for trend in &history.trends {
        let _ = writeln!(
            out,
            "<h2>{} <small>(perturbation: {})</small></h2>",
            esc(&trend.dataset),
            esc(&trend.perturbation)
        );
        for change in version_changes(history, &trend.dataset) {
            let _ = writeln!(out, "<p class=\"warn\">{}</p>", esc(&change));
        }
        let key = (trend.dataset.clone(), trend.perturbation.clone());
        if let Some(svg) = svgs.get(&key) {
            let _ = writeln!(out, "<div class=\"chart\">{svg}</div>");
        }
        trend_table(&mut out, history, trend);
    }
    out.push_str("</body></html>\n");
    out
}
