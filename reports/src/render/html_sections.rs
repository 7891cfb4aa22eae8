//! Sections of `index.html` built from the leaderboards and the per-dataset boards.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::metrics::MetricValue;
use crate::render::html::metric_cell;
use crate::render::{Board, escape_html as esc};
use crate::report::{BASELINE_PERTURBATION, LEVEL_FRAME, Leaderboard};

/// The leaderboards shown first: the baseline perturbation (or the first one), every level.
fn baseline(boards: &[Leaderboard]) -> Vec<&Leaderboard> {
    let has_none = boards
        .iter()
        .any(|b| b.perturbation == BASELINE_PERTURBATION);
    let first = boards
        .first()
        .map(|b| b.perturbation.as_str())
        .unwrap_or_default();
    let wanted = if has_none {
        BASELINE_PERTURBATION
    } else {
        first
    };
    boards.iter().filter(|b| b.perturbation == wanted).collect()
}

fn value_cell(v: &MetricValue, interval: Option<(f64, f64)>) -> String {
    match (v, interval) {
        (MetricValue::Value(_), Some((lo, hi))) => {
            format!("<td class=\"num\">{v} <small class=\"ci\">[{lo:.4}, {hi:.4}]</small></td>")
        }
        _ => metric_cell(v),
    }
}

/// Ranked mean-AUC tables.
pub fn leaderboards(out: &mut String, boards: &[Leaderboard]) {
    out.push_str("<section id=\"leaderboard\"><h2>Leaderboard</h2>\n");
    let shown = baseline(boards);
    if shown.is_empty() {
        out.push_str("<p class=\"note\">No predictions.</p></section>\n");
        return;
    }
    for b in shown {
        let _ = writeln!(
            out,
            "<h3>{} level (perturbation: {})</h3>\n<p class=\"note\">Mean over datasets of the \
             slice <code>all</code>; interval of the mean AUC from the per-dataset bootstrap.</p>",
            esc(&b.level),
            esc(&b.perturbation)
        );
        let _ = writeln!(
            out,
            "<table class=\"leaderboard\" id=\"leaderboard-{}\">\n<tr><th>Rank</th><th>Detector</th>\
             <th>Mean AUC [95% CI]</th><th>Mean AP</th><th>Mean EER</th><th>Datasets</th></tr>",
            esc(&b.level)
        );
        for e in &b.entries {
            let _ = writeln!(
                out,
                "<tr><td class=\"num\">{}</td><td>{}</td>{}{}{}<td class=\"num\">{}</td></tr>",
                e.rank,
                esc(&e.detector),
                value_cell(&e.mean_auc, e.auc_interval),
                metric_cell(&e.mean_ap),
                metric_cell(&e.mean_eer),
                e.datasets
            );
        }
        out.push_str("</table>\n");
    }
    out.push_str("</section>\n");
}

/// Background colour of a heatmap cell: red at AUC ≤ 0.5 through yellow to green at 1.
fn heat_colour(v: &MetricValue) -> String {
    match v.value() {
        Some(auc) => {
            let hue = ((auc - 0.5) * 2.0).clamp(0.0, 1.0) * 120.0;
            format!("hsl({hue:.0},65%,78%)")
        }
        None => "#eeeeee".to_string(),
    }
}

