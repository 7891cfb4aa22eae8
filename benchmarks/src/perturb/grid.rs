//! Suite entries of `perturbations = [...]` and their expansion into canonical ids.
//!
//! An entry is one of:
//! - a perturbation id (`none`, `jpeg:q=75`, `jpeg:q=75+rescale:0.5`, see the parent module);
//! - a grid over one family, levels separated by commas: `jpeg:q=95,75,50,30`,
//!   `blur:sigma=1,2,3`, `rescale:0.5,0.25`; one canonical id per level, in the order given;
//! - a preset, `preset:NAME` or plain `NAME`: `univfd` (none, JPEG q 100, 90, …, 30, blur
//!   σ 1–4: UnivFD's `validate.py` grids, σ 0 being `none`) or `aigcdb` (none, JPEG q 95,
//!   blur σ 1, `rescale-down:0.5`: AIGCDetectBenchmark's `--noise_type` defaults, whose resize
//!   halves each side and leaves the rest to the model's preprocessing).
//!
//! Grids never appear inside chains. Expanding a list drops repeated ids (e.g. `none` written
//! next to a preset that includes it), keeping the first.

use super::{PerturbError, SYNTAX, parse};

/// Presets by name with their entries.
pub const PRESETS: &[(&str, &[&str])] = &[
    (
        "univfd",
        &[
            "none",
            "jpeg:q=100,90,80,70,60,50,40,30",
            "blur:sigma=1,2,3,4",
        ],
    ),
    (
        "aigcdb",
        &["none", "jpeg:q=95", "blur:sigma=1", "rescale-down:0.5"],
    ),
];

/// The canonical ids one suite entry stands for.
pub fn expand_entry(entry: &str) -> Result<Vec<String>, PerturbError> {
    let trimmed = entry.trim();
    let preset_name = trimmed.strip_prefix("preset:").unwrap_or(trimmed);
    if let Some((_, entries)) = PRESETS.iter().find(|(name, _)| *name == preset_name) {
        return expand_all(entries.iter().copied());
    }
    if trimmed.starts_with("preset:") {
        let known: Vec<&str> = PRESETS.iter().map(|(name, _)| *name).collect();
        return Err(PerturbError::Syntax {
            id: entry.to_string(),
            problem: format!("unknown preset, use one of {}", known.join(", ")),
        });
    }
    if !trimmed.contains(',') {
        return Ok(vec![parse(trimmed)?.id()]);
    }
    if trimmed.contains('+') {
        return Err(PerturbError::Syntax {
            id: entry.to_string(),
            problem: "a chain cannot hold a grid of levels; write one entry per chain".to_string(),
        });
    }
    // `family:name=a,b,c` or `family:a,b,c`: the prefix up to the last '=' (or ':') is shared.
    let split_at = trimmed.rfind('=').or_else(|| trimmed.find(':'));
    let Some(split_at) = split_at else {
        return Err(PerturbError::Syntax {
            id: entry.to_string(),
            problem: format!("a grid is written `family:param=a,b,c`; accepted steps: {SYNTAX}"),
        });
    };
    let (prefix, levels) = trimmed.split_at(split_at + 1);
    levels
        .split(',')
        .map(|level| parse(&format!("{prefix}{}", level.trim())).map(|p| p.id()))
        .collect()
}

/// The canonical ids of a whole `perturbations` list, without repeats, in order.
pub fn expand_all<'a>(
    entries: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<String>, PerturbError> {
    let mut ids: Vec<String> = Vec::new();
    for entry in entries {
        for id in expand_entry(entry)? {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    Ok(ids)
}
