//! Data roots: where the relative paths of a suite point.
//!
//! A run has a default data root (`--data-root PATH`, default the current folder) and named
//! roots: the suite's `[roots]` table, overridden by `--data-root NAME=PATH`. A path field of a
//! dataset written `NAME:rest` resolves to `<named root NAME>/rest`; any other relative path
//! resolves against the default root; absolute paths stay as they are.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RootError {
    #[error(
        "dataset `{dataset}`: `{field} = \"{value}\"` uses the root name `{root_name}`, which is not set; \
         pass `--data-root {root_name}=/path/to/it` to dfbench (run or datasets check), \
         or add `{root_name} = \"/path/to/it\"` under [roots] in the suite"
    )]
    UnsetName {
        dataset: String,
        field: String,
        value: String,
        root_name: String,
    },
}

/// The roots of one run, already merged (command line over suite).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataRoots {
    /// The default root relative paths resolve against.
    pub default: PathBuf,
    /// Named roots, absolute or relative to `default`.
    pub named: BTreeMap<String, PathBuf>,
}

impl DataRoots {
    /// Roots with no names.
    pub fn new(default: &Path) -> DataRoots {
        DataRoots {
            default: default.to_path_buf(),
            named: BTreeMap::new(),
        }
    }

    /// Merges the suite's `[roots]` with command-line overrides (which win).
    pub fn for_suite(
        default: &Path,
        suite_roots: &BTreeMap<String, String>,
        overrides: &BTreeMap<String, PathBuf>,
    ) -> DataRoots {
        let mut named: BTreeMap<String, PathBuf> = suite_roots
            .iter()
            .map(|(name, path)| (name.clone(), default.join(path)))
            .collect();
        for (name, path) in overrides {
            named.insert(name.clone(), default.join(path));
        }
        DataRoots {
            default: default.to_path_buf(),
            named,
        }
    }

    /// Resolves the path field `field` of dataset `dataset`.
    pub fn resolve(&self, dataset: &str, field: &str, value: &str) -> Result<PathBuf, RootError> {
        if let Some((root_name, rest)) = split_named(value) {
            let Some(base) = self.named.get(root_name) else {
                return Err(RootError::UnsetName {
                    dataset: dataset.to_string(),
                    field: field.to_string(),
                    value: value.to_string(),
                    root_name: root_name.to_string(),
                });
            };
            let rest = rest.trim_start_matches('/');
            return Ok(if rest.is_empty() {
                base.clone()
            } else {
                base.join(rest)
            });
        }
        Ok(self.default.join(value))
    }
}

/// `NAME:rest` when `value` starts with a valid root name and a colon.
pub fn split_named(value: &str) -> Option<(&str, &str)> {
    let (name, rest) = value.split_once(':')?;
    valid_root_name(name).then_some((name, rest))
}

/// Root names: letters, digits, `-` and `_`, at least two characters (so `C:` stays a path).
pub fn valid_root_name(name: &str) -> bool {
    name.len() >= 2
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_roots_resolve_and_command_line_wins() {
        let suite = BTreeMap::from([
            ("ffpp".to_string(), "data/ff".to_string()),
            ("dire".to_string(), "/abs/dire".to_string()),
        ]);
        let overrides = BTreeMap::from([("ffpp".to_string(), PathBuf::from("/lab/ff"))]);
        let roots = DataRoots::for_suite(Path::new("/work"), &suite, &overrides);
        let resolve = |value: &str| roots.resolve("d", "root", value).expect("resolves");
        assert_eq!(resolve("ffpp:"), PathBuf::from("/lab/ff"));
        assert_eq!(resolve("ffpp:/sub"), PathBuf::from("/lab/ff/sub"));
        assert_eq!(resolve("dire:test/x"), PathBuf::from("/abs/dire/test/x"));
        assert_eq!(resolve("plain/dir"), PathBuf::from("/work/plain/dir"));
        assert_eq!(resolve("/abs/elsewhere"), PathBuf::from("/abs/elsewhere"));
    }

    #[test]
    fn an_unset_root_name_says_which_flag_to_pass() {
        let roots = DataRoots::new(Path::new("/work"));
        let error = roots
            .resolve("ff", "root", "ffpp:FaceForensics++")
            .expect_err("unset");
        let message = error.to_string();
        assert!(
            message.contains("--data-root ffpp=/path/to/it") && message.contains("[roots]"),
            "{message}"
        );
    }
}
