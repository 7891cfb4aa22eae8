//! Reading a suite past the problems serde stops at (issue 20): an unknown field and a bad
//! `frames` value each stop deserialization at the first one and would hide every other problem
//! of the suite. Here the suite text is read as a TOML table; unknown fields become problems
//! naming their table and the accepted names and are dropped; bad `frames` values become
//! problems naming the dataset and are replaced by `"all"` (so no second, misleading "`frames`
//! is required" follows); the rest is then deserialized and validated as usual.

use super::datasets::frames_problem;
use super::{Suite, SuiteError};

/// Fields of a suite's top level (the fields of [`Suite`]).
pub(super) const SUITE_FIELDS: &[&str] = &[
    "name",
    "description",
    "shard_size",
    "perturbations",
    "roots",
    "datasets",
    "detectors",
    "reference",
];

/// Fields of a `[[datasets]]` entry (the fields of [`super::DatasetSpec`]).
pub(super) const DATASET_FIELDS: &[&str] = &[
    "name",
    "format",
    "root",
    "sets",
    "absent",
    "split",
    "compression",
    "frames",
    "legacy_video_key",
    "label_map",
    "json_dir",
    "manifest",
    "tree",
    "domain",
    "exif_orientation",
    "max_pixels",
    "follow_symlinks",
];

/// Fields of a `[[detectors]]` entry (the fields of [`super::DetectorSpec`]).
pub(super) const DETECTOR_FIELDS: &[&str] =
    &["name", "kind", "builtin", "card", "recipe", "out", "faces"];

/// Fields of a `[[reference]]` entry (the fields of [`super::ReferenceSpec`]).
pub(super) const REFERENCE_FIELDS: &[&str] = &[
    "detector",
    "dataset",
    "level",
    "auc",
    "ap",
    "eer",
    "acc",
    "source",
    "kind",
    "tolerance",
];

/// The suite in `text` and every problem found on the way (not yet [`Suite::problems`]), after
/// `strict` (the error of a strict parse) failed. `Err` when no suite can be built even
/// without the unknown fields and bad `frames` values.
pub(super) fn read(
    text: &str,
    origin: &str,
    strict: &toml::de::Error,
) -> Result<(Suite, Vec<String>), SuiteError> {
    let parse_error = || SuiteError::Parse {
        origin: origin.to_string(),
        message: strict.to_string().trim().to_string(),
    };
    let Ok(mut table) = text.parse::<toml::Table>() else {
        return Err(parse_error());
    };
    let problems = strip(&mut table);
    match toml::Value::Table(table).try_into::<Suite>() {
        Ok(suite) => Ok((suite, problems)),
        Err(_) if problems.is_empty() => Err(parse_error()),
        Err(error) => {
            let mut problems = problems;
            problems.push(format!(
                "not valid for a suite: {}",
                error.to_string().trim()
            ));
            Err(SuiteError::Invalid {
                origin: origin.to_string(),
                problems,
            })
        }
    }
}

/// Removes unknown fields and replaces bad `frames` values in `table`, returning a problem for
/// each.
fn strip(table: &mut toml::Table) -> Vec<String> {
    let mut problems = Vec::new();
    drop_unknown(
        table,
        SUITE_FIELDS,
        "at the top level of the suite",
        &mut problems,
    );
    if let Some(toml::Value::Array(entries)) = table.get_mut("datasets") {
        for (position, entry) in entries.iter_mut().enumerate() {
            let Some(entry) = entry.as_table_mut() else {
                continue;
            };
            let name = entry_name(entry, position);
            drop_unknown(
                entry,
                DATASET_FIELDS,
                &format!("in [[datasets]] entry {name}"),
                &mut problems,
            );
            if let Some(problem) = entry.get("frames").and_then(frames_problem) {
                problems.push(format!("dataset {name}, field `frames`: {problem}"));
                entry.insert("frames".to_string(), toml::Value::from("all"));
            }
        }
    }
    for (key, accepted) in [
        ("detectors", DETECTOR_FIELDS),
        ("reference", REFERENCE_FIELDS),
    ] {
        let Some(toml::Value::Array(entries)) = table.get_mut(key) else {
            continue;
        };
        for (position, entry) in entries.iter_mut().enumerate() {
            let Some(entry) = entry.as_table_mut() else {
                continue;
            };
            let name = if key == "reference" {
                reference_name(entry, position)
            } else {
                entry_name(entry, position)
            };
            drop_unknown(
                entry,
                accepted,
                &format!("in [[{key}]] entry {name}"),
                &mut problems,
            );
        }
    }
    problems
}

/// How an entry is named in a problem: by its `name`, else by its position (from 1).
fn entry_name(entry: &toml::Table, position: usize) -> String {
    match entry.get("name").and_then(toml::Value::as_str) {
        Some(name) => format!("`{name}`"),
        None => format!("number {}", position + 1),
    }
}

/// How a `[[reference]]` entry is named in a problem: position and detector × dataset.
fn reference_name(entry: &toml::Table, position: usize) -> String {
    let field = |key: &str| entry.get(key).and_then(toml::Value::as_str).unwrap_or("?");
    format!(
        "number {} (detector `{}`, dataset `{}`)",
        position + 1,
        field("detector"),
        field("dataset")
    )
}

/// Removes the fields of `table` not in `accepted`, with a problem for each naming `place`, the
/// closest accepted name and all of them (suites and detector cards).
pub(crate) fn drop_unknown(
    table: &mut toml::Table,
    accepted: &[&str],
    place: &str,
    problems: &mut Vec<String>,
) {
    let unknown: Vec<String> = table
        .keys()
        .filter(|key| !accepted.contains(&key.as_str()))
        .cloned()
        .collect();
    for key in unknown {
        table.remove(&key);
        let hint = closest(&key, accepted)
            .map(|near| format!("did you mean `{near}`? "))
            .unwrap_or_default();
        problems.push(format!(
            "unknown field `{key}` {place}: {hint}accepted fields: {}",
            accepted.join(", ")
        ));
    }
}

/// The accepted name within two edits of `key`, if any (the closest one).
fn closest<'a>(key: &str, accepted: &[&'a str]) -> Option<&'a str> {
    accepted
        .iter()
        .map(|name| (edit_distance(key, name), *name))
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitute.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}
