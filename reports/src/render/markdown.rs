//! `leaderboard.md`, ready to paste into a paper or a PR: run header, the overall leaderboard
//! (mean AUC over datasets with its 95% interval, per level), the robustness table when the run
//! has perturbations, then per dataset × perturbation a ranked table, a per-subset and a
//! per-method AUC table. Undefined metrics read `n/a (reason)`.

use std::fmt::Write;

use crate::model::{CarriedOver, RunInfo};
use crate::render::{Board, escape_md, with_interval};
use crate::report::Leaderboard;
use crate::robustness::render::{RobustnessSection, markdown as robustness};

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
    for dataset in &run.datasets {
        let _ = writeln!(
            out,
            "- Dataset {}: {} samples, fingerprint {}, decoded with {}",
            escape_md(&dataset.name),
            dataset.samples,
            escape_md(&dataset.fingerprint),
            escape_md(&dataset.decoding())
        );
    }
    for set in &run.absent {
        let _ = writeln!(
            out,
            "- Absent dataset (not scored): {} ({})",
            escape_md(&set.dataset),
            escape_md(&set.reason)
        );
    }
    if let Some(line) = CarriedOver::describe(&run.carried_over) {
        let _ = writeln!(out, "- Reuse: {}", escape_md(&line));
    }
    let _ = writeln!(
        out,
        "- Metrics: AUC/AP/EER as DeepfakeBench (scikit-learn), ACC at score > 0.5; brackets are \
         95% stratified bootstrap intervals; failed predictions are excluded and counted in \
         `failed`.\n"
    );
}

fn overall(out: &mut String, b: &Leaderboard) {
    let _ = writeln!(
        out,
        "## Leaderboard: {} level (perturbation: {})\n",
        escape_md(&b.level),
        escape_md(&b.perturbation)
    );
    let head = [
        "Rank",
        "Detector",
        "Mean AUC [95% CI]",
        "Mean AP",
        "Mean EER",
        "Datasets",
    ];
    table_row(out, &head.map(str::to_string));
    table_row(
        out,
        &["---:", "---", "---:", "---:", "---:", "---:"].map(str::to_string),
    );
    for e in &b.entries {
        table_row(
            out,
            &[
                e.rank.to_string(),
                escape_md(&e.detector),
                with_interval(&e.mean_auc, e.auc_interval),
                e.mean_ap.to_string(),
                e.mean_eer.to_string(),
                e.datasets.to_string(),
            ],
        );
    }
    out.push('\n');
}

fn breakdown(out: &mut String, title: &str, b: &Board, columns: &[String], by_subset: bool) {
    if columns.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "### {title}: {} (perturbation: {})\n",
        escape_md(&b.dataset),
        escape_md(&b.perturbation)
    );
    let mut head = vec!["Detector".to_string()];
    head.extend(columns.iter().map(|s| escape_md(s)));
    table_row(out, &head);
    let mut align = vec!["---".to_string()];
    align.extend(columns.iter().map(|_| "---:".to_string()));
    table_row(out, &align);
    for e in &b.entries {
        let values = if by_subset {
            &e.subset_auc
        } else {
            &e.method_auc
        };
        let mut cells = vec![escape_md(&e.detector)];
        cells.extend(columns.iter().map(|s| match values.get(s) {
            Some(v) => v.to_string(),
            None => "–".to_string(),
        }));
        table_row(out, &cells);
    }
    out.push('\n');
}

fn board(out: &mut String, b: &Board) {
    let _ = writeln!(
        out,
        "## {} (perturbation: {})\n",
        escape_md(&b.dataset),
        escape_md(&b.perturbation)
    );
    let mut head = vec![
        "Rank",
        "Detector",
        "AUC [95% CI]",
        "AP",
        "EER",
        "ACC",
        "Real acc",
        "Fake acc",
        "TPR@FPR 1%",
        "TPR@FPR 5%",
    ];
    if b.has_clips {
        head.insert(2, "Unit");
    }
    if b.has_video {
        head.push("Video AUC");
    }
    head.extend(["n_real", "n_fake", "failed"]);
    table_row(out, &head.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    let align: Vec<String> = head
        .iter()
        .map(|h| if *h == "Detector" { "---" } else { "---:" }.to_string())
        .collect();
    table_row(out, &align);
    for (i, e) in b.entries.iter().enumerate() {
        let mut cells = vec![(i + 1).to_string(), escape_md(&e.detector)];
        if b.has_clips {
            cells.push(e.unit.to_string());
        }
        cells.push(with_interval(&e.auc, e.auc_interval));
        for v in [
            &e.ap,
            &e.eer,
            &e.acc,
            &e.real_acc,
            &e.fake_acc,
            &e.tpr_at_fpr_1,
            &e.tpr_at_fpr_5,
        ] {
            cells.push(v.to_string());
        }
        if b.has_video {
            cells.push(
                e.video_auc
                    .as_ref()
                    .map_or("–".to_string(), |v| v.to_string()),
            );
        }
        cells.extend([
            e.n_real.to_string(),
            e.n_fake.to_string(),
            e.failed.to_string(),
        ]);
        table_row(out, &cells);
    }
    out.push('\n');
    breakdown(out, "AUC per subset", b, &b.subsets, true);
    breakdown(
        out,
        "AUC per method and category means",
        b,
        &b.methods,
        false,
    );
}

/// The whole leaderboard document; the robustness section only when the run has
/// perturbations.
/// `clip_note` states how clip scores make video scores, when the run has a clip detector.
pub fn render(
    run: &RunInfo,
    leaderboards: &[Leaderboard],
    boards: &[Board],
    robustness_section: Option<&RobustnessSection>,
    clip_note: Option<&str>,
) -> String {
    let mut out = String::new();
    header(&mut out, run);
    if let Some(note) = clip_note {
        let _ = writeln!(
            out,
            "Clip detectors are scored per clip (`Unit` clip); {}.\n",
            escape_md(note)
        );
    }
    for b in leaderboards {
        overall(&mut out, b);
    }
    if let Some(section) = robustness_section {
        robustness(&mut out, section);
    }
    if boards.is_empty() {
        out.push_str("_No predictions._\n");
    }
    for b in boards {
        board(&mut out, b);
    }
    out
}
