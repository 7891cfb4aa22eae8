//! `leaderboard.md`: run header, then per dataset × perturbation a ranked table and a
//! per-subset AUC table. Undefined metrics read `n/a (reason)`.

use std::fmt::Write;

use crate::model::RunInfo;
use crate::render::{Board, escape_md};

fn table_row(out: &mut String, cells: &[String]) {
    out.push('|');
    for c in cells {
        out.push(' ');
        out.push_str(c);
        out.push_str(" |");
    }
    out.push('\n');
}

fn header(out: &mut String, run: &RunInfo) {
    let title = if run.name.is_empty() {
        &run.run_id
    } else {
        &run.name
    };
    let _ = writeln!(out, "# dfbench leaderboard: {}\n", escape_md(title));
    let _ = writeln!(
        out,
        "- Run: {} (status: {})",
        escape_md(&run.run_id),
        escape_md(&run.status)
    );
    let _ = writeln!(
        out,
        "- Suite: {} (hash {})",
        escape_md(&run.suite_name),
        escape_md(&run.suite_hash)
    );
    let _ = writeln!(
        out,
        "- dfbench version: {}",
        escape_md(&run.dfbench_version)
    );
    let _ = writeln!(out, "- Created: {}", escape_md(&run.created_at));
    let _ = writeln!(
        out,
        "- Metrics: frame level; AUC/AP/EER as DeepfakeBench (scikit-learn), ACC at score > 0.5; \
         failed predictions are excluded and counted in `failed`.\n"
    );
}

fn board(out: &mut String, b: &Board) {
    let _ = writeln!(
        out,
        "## {} (perturbation: {})\n",
        escape_md(&b.dataset),
        escape_md(&b.perturbation)
    );
    let head = [
        "Rank", "Detector", "AUC", "AP", "EER", "ACC", "n_real", "n_fake", "failed",
    ];
    table_row(out, &head.map(str::to_string));
    let align = [
        "---:", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:",
    ];
    table_row(out, &align.map(str::to_string));
    for (i, e) in b.entries.iter().enumerate() {
        table_row(
            out,
            &[
                (i + 1).to_string(),
                escape_md(&e.detector),
                e.auc.to_string(),
                e.ap.to_string(),
                e.eer.to_string(),
                e.acc.to_string(),
                e.n_real.to_string(),
                e.n_fake.to_string(),
                e.failed.to_string(),
            ],
        );
    }
    out.push('\n');
    if b.subsets.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "### AUC per subset: {} (perturbation: {})\n",
        escape_md(&b.dataset),
        escape_md(&b.perturbation)
    );
    let mut head = vec!["Detector".to_string()];
    head.extend(b.subsets.iter().map(|s| escape_md(s)));
    table_row(out, &head);
    let mut align = vec!["---".to_string()];
    align.extend(b.subsets.iter().map(|_| "---:".to_string()));
    table_row(out, &align);
    for e in &b.entries {
        let mut cells = vec![escape_md(&e.detector)];
        cells.extend(b.subsets.iter().map(|s| match e.subset_auc.get(s) {
            Some(v) => v.to_string(),
            None => "–".to_string(),
        }));
        table_row(out, &cells);
    }
    out.push('\n');
}

/// The whole leaderboard document.
pub fn render(run: &RunInfo, boards: &[Board]) -> String {
    let mut out = String::new();
    header(&mut out, run);
    if boards.is_empty() {
        out.push_str("_No predictions._\n");
    }
    for b in boards {
        board(&mut out, b);
    }
    out
}
