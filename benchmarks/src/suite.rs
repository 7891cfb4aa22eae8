//! Suites: a TOML file naming datasets × detectors × perturbations and how to cut shards.
//!
//! Parsing rejects unknown fields, and `validate` reports every problem at once so a user fixes
//! a suite in one pass.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Built-in, weight-free detectors the worker implements (see `dfbench-worker::builtin`).
pub const BUILTIN_DETECTORS: &[&str] = &["spectral", "npr"];

/// Dataset layouts an adapter exists for.
pub const DATASET_FORMATS: &[&str] = &["cnnspot"];

#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    #[error(
        "suite file {path} cannot be read: {source}; check the path (suites live in benchmarks/suites/)"
    )]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("suite {origin} is not valid TOML for a suite: {message}")]
    Parse { origin: String, message: String },
    #[error("suite {origin} has {} problem(s):\n  - {}", problems.len(), problems.join("\n  - "))]
    Invalid {
        origin: String,
        problems: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Samples per shard; whole videos are never split.
    #[serde(default = "default_shard_size")]
    pub shard_size: usize,
    /// Test-time perturbations; only `none` until the robustness axis lands.
    #[serde(default = "default_perturbations")]
    pub perturbations: Vec<String>,
    pub datasets: Vec<DatasetSpec>,
    pub detectors: Vec<DetectorSpec>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetSpec {
    pub name: String,
    /// On-disk layout; one of [`DATASET_FORMATS`].
    pub format: String,
    /// Root folder; a relative root is resolved against the run's data root.
    pub root: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectorSpec {
    pub name: String,
    /// `builtin` (weight-free, pure Rust) or `torchscript` (needs `card`).
    pub kind: String,
    /// Which built-in detector; defaults to `name`.
    #[serde(default)]
    pub builtin: Option<String>,
    /// Detector card (TOML) of a `torchscript` detector; relative paths resolve against the
    /// data root, like dataset roots.
    #[serde(default)]
    pub card: Option<PathBuf>,
}

impl DetectorSpec {
    /// The built-in implementation this spec names.
    pub fn builtin_name(&self) -> &str {
        self.builtin.as_deref().unwrap_or(&self.name)
    }
}

fn default_shard_size() -> usize {
    64
}

fn default_perturbations() -> Vec<String> {
    vec!["none".to_string()]
}

impl Suite {
    /// Reads, parses and validates a suite file.
    pub fn load(path: &Path) -> Result<Suite, SuiteError> {
        let text = std::fs::read_to_string(path).map_err(|source| SuiteError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Suite::parse(&text, &path.display().to_string())
    }

    /// Parses and validates suite text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Suite, SuiteError> {
        let suite: Suite = toml::from_str(text).map_err(|error| SuiteError::Parse {
            origin: origin.to_string(),
            message: error.to_string().trim().to_string(),
        })?;
        let problems = suite.problems();
        if problems.is_empty() {
            Ok(suite)
        } else {
            Err(SuiteError::Invalid {
                origin: origin.to_string(),
                problems,
            })
        }
    }

    /// Every problem with this suite, empty when it is valid.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.name.trim().is_empty() {
            problems.push("`name` is empty: give the suite a name".to_string());
        }
        if self.shard_size == 0 {
            problems
                .push("`shard_size` is 0: use a positive number of samples per shard".to_string());
        }
        if self.datasets.is_empty() {
            problems.push("no `[[datasets]]`: add at least one dataset".to_string());
        }
        if self.detectors.is_empty() {
            problems.push("no `[[detectors]]`: add at least one detector".to_string());
        }
        for perturbation in &self.perturbations {
            if perturbation != "none" {
                problems.push(format!(
                    "perturbation `{perturbation}` is not supported yet: use \"none\""
                ));
            }
        }
        if self.perturbations.is_empty() {
            problems.push("`perturbations` is empty: use [\"none\"] for clean images".to_string());
        }
        push_duplicates(
            &mut problems,
            "dataset",
            self.datasets.iter().map(|d| &d.name),
        );
        push_duplicates(
            &mut problems,
            "detector",
            self.detectors.iter().map(|d| &d.name),
        );
        for dataset in &self.datasets {
            if !valid_name(&dataset.name) {
                problems.push(format!(
                    "dataset name `{}` must be non-empty and use only letters, digits, '-', '_', '.', '+'",
                    dataset.name
                ));
            }
            if !DATASET_FORMATS.contains(&dataset.format.as_str()) {
                problems.push(format!(
                    "dataset `{}` has unknown format `{}`: use one of {}",
                    dataset.name,
                    dataset.format,
                    DATASET_FORMATS.join(", ")
                ));
            }
        }
        for detector in &self.detectors {
            if !valid_name(&detector.name) {
                problems.push(format!(
                    "detector name `{}` must be non-empty and use only letters, digits, '-', '_', '.', '+'",
                    detector.name
                ));
            }
            if detector.kind == "torchscript" {
                if detector.card.is_none() {
                    problems.push(format!(
                        "detector `{}` is a torchscript detector without `card`: name its detector card file",
                        detector.name
                    ));
                }
            } else if detector.kind != "builtin" {
                problems.push(format!(
                    "detector `{}` has unknown kind `{}`: use `builtin` or `torchscript`",
                    detector.name, detector.kind
                ));
            } else if !BUILTIN_DETECTORS.contains(&detector.builtin_name()) {
                problems.push(format!(
                    "detector `{}` names unknown built-in `{}`: use one of {}",
                    detector.name,
                    detector.builtin_name(),
                    BUILTIN_DETECTORS.join(", ")
                ));
            }
        }
        problems
    }

    /// A dataset's root, resolved against `data_root` when relative.
    pub fn resolve_root(dataset: &DatasetSpec, data_root: &Path) -> PathBuf {
        if dataset.root.is_absolute() {
            dataset.root.clone()
        } else {
            data_root.join(&dataset.root)
        }
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+'))
}

fn push_duplicates<'a>(
    problems: &mut Vec<String>,
    what: &str,
    names: impl Iterator<Item = &'a String>,
) {
    let mut seen = std::collections::BTreeSet::new();
    for name in names {
        if !seen.insert(name) {
            problems.push(format!(
                "{what} name `{name}` appears twice: names must be unique"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "t"
[[datasets]]
name = "demo"
format = "cnnspot"
root = "demo-data/cnnspot"
[[detectors]]
name = "spectral"
kind = "builtin"
"#;

    #[test]
    fn parses_a_minimal_suite_with_defaults() {
        let suite = Suite::parse(GOOD, "test").expect("valid suite");
        assert_eq!(suite.shard_size, 64);
        assert_eq!(suite.perturbations, vec!["none"]);
        assert_eq!(suite.detectors[0].builtin_name(), "spectral");
    }

    #[test]
    fn unknown_field_names_the_field() {
        let text = format!("{GOOD}\nshard_sise = 3\n");
        let error = Suite::parse(&text, "bad.toml").expect_err("unknown field");
        let message = error.to_string();
        assert!(message.contains("shard_sise"), "{message}");
        assert!(message.contains("bad.toml"), "{message}");
    }

    #[test]
    fn reports_every_problem_at_once() {
        let text = GOOD
            .replace("format = \"cnnspot\"", "format = \"lmdb\"")
            .replace("name = \"spectral\"", "name = \"xception\"");
        let error = Suite::parse(&text, "s").expect_err("two problems");
        match error {
            SuiteError::Invalid { problems, .. } => assert_eq!(problems.len(), 2, "{problems:?}"),
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn missing_file_names_the_path() {
        let error = Suite::load(Path::new("/nonexistent/suite.toml")).expect_err("missing");
        assert!(error.to_string().contains("/nonexistent/suite.toml"));
    }
}
