//! `[[reference]]` entries: published values a run is checked against (issue 18, reproduction
//! check).
//!
//! ```toml
//! [[reference]]
//! detector = "xception"            # a detector of the suite (see below)
//! dataset = "cross/Celeb-DF-v2"     # a dataset as the run stores it: `<entry>/<set>` or `<entry>`
//! level = "frame"                   # frame | clip | video | video-max | video-dfb
//! auc = 0.7365                      # exactly one of auc, ap, eer, acc
//! source = "DeepfakeBench README (Results table)"
//! kind = "top3-mean-during-training"
//! tolerance = 0.02                  # absolute; required
//! ```
//!
//! References are not scored: they change the suite's text (so its hash, the run's stamp) but
//! no detector or dataset fingerprint, so adding or editing one never invalidates stored
//! predictions. A reference whose detector is not in the suite (a released-checkpoint detector
//! still commented out) is not an error: [`Suite::reference_warnings`] names it and the check
//! leaves it out. Unknown datasets, levels, kinds and metrics are errors naming the entry.

use super::{DatasetSpec, Suite};
use serde::{Deserialize, Serialize};

/// Metrics a reference may give (the report's metric names).
pub const REFERENCE_METRICS: &[&str] = &["auc", "ap", "eer", "acc"];

/// Levels a reference may name (the report's level names).
pub const REFERENCE_LEVELS: &[&str] = &["frame", "clip", "video", "video-max", "video-dfb"];

/// What a published value is, as `kind` names it:
/// - `top3-mean-during-training`: mean of the best three evaluations during training
///   (DeepfakeBench's Results table, REFERENCE §2.4), not what one released checkpoint gives;
/// - `best-during-training`: the best evaluation during training;
/// - `released-checkpoint`: what the authors report for the checkpoint they released;
/// - `paper`: a paper's table whose evaluation protocol is not stated more precisely;
/// - `own-run`: a value the lab measured before (e.g. a previous dfbench run).
pub const REFERENCE_KINDS: &[&str] = &[
    "top3-mean-during-training",
    "best-during-training",
    "released-checkpoint",
    "paper",
    "own-run",
];

/// Formats whose entries become one stored dataset per set, `<entry>/<set>`.
const SET_FORMATS: &[&str] = &["dfb-json", "ffpp", "df40", "dire"];

/// One `[[reference]]` table. Every field has a serde default so a missing one is a problem
/// naming the entry, not a bare TOML error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceSpec {
    #[serde(default)]
    pub detector: String,
    /// The dataset as the run stores it (`cross/Celeb-DF-v2`, or the entry name for formats
    /// without sets).
    #[serde(default)]
    pub dataset: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub auc: Option<f64>,
    #[serde(default)]
    pub ap: Option<f64>,
    #[serde(default)]
    pub eer: Option<f64>,
    #[serde(default)]
    pub acc: Option<f64>,
    /// Where the value was published (free text, required).
    #[serde(default)]
    pub source: String,
    /// One of [`REFERENCE_KINDS`].
    #[serde(default)]
    pub kind: String,
    /// Largest |measured − published| that counts as reproduced (absolute, required).
    #[serde(default)]
    pub tolerance: Option<f64>,
}

impl ReferenceSpec {
    /// The metrics this entry gives a value for, in [`REFERENCE_METRICS`] order.
    pub fn values(&self) -> Vec<(&'static str, f64)> {
        [
            ("auc", self.auc),
            ("ap", self.ap),
            ("eer", self.eer),
            ("acc", self.acc),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| (name, v)))
        .collect()
    }

    /// The one (metric, published value) of a valid entry.
    pub fn metric(&self) -> Option<(&'static str, f64)> {
        match self.values().as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }

    /// The tolerance, 0 when missing (a valid entry always has one).
    pub fn tolerance(&self) -> f64 {
        self.tolerance.unwrap_or(0.0)
    }

    /// How problems name the entry: its position and what it is about.
    fn label(&self, position: usize) -> String {
        format!(
            "[[reference]] number {} (detector `{}`, dataset `{}`)",
            position + 1,
            self.detector,
            self.dataset
        )
    }
}

/// Whether `dataset` is a dataset the suite's entries store (sets marked absent included: a
/// reference to one is `no measurement`, not an error).
fn dataset_known(datasets: &[DatasetSpec], dataset: &str) -> bool {
    datasets.iter().any(|spec| {
        if !SET_FORMATS.contains(&spec.format.as_str()) {
            return spec.name == dataset;
        }
        let Some(set) = dataset
            .strip_prefix(spec.name.as_str())
            .and_then(|rest| rest.strip_prefix('/'))
        else {
            return false;
        };
        match (spec.format.as_str(), spec.sets.is_empty()) {
            ("ffpp", true) => set == "FaceForensics++",
            // DiffusionForensics without `sets` runs every generator folder found on disk.
            ("dire", true) => !set.is_empty() && !set.contains('/'),
            _ => spec.sets.iter().any(|name| name == set),
        }
    })
}

