//! Suites: a TOML file naming datasets × detectors × perturbations and how to cut shards.
//!
//! Parsing rejects unknown fields, and every problem is reported at once (unknown fields, bad
//! `frames` values and the rest of the validation together) so a user fixes a suite in one pass.
//!
//! Dataset options (see [`DatasetSpec`] and `benchmarks/suites/*.toml` for examples):
//!
//! - **Named roots.** A suite may declare `[roots]` (name = path; a relative path resolves against
//!   the run's default data root). Any path field of a dataset (`root`, `json_dir`, `manifest`)
//!   may start with `NAME:` to resolve against a named root, e.g. `root = "rgb:"` or
//!   `json_dir = "dfb:preprocessing/dataset_json"`. `dfbench run --data-root NAME=PATH`
//!   overrides the suite's entry; a name set by neither is an error that names the flag to pass.
//! - **Test sets.** `sets` lists the test sets of a dataset (DFB names like `FF-DF`,
//!   `FaceForensics++_c40`; DF40 names like `simswap_ff`, `FSAll_cdf`, `heygen`; DIRE generator
//!   folders). Formats whose test sets share their real side (dfb-json, ffpp, df40, dire) become
//!   one stored dataset per set, named `<name>/<set>`, each with its own copy of the reals, so
//!   every set gets its own AUC exactly as the original protocols compute it.
//! - **Absent sets.** When a paper's protocol names a set its public release lacks (DF40's P3
//!   names `deepfacelab`, which the release does not contain), keep the set in `sets` so the
//!   suite still reads as the paper's protocol and mark it `absent = { deepfacelab = "not in
//!   the DF40 release" }`. An absent set is not read from disk; `datasets check` and `run`
//!   print it as absent with its reason while the other sets run, and the report lists it
//!   under "Absent datasets" (the reason comes from the run's stored suite text), never as a
//!   zero. Every key of `absent` must be one of `sets`.
//! - **Labels.** `label_map = { "My_Real" = 0, "My_Fake" = 1 }` overrides the DeepfakeBench rule
//!   (its `label_dict` names, then any `*_real` → 0 and `*_fake` → 1); any other label name is
//!   an error that says how to map it.
//! - **Frames.** `frames` is required for video formats (dfb-json, ffpp, df40) so the run's
//!   stored suite text always records it: `"all"`, `"uniform:N"` or `"first:N"`. Frames are
//!   ordered by the integer value of their file stem. `uniform:N`: image detectors read N evenly
//!   spaced frames (DeepfakeBench's preprocessing formula), clip detectors N contiguous frames
//!   from the start (its video loader); `first:N`: every detector reads the first N frames (what
//!   DeepfakeBench's test loader actually does for image detectors too). A run's shards hold
//!   the union of what its detectors read, each frame decoded once; a frame only clip
//!   detectors read owes no image prediction, and a run without clip detectors plans exactly
//!   the image detectors' frames (the dataset fingerprint covers those). See
//!   [`crate::adapter::frames::FrameSelection`].
//! - **Perturbations.** `perturbations = ["none", "jpeg:q=95,75,50,30", "blur:sigma=1,2,3",
//!   "rescale:0.5", "noise:sigma=5"]`: ids, one-family grids and presets (`"preset:univfd"` or
//!   `"univfd"`, `"aigcdb"`), expanded at parse time into one canonical id per level
//!   (`crate::perturb` documents each id; `crate::perturb::grid` the entries). Every dataset is
//!   scored once per id; an entry that does not parse is a problem naming it and the syntax.
//! - **References.** `[[reference]]` tables give published values (detector × dataset × level ×
//!   metric, with source, kind and tolerance) that `dfbench run/report --check-references`
//!   compares with the run; see [`references`]. They are not scored and enter no fingerprint.
//! - **Decoding.** `exif_orientation = "apply" | "ignore"` follows the format's reference
//!   loader by default (DeepfakeBench layouts `apply`, as OpenCV does; cnnspot, dire and csv
//!   `ignore`, as PIL does); `max_pixels = N` replaces the 64-megapixel decode limit (1 to
//!   [`crate::image_io::MAX_PIXELS_UPPER_BOUND`]). Both enter the dataset fingerprint when not
//!   at dfbench's old behaviour (`ignore`, 64 MP), so reuse never mixes decodes.
//! - **Video keys.** `dataset/label_group/method/compression/video`; `legacy_video_key = true`
//!   reproduces DeepfakeBench's parent-folder key (which merges FF++ videos across methods).

