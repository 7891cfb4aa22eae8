//! The comparison as Markdown for a CI comment: verdict line first, then why the runs are not
//! comparable (if so), the regressed and improved cells, and every cell inside `<details>`.

use std::fmt::Write;

use super::{CellComparison, CompareOutcome, Comparison, HolmFamily};
use crate::model::RunInfo;
use crate::render::escape_md as esc;

/// Problems listed in the Markdown (a CI comment stays readable); the HTML and JSON list all.
pub const MAX_PROBLEM_LINES: usize = 50;

/// `+0.0123`, or `n/a`.
pub fn fmt_delta(delta: Option<f64>) -> String {
    delta.map_or_else(|| "n/a".to_string(), |d| format!("{d:+.4}"))
}

/// `+0.0123 [+0.0010, +0.0236]`, `+0.0000 [identical scores]`, `-0.5000 [zero variance]`, or
/// `n/a` (the reason is in the verdict).
pub fn fmt_delta_interval(cell: &CellComparison) -> String {
    match (cell.delta_auc, cell.delta_interval) {
        (Some(d), Some(_)) if cell.scores_identical => format!("{d:+.4} [identical scores]"),
        (Some(d), Some((low, high))) if low == high => format!("{d:+.4} [zero variance]"),
        (Some(d), Some((low, high))) => format!("{d:+.4} [{low:+.4}, {high:+.4}]"),
        _ => fmt_delta(cell.delta_auc),
    }
}

/// `0 / 12 (0.0% → 2.7%)`: failed pairs of baseline / candidate and the failure rates.
pub fn fmt_failures(cell: &CellComparison) -> String {
    let (base, cand) = cell.failure_rates();
    format!(
        "{} / {} ({base:.1}% → {cand:.1}%)",
        cell.failed_baseline, cell.failed_candidate
    )
}

/// `0.0123`, `<1e-4`, or `n/a`.
pub fn fmt_p(p: Option<f64>) -> String {
    match p {
        Some(p) if p < 1e-4 => "<1e-4".to_string(),
        Some(p) => format!("{p:.4}"),
        None => "n/a".to_string(),
    }
}

/// `REGRESSION: 1 of 12 cells regressed, 0 improved` and the like.
pub fn verdict_line(comparison: &Comparison) -> String {
    let total = comparison.cells.len();
    let regressed = comparison.regressed().count();
    let improved = comparison.improved().count();
    match comparison.outcome() {
        CompareOutcome::NotComparable => format!(
            "NOT COMPARABLE: {} problem(s), see below",
            comparison.problems.len()
        ),
        CompareOutcome::Regression => {
            format!("REGRESSION: {regressed} of {total} cells regressed, {improved} improved")
        }
        CompareOutcome::NoRegression => {
            format!("NO REGRESSION: 0 of {total} cells regressed, {improved} improved")
        }
    }
}

/// Which cells Holm's correction ran over, in words.
pub fn family_line(comparison: &Comparison) -> String {
    let tested = comparison.cells.iter().filter(|c| c.p_value.is_some());
    let (mut changed, mut identical) = (0, 0);
    for cell in tested {
        if cell.scores_identical {
            identical += 1;
        } else {
            changed += 1;
        }
    }
    match comparison.options.holm_family {
        HolmFamily::All => format!(
            "Holm family `all`: the {} cells with a p-value, {identical} of them with identical \
             scores in both runs (p = 1 by construction; conservative — `--holm-family changed` \
             leaves them out).",
            changed + identical
        ),
        HolmFamily::Changed => format!(
            "Holm family `changed`: the {changed} cells whose scores differ between the runs; \
             {identical} cells with identical scores (p = 1, never a regression) are left out \
             (`--holm-family all` counts them)."
        ),
    }
}

/// The verdict rules with this comparison's tolerances, and how intervals and p are computed.
pub fn method_line(comparison: &Comparison) -> String {
    let options = &comparison.options;
    let undefined = if options.allow_undefined {
        "are listed and left out (--allow-undefined)"
    } else {
        "make the runs not comparable (exit 2) unless --allow-undefined"
    };
    format!(
        "Verdict per cell: regressed / improved when |ΔAUC| > {max_drop} and the Holm-adjusted \
         paired DeLong p < {alpha}. {family} A cell also regresses when the candidate fails on \
         more of its samples than the baseline by over {failures} percentage points \
         (`failures`) or on all of them (`all failed`), whatever its AUC; a paired difference \
         with zero variance (every sample moved the same way) is decided by ΔAUC alone \
         (`deterministic drop` below −{max_drop}). Cells that cannot be tested {undefined}. \
         ΔAUC = candidate − baseline on the samples scored in both runs; interval = 95% normal \
         interval from the DeLong variance of the paired difference.",
        max_drop = options.max_drop,
        alpha = options.alpha,
        family = family_line(comparison),
        failures = options.max_failure_increase,
    )
}

