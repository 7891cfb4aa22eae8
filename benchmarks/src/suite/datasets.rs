//! One `[[datasets]]` entry: its defaults, and which options each format takes and needs.

use super::{DATASET_FORMATS, DatasetSpec};
use crate::adapter::frames::FrameSelection;
use crate::image_io::{DEFAULT_MAX_PIXELS, DecodeOptions, ExifOrientation, MAX_PIXELS_UPPER_BOUND};
use std::collections::BTreeMap;
use std::path::Path;

/// Video formats: `frames` must be written in the suite so the stored suite text records it.
const NEEDS_FRAMES: &[&str] = &["dfb-json", "ffpp", "df40"];

/// Options a format accepts besides `name`, `format` and `root`.
fn accepted_options(format: &str) -> &'static [&'static str] {
    match format {
        "dfb-json" => &[
            "sets",
            "split",
            "compression",
            "frames",
            "legacy_video_key",
            "label_map",
            "json_dir",
            "absent",
        ],
        "ffpp" => &[
            "sets",
            "absent",
            "split",
            "compression",
            "frames",
            "legacy_video_key",
        ],
        "df40" => &["sets", "absent", "split", "frames", "legacy_video_key"],
        "dire" => &["sets", "absent", "split", "tree", "domain"],
        "csv" => &["frames", "legacy_video_key", "label_map", "manifest"],
        "genimage" | "community-forensics" | "aigibench" => &["sets", "absent", "split"],
        "videos" => &["label_map", "split"],
        _ => &[],
    }
}

/// The options this entry sets, by suite field name.
fn options_set(spec: &DatasetSpec) -> Vec<&'static str> {
    let mut set = Vec::new();
    let flags = [
        ("sets", !spec.sets.is_empty()),
        ("absent", !spec.absent.is_empty()),
        ("split", spec.split.is_some()),
        ("compression", spec.compression.is_some()),
        ("frames", spec.frames.is_some()),
        ("legacy_video_key", spec.legacy_video_key),
        ("label_map", !spec.label_map.is_empty()),
        ("json_dir", spec.json_dir.is_some()),
        ("manifest", spec.manifest.is_some()),
        ("tree", spec.tree.is_some()),
        ("domain", spec.domain.is_some()),
    ];
    for (name, present) in flags {
        if present {
            set.push(name);
        }
    }
    set
}

