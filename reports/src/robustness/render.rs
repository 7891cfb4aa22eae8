//! The robustness section of `index.html` and `leaderboard.md`: the table (clean AUC, mean AUC
//! per family, worst case) and the curves (inline SVG in HTML, file names in both).

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::render::{escape_html as esc, escape_md};
use crate::robustness::{Robustness, RobustnessRow};

/// One written curve: the file stem (`<stem>.svg` / `<stem>.png` beside the page) and the SVG.
#[derive(Debug, Clone, PartialEq)]
pub struct CurveFile {
    pub stem: String,
    pub svg: String,
}

/// The robustness view plus its written curves, keyed by (dataset, family).
#[derive(Debug, Clone, PartialEq)]
pub struct RobustnessSection {
    pub view: Robustness,
    pub files: BTreeMap<(String, String), CurveFile>,
}

const NOTE: &str = "Frame level, slice all, AUC averaged over datasets. A family's column is the \
                    mean over its levels (each level weighs the same); the worst case is the \
                    perturbation with the lowest mean AUC.";

/// Table cells of one detector: clean, one per family, worst case (`–` where undefined).
fn cells(row: &RobustnessRow, families: &[String]) -> Vec<String> {
    let number = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.4}"));
    let mut out = vec![number(row.clean)];
    out.extend(
        families
            .iter()
            .map(|f| number(row.family_mean.get(f).copied())),
    );
    out.push(match &row.worst {
        Some((v, id)) => format!("{v:.4} ({id})"),
        None => "–".to_string(),
    });
    out
}

fn header(families: &[String]) -> Vec<String> {
    let mut out = vec!["Detector".to_string(), "Clean AUC".to_string()];
    out.extend(families.iter().map(|f| format!("{f} (mean)")));
    out.push("Worst case".to_string());
    out
}

/// `<section id="robustness">` with the table and every curve.
pub fn html(out: &mut String, section: &RobustnessSection) {
    let view = &section.view;
    out.push_str("<section id=\"robustness\"><h2>Robustness</h2>\n");
    let _ = writeln!(out, "<p class=\"note\">{}</p>", esc(NOTE));
    out.push_str("<table id=\"robustness-table\">\n<tr>");
    for h in header(&view.families) {
        let _ = write!(out, "<th>{}</th>", esc(&h));
    }
    out.push_str("</tr>\n");
    for row in &view.rows {
        let _ = write!(out, "<tr><td>{}</td>", esc(&row.detector));
        for c in cells(row, &view.families) {
            let class = if c == "–" { "na" } else { "num" };
            let _ = write!(out, "<td class=\"{class}\">{}</td>", esc(&c));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    for (i, curve) in view.curves.iter().enumerate() {
        let key = (curve.dataset.clone(), curve.family.clone());
        let Some(file) = section.files.get(&key) else {
            continue;
        };
        let _ = writeln!(
            out,
            "<h3>{}: AUC under {}</h3>\n<div class=\"chart\" id=\"robustness-{i}\">",
            esc(&curve.dataset),
            esc(&curve.family)
        );
        out.push_str(file.svg.trim()); // plotters escapes the text it writes
        let _ = writeln!(
            out,
            "\n</div>\n<p class=\"note\">Files: <code>{0}.svg</code>, <code>{0}.png</code></p>",
            esc(&file.stem)
        );
    }
    out.push_str("</section>\n");
}

fn md_row(out: &mut String, cells: &[String]) {
    let _ = writeln!(out, "| {} |", cells.join(" | "));
}

/// `## Robustness` with the table and the curve file names.
pub fn markdown(out: &mut String, section: &RobustnessSection) {
    let view = &section.view;
    let _ = writeln!(out, "## Robustness\n\n{NOTE}\n");
    let head = header(&view.families);
    md_row(out, &head.iter().map(|h| escape_md(h)).collect::<Vec<_>>());
    let align: Vec<String> = (0..head.len())
        .map(|i| if i == 0 { "---" } else { "---:" }.to_string())
        .collect();
    md_row(out, &align);
    for row in &view.rows {
        let mut line = vec![escape_md(&row.detector)];
        line.extend(cells(row, &view.families).iter().map(|c| escape_md(c)));
        md_row(out, &line);
    }
    let stems: Vec<String> = section
        .files
        .values()
        .map(|f| format!("`{}.png`", f.stem))
        .collect();
    if !stems.is_empty() {
        let _ = writeln!(out, "\nCurves (AUC vs level): {}", stems.join(", "));
    }
    out.push('\n');
}
