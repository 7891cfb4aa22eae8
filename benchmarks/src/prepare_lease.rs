//! What a prepare run's lease tells a worker (the detector card of a `prepare` detector, as
//! JSON): the recipe as `dfbench prepare` wrote it, the output folder relative to the output
//! root, and the face-detector card to crop with. The coordinator writes it when it plans the
//! run; the worker reads it and checks the folder against its own output root.
//!
//! Must not touch: the file system (the coordinator and the worker each resolve `out` against
//! their own output root).

use std::path::{Component, Path};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrepareLease {
    /// The recipe's JSON; its sha256 is the prepare detector's fingerprint.
    pub recipe: String,
    /// The output folder, relative to the output root, `/`-separated.
    pub out: String,
    /// The face-detector card's path, when the recipe crops faces.
    pub faces: Option<String>,
}

impl PrepareLease {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<PrepareLease, String> {
        serde_json::from_str(text)
            .map_err(|error| format!("the lease's prepare spec is not readable: {error}"))
    }
}

/// `Ok` when `out` names a folder inside any output root: relative, without `..`, `.` only
/// as a whole. Otherwise what is wrong with it.
pub fn check_relative_out(out: &str) -> Result<(), String> {
    let path = Path::new(out);
    if out.is_empty() {
        return Err("the output folder is empty: name a folder under the output root".to_string());
    }
    for component in path.components() {
        match component {
            Component::Normal(_) | Component::CurDir => {}
            Component::ParentDir => {
                return Err(format!(
                    "the output folder {out} climbs out with `..`: name a folder under the output root"
                ));
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!(
                    "the output folder {out} is absolute: name it relative to the output root"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_relative_folders_without_parent_steps_are_inside() {
        for inside in ["out", "a/b", ".", "./a"] {
            assert_eq!(check_relative_out(inside), Ok(()), "{inside}");
        }
        for outside in ["", "/tmp/out", "../out", "a/../../b"] {
            assert!(check_relative_out(outside).is_err(), "{outside}");
        }
    }

    #[test]
    fn the_spec_reads_back() {
        let lease = PrepareLease {
            recipe: "{\"size\":256}".to_string(),
            out: "prepared".to_string(),
            faces: None,
        };
        assert_eq!(PrepareLease::from_json(&lease.to_json()), Ok(lease));
        assert!(PrepareLease::from_json("{\"recipe\":1}").is_err());
    }
}
