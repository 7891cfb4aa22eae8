//! Property tests (issue 20, "parsers never panic"): the suite parser, the detector card parser,
//! the CSV-manifest reader and the DFB-JSON reader are fed arbitrary bytes, arbitrary strings and
//! valid documents with random bytes or syntax fragments spliced in. Each must return (an error
//! or a value), never panic. 256 cases per property by default; `PROPTEST_CASES` raises it.

use dfbench_benchmarks::adapter::{self, frames::FrameSelection};
use dfbench_benchmarks::card::DetectorCard;
use dfbench_benchmarks::{DataRoots, DatasetSpec, Suite};
use proptest::prelude::*;
use proptest::test_runner::Config;
use std::path::Path;

/// A suite using every dataset option the parser knows, so mutations reach each field.
const SUITE: &str = r#"name = "fuzz"
description = "d"
shard_size = 8
perturbations = ["none", "jpeg:q=95,75", "preset:univfd", "blur:sigma=1"]
[roots]
rgb = "data/rgb"
[[datasets]]
name = "v"
format = "dfb-json"
root = "rgb:"
json_dir = "rgb:json"
sets = ["FF-DF", "FaceForensics++_c40", "gone"]
absent = { gone = "not released" }
frames = "uniform:8"
label_map = { "My_Real" = 0, "My_Fake" = 1 }
legacy_video_key = true
[[datasets]]
name = "c"
format = "csv"
root = "c"
manifest = "c/m.csv"
frames = "first:4"
[[datasets]]
name = "d"
format = "dire"
root = "dire"
tree = "images"
domain = "lsun_bedroom"
sets = ["adm"]
[[detectors]]
name = "spectral"
kind = "builtin"
[[detectors]]
name = "m"
kind = "onnx"
card = "m.toml"
"#;

/// A valid image card (every field set).
const CARD: &str = r#"model = "m.onnx"
input = "image"
input_size = 224
resize = "shorter-crop"
resize_shorter = 256
interpolation = "pil:bilinear"
normalize = "imagenet"
channel_order = "rgb"
output = "two-class"
batch_size = 16
"#;

/// A valid thumbnail card (the clip fields).
const CLIP_CARD: &str = include_str!("../cards/tall.toml");

/// A valid manifest: stills and a two-frame video.
const MANIFEST: &str = "path,label,video,method,split,subset\n\
a/0.png,0,,,test,s\n\
b\\1.png,fake,v1,m,test,s\n\
b/2.png,My_Fake,v1,m,test,s\n";

/// A valid DFB JSON for set `FF-DF` (FF++ family: with a compression level).
const DFB_JSON: &str = r#"{"FF-DF": {"FF-real": {"test": {"c23": {"000": {"label": "FF-real", "frames": ["FaceForensics++\\original\\000\\0.png", "./x/1.png"], "masks": []}}}}, "FF-DF": {"train": {}, "test": {"c23": {"000_003": {"label": "FF-DF", "frames": ["datasets/rgb/y/2.png", "y/3.png"]}}}}}}"#;

/// Syntax fragments spliced into valid documents: they reach deeper than random bytes.
const FRAGMENTS: &[&str] = &[
    "\"",
    "'",
    "=",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "\n",
    "\\",
    "[[datasets]]\n",
    "[[detectors]]\n",
    "[roots]\n",
    "frames = \"uniform:0\"\n",
    "frames = \"first:18446744073709551616\"\n",
    "frames = 3\n",
    "shard_size = -1\n",
    "shard_size = 18446744073709551615\n",
    "input_size = 4294967296\n",
    "batch_size = 0\n",
    "unknown = 1\n",
    "9223372036854775807",
    "-9223372036854775808",
    "1e999",
    "nan",
    "null",
    "true",
    "[]",
    "{}",
    "\u{0}",
    "\u{feff}",
    "é",
    "../",
    "/",
    "rgb:",
    "label",
    "path",
    "frames",
];

fn config() -> Config {
    Config {
        // Keep the run to seconds; PROPTEST_CASES still overrides.
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|cases| cases.parse().ok())
            .unwrap_or(256),
        failure_persistence: None,
        ..Config::default()
    }
}

/// Edits of a document: (position, how many bytes to remove, what to insert).
type Edit = (prop::sample::Index, usize, Vec<u8>);

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let insert = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..12),
        prop::sample::select(FRAGMENTS).prop_map(|fragment| fragment.as_bytes().to_vec()),
    ];
    prop::collection::vec((any::<prop::sample::Index>(), 0usize..8, insert), 1..6)
}