/// The dataset names a reference may use, for error messages.
fn known_datasets(datasets: &[DatasetSpec]) -> Vec<String> {
    let mut names = Vec::new();
    for spec in datasets {
        match (spec.format.as_str(), spec.sets.is_empty()) {
            (format, _) if !SET_FORMATS.contains(&format) => names.push(spec.name.clone()),
            ("ffpp", true) => names.push(format!("{}/FaceForensics++", spec.name)),
            ("dire", true) => names.push(format!("{}/<generator>", spec.name)),
            _ => names.extend(spec.sets.iter().map(|set| format!("{}/{set}", spec.name))),
        }
    }
    names
}

/// Appends every problem of the suite's references to `problems`.
pub(super) fn push_problems(problems: &mut Vec<String>, suite: &Suite) {
    let mut seen = std::collections::BTreeSet::new();
    for (position, reference) in suite.references.iter().enumerate() {
        let label = reference.label(position);
        if reference.detector.trim().is_empty() {
            problems.push(format!("{label}: `detector` is missing: name a detector"));
        }
        if !dataset_known(&suite.datasets, &reference.dataset) {
            problems.push(format!(
                "{label}: unknown dataset `{}`: name it as the run stores it, one of {}",
                reference.dataset,
                known_datasets(&suite.datasets).join(", ")
            ));
        }
        if !REFERENCE_LEVELS.contains(&reference.level.as_str()) {
            problems.push(format!(
                "{label}: unknown level `{}`: use one of {}",
                reference.level,
                REFERENCE_LEVELS.join(", ")
            ));
        }
        let values = reference.values();
        match values.as_slice() {
            [] => problems.push(format!(
                "{label}: no published value: give one of {}",
                REFERENCE_METRICS.join(", ")
            )),
            [_] => {}
            _ => problems.push(format!(
                "{label}: gives {}: give one metric per [[reference]] (write one table per metric)",
                values
                    .iter()
                    .map(|(name, _)| *name)
                    .collect::<Vec<_>>()
                    .join(" and ")
            )),
        }
        for (name, value) in &values {
            if !(value.is_finite() && (0.0..=1.0).contains(value)) {
                problems.push(format!(
                    "{label}: {name} = {value} is not between 0 and 1 (write 73.65% as 0.7365)"
                ));
            }
        }
        if reference.source.trim().is_empty() {
            problems.push(format!(
                "{label}: `source` is missing: say where the value was published"
            ));
        }
        if !REFERENCE_KINDS.contains(&reference.kind.as_str()) {
            problems.push(format!(
                "{label}: unknown kind `{}`: use one of {}",
                reference.kind,
                REFERENCE_KINDS.join(", ")
            ));
        }
        match reference.tolerance {
            None => problems.push(format!(
                "{label}: `tolerance` is missing: give the largest absolute difference that \
                 still counts as reproduced, e.g. tolerance = 0.02"
            )),
            Some(t) if !(t.is_finite() && (0.0..1.0).contains(&t)) => problems.push(format!(
                "{label}: tolerance = {t} must be at least 0 and below 1 (absolute, e.g. 0.02)"
            )),
            Some(_) => {}
        }
        if let Some((metric, _)) = reference.metric() {
            let key = (
                reference.detector.as_str(),
                reference.dataset.as_str(),
                reference.level.as_str(),
                metric,
            );
            if !seen.insert(key) {
                problems.push(format!(
                    "{label}: a second {metric} reference for the same detector, dataset and \
                     level: keep one"
                ));
            }
        }
    }
}

impl Suite {
    /// The references whose detector is in the suite: the ones a check compares.
    pub fn active_references(&self) -> Vec<&ReferenceSpec> {
        self.references
            .iter()
            .filter(|reference| self.has_detector(&reference.detector))
            .collect()
    }

    /// One line per detector named by references but not in the suite (e.g. still commented
    /// out): those references are not checked.
    pub fn reference_warnings(&self) -> Vec<String> {
        let mut missing: std::collections::BTreeMap<&str, usize> = Default::default();
        for reference in &self.references {
            if !self.has_detector(&reference.detector) {
                *missing.entry(reference.detector.as_str()).or_default() += 1;
            }
        }
        let known: Vec<&str> = self.detectors.iter().map(|d| d.name.as_str()).collect();
        missing
            .into_iter()
            .map(|(detector, count)| {
                format!(
                    "{count} [[reference]] entr{} name{} detector `{detector}`, which is not in \
                     the suite (its detectors: {}): not checked",
                    if count == 1 { "y" } else { "ies" },
                    if count == 1 { "s" } else { "" },
                    known.join(", ")
                )
            })
            .collect()
    }

    fn has_detector(&self, name: &str) -> bool {
        self.detectors.iter().any(|detector| detector.name == name)
    }
}

#[cfg(test)]
mod tests;