/// Appends every problem of `spec` to `problems`.
pub(super) fn push_problems(problems: &mut Vec<String>, spec: &DatasetSpec) {
    let name = &spec.name;
    let format = spec.format.as_str();
    if !DATASET_FORMATS.contains(&format) {
        problems.push(format!(
            "dataset `{name}` has unknown format `{format}`: use one of {}",
            DATASET_FORMATS.join(", ")
        ));
        return;
    }
    let accepted = accepted_options(format);
    for option in options_set(spec) {
        if !accepted.contains(&option) {
            problems.push(format!(
                "dataset `{name}`: option `{option}` does not apply to format `{format}`; remove it (it takes: {})",
                if accepted.is_empty() { "none".to_string() } else { accepted.join(", ") }
            ));
        }
    }
    if NEEDS_FRAMES.contains(&format) && spec.frames.is_none() {
        problems.push(format!(
            "dataset `{name}`: `frames` is required for format `{format}` so the run records it: \
             use \"all\", \"uniform:N\" (N evenly spaced frames) or \"first:N\" (DeepfakeBench's first N)"
        ));
    }
    if matches!(format, "dfb-json" | "df40") && spec.sets.is_empty() {
        problems.push(format!(
            "dataset `{name}`: format `{format}` needs `sets`, the test sets to evaluate, e.g. {}",
            if format == "df40" {
                "[\"FSAll_ff\", \"simswap_cdf\", \"heygen\"]"
            } else {
                "[\"FaceForensics++\", \"FF-DF\", \"Celeb-DF-v2\"]"
            }
        ));
    }
    if format == "dfb-json" && spec.json_dir.is_none() {
        problems.push(format!(
            "dataset `{name}`: format `dfb-json` needs `json_dir`, the folder with `<DatasetName>.json` \
             (DeepfakeBench's preprocessing/dataset_json)"
        ));
    }
    if let Some(tree) = &spec.tree
        && !matches!(tree.as_str(), "images" | "recons" | "dire")
    {
        problems.push(format!(
            "dataset `{name}`: `tree = \"{tree}\"` is not a DiffusionForensics tree: use images, recons or dire"
        ));
    }
    if let Some(rule) = &spec.exif_orientation
        && ExifOrientation::parse(rule).is_none()
    {
        problems.push(format!(
            "dataset `{name}`: `exif_orientation = \"{rule}\"` is not a rule: use \"apply\" (rotate as the EXIF Orientation tag says, as OpenCV does) or \"ignore\" (pixels as stored, as PIL does); the default for format `{format}` is \"{}\"",
            default_exif_orientation(format)
        ));
    }
    if let Some(max_pixels) = spec.max_pixels
        && !(1..=MAX_PIXELS_UPPER_BOUND).contains(&max_pixels)
    {
        problems.push(format!(
            "dataset `{name}`: `max_pixels = {max_pixels}` is out of range: use 1 to {MAX_PIXELS_UPPER_BOUND} (the default is {DEFAULT_MAX_PIXELS}, 64 megapixels)"
        ));
    }
    for (label, value) in &spec.label_map {
        if !matches!(value, 0 | 1) {
            problems.push(format!(
                "dataset `{name}`: label_map maps `{label}` to {value}: use 0 (real) or 1 (fake)"
            ));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for set in &spec.sets {
        if set.trim().is_empty() || set.contains('/') {
            problems.push(format!(
                "dataset `{name}`: set name `{set}` must be non-empty and contain no '/'"
            ));
        }
        if !seen.insert(set) {
            problems.push(format!("dataset `{name}`: set `{set}` is listed twice"));
        }
    }
    for (set, reason) in &spec.absent {
        if !spec.sets.contains(set) {
            problems.push(format!(
                "dataset `{name}`: `absent` names set `{set}`, which is not in `sets`; list it in `sets` too (the protocol's set list) or remove it from `absent`"
            ));
        }
        if reason.trim().is_empty() {
            problems.push(format!(
                "dataset `{name}`: `absent` gives set `{set}` no reason; say why the data lacks it, e.g. \"not in the DF40 release\""
            ));
        }
    }
}

/// The EXIF rule of `format`'s reference loader: DeepfakeBench's loaders read frames with
/// OpenCV (`cv2.imread` applies the Orientation tag); CNNSpot, UnivFD and DIRE read with PIL
/// (`Image.open` does not), and a CSV manifest is read like them.
pub fn default_exif_orientation(format: &str) -> ExifOrientation {
    match format {
        "dfb-json" | "ffpp" | "df40" => ExifOrientation::Apply,
        _ => ExifOrientation::Ignore,
    }
}

/// A set a suite names but marks absent: not read or scored, reported with its reason.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AbsentSet {
    /// The stored dataset name it would have had, `<name>/<set>`.
    pub dataset: String,
    pub reason: String,
}

/// What is wrong with a `[[datasets]]` entry's `frames` value, `None` when it is a valid
/// selection. Serde would reject a bad one with a line number but not the dataset, so
/// [`super::lenient`] turns this into a problem naming the dataset and the field.
pub(super) fn frames_problem(frames: &toml::Value) -> Option<String> {
    match frames.as_str() {
        Some(text) => FrameSelection::try_from(text.to_string()).err(),
        None => Some(format!(
            "frames = {frames} is not a string: write it quoted, e.g. \"uniform:8\""
        )),
    }
}

impl DatasetSpec {
    /// A dataset entry with every option at its default (what a suite gets by omitting them).
    pub fn new(name: &str, format: &str, root: &Path) -> DatasetSpec {
        DatasetSpec {
            name: name.to_string(),
            format: format.to_string(),
            root: root.to_path_buf(),
            sets: Vec::new(),
            absent: BTreeMap::new(),
            split: None,
            compression: None,
            frames: None,
            legacy_video_key: false,
            label_map: BTreeMap::new(),
            json_dir: None,
            manifest: None,
            tree: None,
            domain: None,
            exif_orientation: None,
            max_pixels: None,
            follow_symlinks: false,
        }
    }

    /// How this dataset's images are decoded: its `max_pixels` (default 64 MP) and its
    /// `exif_orientation` (default per format, [`default_exif_orientation`]). An invalid value
    /// (a suite problem) reads as the default.
    pub fn decode_options(&self) -> DecodeOptions {
        DecodeOptions {
            max_pixels: self.max_pixels.unwrap_or(DEFAULT_MAX_PIXELS),
            exif_orientation: self
                .exif_orientation
                .as_deref()
                .and_then(ExifOrientation::parse)
                .unwrap_or_else(|| default_exif_orientation(&self.format)),
        }
    }

    /// The sets marked `absent`, in `sets` order, as the datasets they would have been.
    pub fn absent_sets(&self) -> Vec<AbsentSet> {
        self.sets
            .iter()
            .filter_map(|set| {
                self.absent.get(set).map(|reason| AbsentSet {
                    dataset: crate::adapter::set_dataset_name(&self.name, set),
                    reason: reason.clone(),
                })
            })
            .collect()
    }

    /// The sets to read: `sets` without the absent ones.
    pub fn present_sets(&self) -> Vec<String> {
        self.sets
            .iter()
            .filter(|set| !self.absent.contains_key(*set))
            .cloned()
            .collect()
    }

    /// The split to evaluate.
    pub fn split_name(&self) -> &str {
        self.split.as_deref().unwrap_or("test")
    }

    /// The FF++ compression to evaluate when a set name does not force one.
    pub fn compression_name(&self) -> &str {
        self.compression.as_deref().unwrap_or("c23")
    }

    /// The frame selection (`all` for still-image formats that do not name one).
    pub fn frame_selection(&self) -> FrameSelection {
        self.frames.clone().unwrap_or(FrameSelection::All)
    }
}