use crate::adapter::frames::FrameSelection;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Built-in, weight-free detectors the worker implements (see `dfbench-worker::builtin`).
pub const BUILTIN_DETECTORS: &[&str] = &["spectral", "npr", "temporal"];

/// The detector kind of a prepare run: the "detector" is the prepare recipe, and its one
/// outcome per video is the number of frames written or the video's typed failure.
pub const PREPARE_KIND: &str = "prepare";

/// Dataset layouts an adapter exists for.
pub const DATASET_FORMATS: &[&str] = &[
    "cnnspot",
    "dfb-json",
    "ffpp",
    "df40",
    "dire",
    "csv",
    "genimage",
    "community-forensics",
    "aigibench",
    "videos",
];

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
    /// Test-time perturbations: ids, grids (`jpeg:q=95,75`) and presets (`preset:univfd`), see
    /// [`crate::perturb::grid`]. After [`Suite::parse`] this holds one canonical id per entry
    /// (grids and presets expanded, repeats dropped), which is what the planner cuts shards by.
    #[serde(default = "default_perturbations")]
    pub perturbations: Vec<String>,
    /// Named data roots (name → path); `--data-root NAME=PATH` overrides an entry.
    #[serde(default)]
    pub roots: BTreeMap<String, String>,
    pub datasets: Vec<DatasetSpec>,
    pub detectors: Vec<DetectorSpec>,
    /// Published values the run is checked against (`[[reference]]` tables, see
    /// [`references`]); not scored, outside every fingerprint.
    #[serde(default, rename = "reference")]
    pub references: Vec<ReferenceSpec>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetSpec {
    pub name: String,
    /// On-disk layout; one of [`DATASET_FORMATS`].
    pub format: String,
    /// Root folder; a relative root is resolved against the run's data root, `NAME:rest`
    /// against the named root `NAME`.
    pub root: PathBuf,
    /// Test sets to evaluate (see the module docs); each format has its own default.
    #[serde(default)]
    pub sets: Vec<String>,
    /// Sets of `sets` the protocol names but the data does not have, each with the reason
    /// (`absent = { deepfacelab = "not in the DF40 release" }`): not read, not scored, and
    /// reported as absent with the reason by `datasets check`, `run` and the report.
    #[serde(default)]
    pub absent: BTreeMap<String, String>,
    /// Split to evaluate (`test` by default).
    #[serde(default)]
    pub split: Option<String>,
    /// Compression of FF++-family data (`c23` by default; a `_c40` set name selects `c40`).
    #[serde(default)]
    pub compression: Option<String>,
    /// Frame selection per video: `all`, `uniform:N` or `first:N` (DFB legacy).
    #[serde(default)]
    pub frames: Option<FrameSelection>,
    /// Key videos by their parent folder, as DeepfakeBench does.
    #[serde(default)]
    pub legacy_video_key: bool,
    /// Label name → 0 (real) or 1 (fake), checked before the DeepfakeBench rule.
    #[serde(default)]
    pub label_map: BTreeMap<String, i64>,
    /// dfb-json: folder holding `<DatasetName>.json` (DFB `dataset_json_folder`).
    #[serde(default)]
    pub json_dir: Option<String>,
    /// csv: the manifest file (default `<root>/manifest.csv`).
    #[serde(default)]
    pub manifest: Option<String>,
    /// dire: which tree, `images`, `recons` or `dire` (default `images`).
    #[serde(default)]
    pub tree: Option<String>,
    /// dire: the domain folder, e.g. `lsun_bedroom` (the default), `imagenet`, `celebahq`.
    #[serde(default)]
    pub domain: Option<String>,
    /// `"apply"` or `"ignore"` the EXIF Orientation tag when decoding. Defaults to what the
    /// format's reference loader does: `apply` for DeepfakeBench layouts (dfb-json, ffpp, df40:
    /// OpenCV's `imread`), `ignore` for cnnspot, dire and csv (PIL's `Image.open`). See
    /// [`DatasetSpec::decode_options`].
    #[serde(default)]
    pub exif_orientation: Option<String>,
    /// Most pixels (width × height, from the header) an image may declare to be decoded;
    /// larger ones record `image_too_large`. Default [`crate::image_io::DEFAULT_MAX_PIXELS`].
    #[serde(default)]
    pub max_pixels: Option<u64>,
    /// Read files and folders reached through symlinks that lead out of the dataset's root
    /// (refused by default; they must still lie inside the coordinator's served folders).
    #[serde(default)]
    pub follow_symlinks: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectorSpec {
    pub name: String,
    /// `builtin` (weight-free, pure Rust), `torchscript` or `onnx` (both need `card`; the card's
    /// model file must match the kind: `.onnx` for onnx, anything else for torchscript).
    pub kind: String,
    /// Which built-in detector; defaults to `name`.
    #[serde(default)]
    pub builtin: Option<String>,
    /// Detector card (TOML) of a `torchscript` or `onnx` detector; relative paths resolve against the
    /// data root, like dataset roots.
    #[serde(default)]
    pub card: Option<PathBuf>,
    /// `prepare`: the recipe (JSON, as `dfbench prepare` writes it; its sha256 is the
    /// detector's fingerprint), handed to workers as it is.
    #[serde(default)]
    pub recipe: Option<String>,
    /// `prepare`: the output folder, relative to the coordinator's `--output-root` (and to
    /// each worker's).
    #[serde(default)]
    pub out: Option<String>,
    /// `prepare`: the face-detector card (absolute path, read by the workers), when the recipe
    /// crops faces.
    #[serde(default)]
    pub faces: Option<PathBuf>,
}

impl DetectorSpec {
    /// The built-in implementation this spec names.
    pub fn builtin_name(&self) -> &str {
        self.builtin.as_deref().unwrap_or(&self.name)
    }

    /// The capability a worker must advertise to run this detector, beyond the built-ins
    /// every worker has: `torch` for TorchScript, `onnx` for ONNX.
    pub fn required_capability(&self) -> Option<&'static str> {
        match self.kind.as_str() {
            "torchscript" => Some("torch"),
            "onnx" => Some("onnx"),
            _ => None,
        }
    }

    /// Whether this detector is a prepare recipe (videos → frames), not a scorer.
    pub fn is_prepare(&self) -> bool {
        self.kind == PREPARE_KIND
    }

    /// Whether this detector runs a model named by a detector card.
    pub fn is_model(&self) -> bool {
        matches!(self.kind.as_str(), "torchscript" | "onnx")
    }

    /// The one rule tying the runtime to the model file: `kind = "onnx"` needs a `.onnx` model,
    /// `kind = "torchscript"` anything but. `None` when the card's `model` fits the kind, else
    /// what is wrong and what to change.
    pub fn model_kind_problem(&self, card: &Path, model: &Path) -> Option<String> {
        let is_onnx = model
            .extension()
            .is_some_and(|extension| extension.eq_ignore_ascii_case("onnx"));
        let fix = match (self.kind.as_str(), is_onnx) {
            ("onnx", false) => {
                "is not an `.onnx` file: point the card at the ONNX export, or set `kind = \"torchscript\"` for a TorchScript model"
            }
            ("torchscript", true) => {
                "is an ONNX file: set `kind = \"onnx\"` for it, or point the card at the TorchScript export"
            }
            _ => return None,
        };
        Some(format!(
            "detector `{}` has kind `{}` but its card {} names model {}, which {fix}",
            self.name,
            self.kind,
            card.display(),
            model.display()
        ))
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

    /// Parses and validates suite text; `origin` names it in errors. Every problem is reported
    /// at once, unknown fields and bad `frames` values included (see [`Suite::parse_lenient`]).
    pub fn parse(text: &str, origin: &str) -> Result<Suite, SuiteError> {
        let (suite, problems) = Suite::parse_lenient(text, origin)?;
        if problems.is_empty() {
            Ok(suite)
        } else {
            Err(SuiteError::Invalid {
                origin: origin.to_string(),
                problems,
            })
        }
    }

    /// Reads a suite file like [`Suite::load`], but returns the suite with its problems (see
    /// [`Suite::parse_lenient`]).
    pub fn load_lenient(path: &Path) -> Result<(Suite, Vec<String>), SuiteError> {
        let text = std::fs::read_to_string(path).map_err(|source| SuiteError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Suite::parse_lenient(&text, &path.display().to_string())
    }

    /// The suite in `text` as far as it can be read, with every problem (empty when valid):
    /// unknown fields (named with their table and the accepted names) are left out and bad
    /// `frames` values read as `"all"`, each a problem, and the rest is validated, so
    /// `datasets check` can go on to check the datasets. `Err` only when no suite can be built
    /// (not TOML, or a wrong type or missing field). Perturbations are expanded to canonical
    /// ids only when there is no problem.
    pub fn parse_lenient(text: &str, origin: &str) -> Result<(Suite, Vec<String>), SuiteError> {
        let (mut suite, mut problems) = match toml::from_str::<Suite>(text) {
            Ok(suite) => (suite, Vec::new()),
            Err(strict) => lenient::read(text, origin, &strict)?,
        };
        problems.extend(suite.problems());
        if problems.is_empty() {
            // Every entry expanded in `problems`, so this cannot fail; keep the entries if it did.
            if let Ok(ids) =
                crate::perturb::grid::expand_all(suite.perturbations.iter().map(String::as_str))
            {
                suite.perturbations = ids;
            }
        }
        Ok((suite, problems))
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
        for entry in &self.perturbations {
            if let Err(error) = crate::perturb::grid::expand_entry(entry) {
                problems.push(format!("`perturbations` entry `{entry}`: {error}"));
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
            datasets::push_problems(&mut problems, dataset);
        }
        for name in self.roots.keys() {
            if !crate::roots::valid_root_name(name) {
                problems.push(format!(
                    "root name `{name}` under [roots] must use only letters, digits, '-' and '_'"
                ));
            }
        }
        for detector in &self.detectors {
            let prepare_fields =
                detector.recipe.is_some() || detector.out.is_some() || detector.faces.is_some();
            if prepare_fields && !detector.is_prepare() {
                problems.push(format!(
                    "detector `{}` sets `recipe`, `out` or `faces`, which only a `prepare` detector takes; remove them",
                    detector.name
                ));
            }
            if !valid_name(&detector.name) {
                problems.push(format!(
                    "detector name `{}` must be non-empty and use only letters, digits, '-', '_', '.', '+'",
                    detector.name
                ));
            }
            if detector.is_model() {
                if detector.card.is_none() {
                    problems.push(format!(
                        "detector `{}` is a {} detector without `card`: name its detector card file",
                        detector.name, detector.kind
                    ));
                }
            } else if detector.is_prepare() {
                push_prepare_problems(&mut problems, self, detector);
            } else if detector.kind != "builtin" {
                problems.push(format!(
                    "detector `{}` has unknown kind `{}`: use `builtin`, `torchscript`, `onnx` or `prepare`",
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
        references::push_problems(&mut problems, self);
        problems
    }

    /// Every set the suite marks absent, dataset by dataset.
    pub fn absent_sets(&self) -> Vec<AbsentSet> {
        self.datasets
            .iter()
            .flat_map(DatasetSpec::absent_sets)
            .collect()
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

/// A prepare detector needs its recipe and output folder, and is the suite's only detector,
/// over `videos` datasets only (its outcomes are frame counts, not scores to compare).
fn push_prepare_problems(problems: &mut Vec<String>, suite: &Suite, detector: &DetectorSpec) {
    let name = &detector.name;
    if detector.recipe.is_none() || detector.out.is_none() {
        problems.push(format!(
            "detector `{name}` of kind `prepare` needs `recipe` and `out`; `dfbench prepare` writes them"
        ));
    }
    if suite.detectors.len() > 1 {
        problems.push(format!(
            "detector `{name}` of kind `prepare` must be the suite's only detector: a prepare run writes frames, it does not score"
        ));
    }
    for dataset in suite.datasets.iter().filter(|d| d.format != "videos") {
        problems.push(format!(
            "dataset `{}` has format `{}`, but a prepare run reads `videos` datasets only",
            dataset.name, dataset.format
        ));
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

mod datasets;
pub(crate) mod lenient;
pub mod references;
pub use datasets::AbsentSet;
pub use references::ReferenceSpec;

#[cfg(test)]
mod tests;