/// `document` with `edits` applied in order.
fn mutate(document: &str, edits: &[Edit]) -> Vec<u8> {
    let mut bytes = document.as_bytes().to_vec();
    for (at, remove, insert) in edits {
        let start = at.index(bytes.len() + 1);
        let end = (start + remove).min(bytes.len());
        bytes.splice(start..end, insert.iter().copied());
    }
    bytes
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Enumerates a one-dataset spec over `root`; only a panic fails (errors are fine).
fn enumerate(spec: &DatasetSpec, root: &Path) {
    let outcome = adapter::enumerate(spec, &DataRoots::new(root));
    if let Ok(found) = outcome {
        // Touch the results so nothing is optimised away.
        let _ = found
            .datasets
            .iter()
            .map(|d| d.samples.len())
            .sum::<usize>();
    }
}

/// Writes `bytes` as the manifest of a csv dataset and reads it.
fn read_manifest(bytes: &[u8]) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("manifest.csv"), bytes).expect("write manifest");
    let mut spec = DatasetSpec::new("m", "csv", dir.path());
    spec.frames = Some(FrameSelection::Uniform(2));
    enumerate(&spec, dir.path());
}

/// Writes `bytes` as `FF-DF.json` (and `Other.json`, a non-FF set) and reads both sets.
fn read_dfb_json(bytes: &[u8]) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("FF-DF.json"), bytes).expect("write json");
    std::fs::write(dir.path().join("Other.json"), bytes).expect("write json");
    for set in ["FF-DF", "FF-DF_c40", "Other"] {
        let mut spec = DatasetSpec::new("j", "dfb-json", dir.path());
        spec.json_dir = Some(dir.path().display().to_string());
        spec.sets = vec![set.to_string()];
        spec.frames = Some(FrameSelection::First(1));
        enumerate(&spec, dir.path());
    }
}

#[test]
fn the_seed_documents_are_valid() {
    // The mutations start from valid documents, so a mutation reaches past the first check.
    Suite::parse(SUITE, "seed").unwrap_or_else(|error| panic!("{error}"));
    DetectorCard::parse(CARD, "seed").unwrap_or_else(|error| panic!("{error}"));
    DetectorCard::parse(CLIP_CARD, "seed").unwrap_or_else(|error| panic!("{error}"));
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("manifest.csv"), MANIFEST).expect("write");
    let mut spec = DatasetSpec::new("m", "csv", dir.path());
    spec.frames = Some(FrameSelection::All);
    let found = adapter::enumerate(&spec, &DataRoots::new(dir.path()))
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(found.datasets.len(), 1);
    std::fs::write(dir.path().join("FF-DF.json"), DFB_JSON).expect("write");
    let mut spec = DatasetSpec::new("j", "dfb-json", dir.path());
    spec.json_dir = Some(dir.path().display().to_string());
    spec.sets = vec!["FF-DF".to_string()];
    spec.frames = Some(FrameSelection::All);
    let found = adapter::enumerate(&spec, &DataRoots::new(dir.path()))
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(found.datasets.len(), 1);
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn suite_parser_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = Suite::parse(&text(&bytes), "fuzz.toml");
    }

    #[test]
    fn suite_parser_never_panics_on_strings(text in any::<String>()) {
        let _ = Suite::parse(&text, "fuzz.toml");
    }

    #[test]
    fn suite_parser_never_panics_on_mutated_suites(edits in edits()) {
        let _ = Suite::parse(&text(&mutate(SUITE, &edits)), "fuzz.toml");
    }

    #[test]
    fn card_parser_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = DetectorCard::parse(&text(&bytes), "card.toml");
    }

    #[test]
    fn card_parser_never_panics_on_mutated_cards(edits in edits()) {
        let _ = DetectorCard::parse(&text(&mutate(CARD, &edits)), "card.toml");
    }

    #[test]
    fn card_parser_never_panics_on_mutated_clip_cards(edits in edits()) {
        let _ = DetectorCard::parse(&text(&mutate(CLIP_CARD, &edits)), "card.toml");
    }

    #[test]
    fn manifest_reader_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        read_manifest(&bytes);
    }

    #[test]
    fn manifest_reader_never_panics_on_mutated_manifests(edits in edits()) {
        read_manifest(&mutate(MANIFEST, &edits));
    }

    #[test]
    fn dfb_json_reader_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        read_dfb_json(&bytes);
    }

    #[test]
    fn dfb_json_reader_never_panics_on_mutated_jsons(edits in edits()) {
        read_dfb_json(&mutate(DFB_JSON, &edits));
    }
}
