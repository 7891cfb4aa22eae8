//! Data roots: where the relative paths of a suite point.
//!
//! A run has a default data root (`--data-root PATH`, default the current folder) and named
//! roots: the suite's `[roots]` table, overridden by `--data-root NAME=PATH`. A path field of a
//! dataset written `NAME:rest` resolves to `<named root NAME>/rest`; any other relative path
//! resolves against the default root; absolute paths stay as they are.
//!
//! A coordinator may be confined to [`ServeRoots`] (`dfbench coordinator --serve-root PATH`):
//! then every path a suite or a client names must resolve, after canonicalisation, inside one
//! of them, or it is refused with an error naming the path and the served folders.

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
    #[error("dataset `{dataset}`: `{field} = \"{value}\"`: {outside}")]
    Outside {
        dataset: String,
        field: String,
        value: String,
        outside: Box<Outside>,
    },
}

/// A path outside every served folder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{} is outside the folders this coordinator serves ({allowed}); move the data under one of \
     them, or ask its operator to add a `--serve-root` for it",
    path.display()
)]
pub struct Outside {
    /// The path as resolved (canonical where it exists).
    pub path: PathBuf,
    /// The served folders, listed.
    pub allowed: String,
}

/// The folders a coordinator may read (`--serve-root`), canonical.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeRoots {
    roots: Vec<PathBuf>,
}

impl ServeRoots {
    /// The folders `paths`, each canonicalised; one that does not exist is an error naming it.
    pub fn new(paths: &[PathBuf]) -> Result<ServeRoots, String> {
        let roots = paths
            .iter()
            .map(|path| {
                path.canonicalize().map_err(|error| {
                    format!(
                        "served folder {} cannot be used: {error}; fix --serve-root",
                        path.display()
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if roots.is_empty() {
            return Err("no served folder given: pass --serve-root PATH".to_string());
        }
        Ok(ServeRoots { roots })
    }

    /// The served folders, canonical.
    pub fn folders(&self) -> &[PathBuf] {
        &self.roots
    }

    /// The served folders as one comma-separated list.
    pub fn describe(&self) -> String {
        self.roots
            .iter()
            .map(|root| root.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `path` canonicalised (see [`canonical`]) when it lies inside a served folder.
    pub fn check(&self, path: &Path) -> Result<PathBuf, Outside> {
        let resolved = canonical(path);
        if self.contains(&resolved) {
            Ok(resolved)
        } else {
            Err(Outside {
                path: resolved,
                allowed: self.describe(),
            })
        }
    }

    /// Whether the canonical path `resolved` lies inside a served folder.
    pub fn contains(&self, resolved: &Path) -> bool {
        self.roots.iter().any(|root| resolved.starts_with(root))
    }
}

/// `path` with every symlink of its longest existing ancestor resolved and the rest (which does
/// not exist yet) appended with `.` and `..` applied, so a path that is not there yet cannot
/// leave a folder through `..` either.
pub fn canonical(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut existing = path.to_path_buf();
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    loop {
        if let Ok(mut out) = existing.canonicalize() {
            for name in rest.iter().rev() {
                if name == ".." {
                    out.pop();
                } else {
                    out.push(name);
                }
            }
            return out;
        }
        match existing.components().next_back() {
            Some(Component::Normal(name)) => rest.push(name.to_os_string()),
            Some(Component::ParentDir) => rest.push("..".into()),
            Some(Component::CurDir) => {}
            _ => return path.to_path_buf(),
        }
        if !existing.pop() {
            return path.to_path_buf();
        }
    }
}

/// The roots of one run, already merged (command line over suite).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataRoots {
    /// The default root relative paths resolve against.
    pub default: PathBuf,
    /// Named roots, absolute or relative to `default`.
    pub named: BTreeMap<String, PathBuf>,
    /// Where resolved paths must lie (a coordinator's `--serve-root`s); `None`: anywhere.
    pub serve: Option<ServeRoots>,
}

impl DataRoots {
    /// Roots with no names.
    pub fn new(default: &Path) -> DataRoots {
        DataRoots {
            default: default.to_path_buf(),
            named: BTreeMap::new(),
            serve: None,
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
            serve: None,
        }
    }

    /// The same roots, every resolved path confined to `serve` (when given).
    pub fn confined(self, serve: Option<ServeRoots>) -> DataRoots {
        DataRoots { serve, ..self }
    }

    /// Resolves the path field `field` of dataset `dataset`.
    /// With [`DataRoots::serve`] set, the path must lie inside a served folder.
    pub fn resolve(&self, dataset: &str, field: &str, value: &str) -> Result<PathBuf, RootError> {
        let path = self.resolve_unconfined(dataset, field, value)?;
        match &self.serve {
            Some(serve) => serve.check(&path).map_err(|outside| RootError::Outside {
                dataset: dataset.to_string(),
                field: field.to_string(),
                value: value.to_string(),
                outside: Box::new(outside),
            }),
            None => Ok(path),
        }
    }

    fn resolve_unconfined(
        &self,
        dataset: &str,
        field: &str,
        value: &str,
    ) -> Result<PathBuf, RootError> {
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

    #[test]
    fn confined_roots_refuse_paths_outside_even_through_dot_dot() {
        let served = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(served.path().join("data")).expect("data");
        let serve = ServeRoots::new(&[served.path().to_path_buf()]).expect("serve");
        let roots = DataRoots::new(&served.path().join("data")).confined(Some(serve));
        assert!(roots.resolve("d", "root", "not/yet/there").is_ok());
        for escaping in ["../..", "missing/../../..", "/etc"] {
            let error = roots.resolve("d", "root", escaping).expect_err(escaping);
            let message = error.to_string();
            assert!(
                message.contains("outside the folders this coordinator serves")
                    && message.contains(
                        &served
                            .path()
                            .canonicalize()
                            .expect("c")
                            .display()
                            .to_string()
                    ),
                "{message}"
            );
        }
    }
}
