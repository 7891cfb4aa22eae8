//! The comparison as JSON for machines (`schema: dfbench-compare/1`).

use serde_json::{Value, json};

use super::{CellComparison, Comparison, SideMetrics, Verdict};
use crate::metrics::MetricValue;

pub const SCHEMA: &str = "dfbench-compare/1";

fn metric(value: &MetricValue) -> Value {
    match value {
        MetricValue::Value(v) => json!(v),
        MetricValue::Undefined(reason) => json!({ "undefined": reason }),
    }
}

fn side(metrics: &SideMetrics) -> Value {
    json!({ "auc": metric(&metrics.auc), "ap": metric(&metrics.ap), "eer": metric(&metrics.eer) })
}

fn cell(c: &CellComparison) -> Value {
    let (base_rate, cand_rate) = c.failure_rates();
    json!({
        "detector": c.key.detector,
        "dataset": c.key.dataset,
        "perturbation": c.key.perturbation,
        "level": c.key.level,
        "slice": c.key.slice,
        "verdict": c.verdict.as_str(),
        "reason": c.verdict.reason(),
        "undefined_reason": match &c.verdict {
            Verdict::Undefined(why) => Some(why.to_string()),
            _ => None,
        },
        "n_real": c.n_real,
        "n_fake": c.n_fake,
        "n_pairs": c.n_pairs,
        "failed_baseline": c.failed_baseline,
        "failed_candidate": c.failed_candidate,
        "failure_rate_baseline_pct": base_rate,
        "failure_rate_candidate_pct": cand_rate,
        "scores_identical": c.scores_identical,
        "baseline": side(&c.baseline),
        "candidate": side(&c.candidate),
        "delta_auc": c.delta_auc,
        "delta_auc_interval": c.delta_interval.map(|(low, high)| [low, high]),
        "p_value": c.p_value,
        "p_holm": c.p_adjusted,
    })
}

pub fn render(comparison: &Comparison) -> Result<String, serde_json::Error> {
    let outcome = comparison.outcome();
    let value = json!({
        "schema": SCHEMA,
        "outcome": format!("{outcome:?}"),
        "exit_code": outcome.exit_code(),
        "baseline": comparison.baseline,
        "candidate": comparison.candidate,
        "max_drop": comparison.options.max_drop,
        "alpha": comparison.options.alpha,
        "max_failure_increase_pp": comparison.options.max_failure_increase,
        "holm_family": comparison.options.holm_family.as_str(),
        "allow_partial": comparison.options.allow_partial,
        "allow_undefined": comparison.options.allow_undefined,
        "problems": comparison.problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "unpaired": comparison.unpaired.iter().map(|u| json!({
            "detector": u.detector,
            "dataset": u.dataset,
            "perturbation": u.perturbation,
            "only_baseline": u.only_baseline,
            "only_candidate": u.only_candidate,
        })).collect::<Vec<_>>(),
        "new_cells": comparison.new_cells.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "cells": comparison.cells.iter().map(cell).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&value)
}