fn run_line(side: &str, run: &RunInfo) -> String {
    format!(
        "- {side}: `{}` ({}, {}, dfbench {})",
        esc(&run.run_id),
        esc(&run.name),
        esc(&run.created_at),
        esc(&run.dfbench_version)
    )
}

/// Detector, dataset, perturbation, slice (with its level when not `frame`) of a cell (raw
/// text, to be escaped).
pub fn key_columns(c: &CellComparison) -> [String; 4] {
    let k = &c.key;
    [
        k.detector.clone(),
        k.dataset.clone(),
        k.perturbation.clone(),
        k.slice_label(),
    ]
}

/// ΔAUC with interval, p, Holm p, `real / fake`, failures (counts and rates) of a cell.
pub fn stat_columns(c: &CellComparison) -> [String; 5] {
    [
        fmt_delta_interval(c),
        fmt_p(c.p_value),
        fmt_p(c.p_adjusted),
        format!("{} / {}", c.n_real, c.n_fake),
        fmt_failures(c),
    ]
}

const HEADER: &str = "| verdict | detector | dataset | perturbation | slice | AUC base | AUC cand \
                      | ΔAUC [95% CI] | p | p Holm | real / fake | failed base / cand |\n\
                      |---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n";

fn table(out: &mut String, cells: &[&CellComparison]) {
    out.push_str(HEADER);
    for c in cells {
        let _ = write!(out, "| {} |", c.verdict.label());
        for text in key_columns(c) {
            let _ = write!(out, " {} |", esc(&text));
        }
        for auc in [&c.baseline.auc, &c.candidate.auc] {
            let _ = write!(out, " {} |", esc(&auc.to_string()));
        }
        // Our own numbers and reasons: nothing to escape (and `<1e-4` must stay readable).
        for text in stat_columns(c) {
            let _ = write!(out, " {text} |");
        }
        out.push('\n');
    }
}

pub fn render(comparison: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "**dfbench compare — {}**\n", verdict_line(comparison));
    let _ = writeln!(out, "{}", run_line("baseline", &comparison.baseline));
    let _ = writeln!(out, "{}\n", run_line("candidate", &comparison.candidate));
    if !comparison.problems.is_empty() {
        out.push_str("Not comparable:\n\n");
        for problem in comparison.problems.iter().take(MAX_PROBLEM_LINES) {
            let _ = writeln!(out, "- {}", esc(&problem.to_string()));
        }
        let hidden = comparison.problems.len().saturating_sub(MAX_PROBLEM_LINES);
        if hidden > 0 {
            let _ = writeln!(
                out,
                "- … and {hidden} more (all in compare.html / compare.json)"
            );
        }
        out.push('\n');
    }
    let changed: Vec<&CellComparison> = comparison
        .regressed()
        .chain(comparison.improved())
        .collect();
    if !changed.is_empty() {
        table(&mut out, &changed);
    }
    for u in &comparison.unpaired {
        let _ = writeln!(
            out,
            "- {} / {} / {}: {} sample(s) only in the baseline, {} only in the candidate \
             (left out)",
            esc(&u.detector),
            esc(&u.dataset),
            esc(&u.perturbation),
            u.only_baseline,
            u.only_candidate
        );
    }
    if !comparison.new_cells.is_empty() {
        let _ = writeln!(
            out,
            "- {} cell(s) only in the candidate (not compared)",
            comparison.new_cells.len()
        );
    }
    let _ = writeln!(out, "\n{}\n", method_line(comparison));
    let all: Vec<&CellComparison> = comparison.cells.iter().collect();
    let _ = writeln!(out, "<details><summary>All {} cells</summary>\n", all.len());
    table(&mut out, &all);
    out.push_str("\n</details>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{CellKey, CompareOptions, NotComparable};

    #[test]
    fn long_problem_lists_are_cut_with_a_count() {
        let missing = (0..MAX_PROBLEM_LINES + 7).map(|i| {
            NotComparable::MissingCell(CellKey {
                detector: format!("d{i}"),
                dataset: "ff".into(),
                perturbation: "none".into(),
                level: "frame".into(),
                slice: "all".into(),
            })
        });
        let comparison = Comparison {
            baseline: RunInfo::default(),
            candidate: RunInfo::default(),
            options: CompareOptions::default(),
            problems: missing.collect(),
            cells: Vec::new(),
            unpaired: Vec::new(),
            new_cells: Vec::new(),
        };
        let text = render(&comparison);
        assert!(text.starts_with("**dfbench compare — NOT COMPARABLE: 57 problem(s)"));
        assert_eq!(
            text.matches("of the baseline is missing").count(),
            MAX_PROBLEM_LINES
        );
        assert!(text.contains("- … and 7 more (all in compare.html / compare.json)"));
    }
}