/// Detector × dataset AUC at frame level, baseline perturbation, coloured cells.
pub fn heatmap(out: &mut String, boards: &[Leaderboard]) {
    let Some(b) = baseline(boards)
        .into_iter()
        .find(|b| b.level == LEVEL_FRAME)
    else {
        return;
    };
    let _ = writeln!(
        out,
        "<section id=\"heatmap\"><h2>Heatmap: AUC, detector × dataset</h2>\n<p class=\"note\">\
         Frame level, perturbation {}, slice <code>all</code>.</p>\n<table class=\"heat\">",
        esc(&b.perturbation)
    );
    out.push_str("<tr><th>Detector</th>");
    for d in &b.datasets {
        let _ = write!(out, "<th>{}</th>", esc(d));
    }
    out.push_str("</tr>\n");
    for e in &b.entries {
        let _ = write!(out, "<tr><td>{}</td>", esc(&e.detector));
        for d in &b.datasets {
            match e.dataset_auc.get(d) {
                Some(v) => {
                    let text = match v {
                        MetricValue::Value(x) => format!("{x:.3}"),
                        MetricValue::Undefined(_) => esc(&v.to_string()),
                    };
                    let _ = write!(
                        out,
                        "<td class=\"num\" style=\"background:{}\">{text}</td>",
                        heat_colour(v)
                    );
                }
                None => out.push_str("<td class=\"na\">–</td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table></section>\n");
}

fn breakdown(
    out: &mut String,
    title: &str,
    id: &str,
    b: &Board,
    columns: &[String],
    pick: fn(&crate::render::BoardEntry) -> &BTreeMap<String, MetricValue>,
) {
    if columns.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<h3>{title}</h3><table id=\"{id}\">\n<tr><th>Detector</th>"
    );
    for c in columns {
        let _ = write!(out, "<th>{}</th>", esc(c));
    }
    out.push_str("</tr>\n");
    for e in &b.entries {
        let _ = write!(out, "<tr><td>{}</td>", esc(&e.detector));
        for c in columns {
            match pick(e).get(c) {
                Some(v) => out.push_str(&metric_cell(v)),
                None => out.push_str("<td class=\"na\">–</td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

/// One dataset × perturbation: ranked table, per-subset and per-method AUC, ROC chart.
pub fn board(out: &mut String, index: usize, b: &Board, svg: Option<&String>) {
    let _ = writeln!(
        out,
        "<section class=\"dataset\"><h2>{} <small>(perturbation: {})</small></h2>",
        esc(&b.dataset),
        esc(&b.perturbation)
    );
    out.push_str("<table>\n<tr><th>Rank</th><th>Detector</th>");
    if b.has_clips {
        out.push_str("<th>Unit</th>");
    }
    out.push_str("<th>AUC [95% CI]</th><th>AP</th>");
    out.push_str("<th>EER</th><th>ACC</th><th>Real acc</th><th>Fake acc</th>");
    out.push_str("<th>TPR@FPR 1%</th><th>TPR@FPR 5%</th>");
    if b.has_video {
        out.push_str("<th>Video AUC</th>");
    }
    out.push_str("<th>n_real</th><th>n_fake</th><th>failed</th></tr>\n");
    for (i, e) in b.entries.iter().enumerate() {
        let _ = write!(
            out,
            "<tr><td class=\"num\">{}</td><td>{}</td>",
            i + 1,
            esc(&e.detector)
        );
        if b.has_clips {
            let _ = write!(out, "<td>{}</td>", e.unit);
        }
        out.push_str(&value_cell(&e.auc, e.auc_interval));
        for v in [
            &e.ap,
            &e.eer,
            &e.acc,
            &e.real_acc,
            &e.fake_acc,
            &e.tpr_at_fpr_1,
            &e.tpr_at_fpr_5,
        ] {
            out.push_str(&metric_cell(v));
        }
        if b.has_video {
            match &e.video_auc {
                Some(v) => out.push_str(&metric_cell(v)),
                None => out.push_str("<td class=\"na\">–</td>"),
            }
        }
        let _ = writeln!(
            out,
            "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            e.n_real, e.n_fake, e.failed
        );
    }
    out.push_str("</table>\n");
    breakdown(
        out,
        "AUC per subset",
        &format!("subsets-{index}"),
        b,
        &b.subsets,
        |e| &e.subset_auc,
    );
    let title = "AUC per method (fakes of one method vs all reals) and category means";
    breakdown(
        out,
        title,
        &format!("methods-{index}"),
        b,
        &b.methods,
        |e| &e.method_auc,
    );
    if let Some(svg) = svg {
        // Plotters escapes the text it writes into the SVG.
        let _ = writeln!(
            out,
            "<h3>ROC curve (slice: all)</h3>\n<div class=\"chart\" id=\"roc-{index}\">"
        );
        out.push_str(svg.trim());
        out.push_str("\n</div>\n");
    }
    out.push_str("</section>\n");
}
