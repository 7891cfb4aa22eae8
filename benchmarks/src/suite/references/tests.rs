//! Tests of `[[reference]]` parsing and validation.
use super::super::*;

const BASE: &str = r#"
name = "r"
[[datasets]]
name = "demo"
format = "cnnspot"
root = "demo-data/cnnspot"
[[datasets]]
name = "cross"
format = "dfb-json"
root = "rgb:"
json_dir = "rgb:../json"
sets = ["Celeb-DF-v2", "DFDC"]
frames = "first:32"
[[detectors]]
name = "spectral"
kind = "builtin"
"#;

const GOOD_REFERENCE: &str = r#"
[[reference]]
detector = "spectral"
dataset = "cross/Celeb-DF-v2"
level = "frame"
auc = 0.7365
source = "DeepfakeBench README (Results table)"
kind = "top3-mean-during-training"
tolerance = 0.02
"#;

fn with(reference: &str) -> String {
    format!("{BASE}{reference}")
}

fn problems_of(text: &str) -> String {
    Suite::parse(text, "refs.toml")
        .expect_err("problems")
        .to_string()
}

#[test]
fn a_good_reference_parses_and_is_active() {
    let suite = Suite::parse(&with(GOOD_REFERENCE), "refs.toml").expect("valid");
    assert_eq!(suite.references.len(), 1);
    let reference = &suite.references[0];
    assert_eq!(reference.metric(), Some(("auc", 0.7365)));
    assert_eq!(reference.tolerance(), 0.02);
    assert_eq!(suite.active_references().len(), 1);
    assert!(suite.reference_warnings().is_empty());
    // A dataset without sets is named by its entry.
    let plain = GOOD_REFERENCE.replace("cross/Celeb-DF-v2", "demo");
    Suite::parse(&with(&plain), "refs.toml").expect("plain dataset");
}

#[test]
fn a_reference_to_a_detector_not_in_the_suite_is_a_warning() {
    let text = with(&GOOD_REFERENCE.replace("\"spectral\"", "\"xception\""));
    let suite = Suite::parse(&text, "refs.toml").expect("still valid");
    assert!(suite.active_references().is_empty());
    let warnings = suite.reference_warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("`xception`"), "{warnings:?}");
    assert!(
        warnings[0].contains("its detectors: spectral"),
        "{warnings:?}"
    );
}

#[test]
fn each_bad_entry_is_a_problem_naming_the_entry() {
    let cases = [
        (
            GOOD_REFERENCE.replace("cross/Celeb-DF-v2", "cross/Celeb-DF-v3"),
            "unknown dataset `cross/Celeb-DF-v3`: name it as the run stores it, one of demo, cross/Celeb-DF-v2, cross/DFDC",
        ),
        (
            GOOD_REFERENCE.replace("\"frame\"", "\"image\""),
            "unknown level `image`: use one of frame, clip, video, video-max, video-dfb",
        ),
        (
            GOOD_REFERENCE.replace("auc = 0.7365\n", ""),
            "no published value: give one of auc, ap, eer, acc",
        ),
        (
            GOOD_REFERENCE.replace("auc = 0.7365\n", "auc = 0.7365\nap = 0.8\n"),
            "gives auc and ap: give one metric per [[reference]]",
        ),
        (
            GOOD_REFERENCE.replace("0.7365", "73.65"),
            "auc = 73.65 is not between 0 and 1",
        ),
        (
            GOOD_REFERENCE.replace("source = \"DeepfakeBench README (Results table)\"\n", ""),
            "`source` is missing",
        ),
        (
            GOOD_REFERENCE.replace("top3-mean-during-training", "top3"),
            "unknown kind `top3`: use one of top3-mean-during-training, best-during-training, released-checkpoint, paper, own-run",
        ),
        (
            GOOD_REFERENCE.replace("tolerance = 0.02\n", ""),
            "`tolerance` is missing",
        ),
        (
            GOOD_REFERENCE.replace("tolerance = 0.02", "tolerance = -0.1"),
            "tolerance = -0.1 must be at least 0",
        ),
        (
            format!("{GOOD_REFERENCE}{GOOD_REFERENCE}"),
            "a second auc reference for the same detector, dataset and level",
        ),
        (
            GOOD_REFERENCE.replace("tolerance", "tolerence"),
            "unknown field `tolerence` in [[reference]] entry number 1 (detector `spectral`, dataset `cross/Celeb-DF-v2`): did you mean `tolerance`?",
        ),
    ];
    for (reference, needle) in cases {
        let message = problems_of(&with(&reference));
        assert!(message.contains(needle), "{needle}\n{message}");
        assert!(message.contains("refs.toml"), "{message}");
        if !needle.starts_with("unknown field") {
            assert!(
                message.contains("[[reference]] number 1 (detector `spectral`")
                    || message.contains("[[reference]] number 2 (detector `spectral`"),
                "{message}"
            );
        }
    }
}

#[test]
fn references_do_not_change_what_is_scored() {
    let plain = Suite::parse(BASE, "r").expect("valid");
    let referenced = Suite::parse(&with(GOOD_REFERENCE), "r").expect("valid");
    assert_eq!(plain.datasets, referenced.datasets);
    assert_eq!(plain.detectors, referenced.detectors);
    assert_eq!(plain.perturbations, referenced.perturbations);
}

#[test]
fn the_shipped_ffpp_cross_suite_parses_with_its_references() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/suites/ffpp-cross.toml");
    let suite = Suite::load(std::path::Path::new(path)).expect("valid");
    assert!(
        suite.references.len() >= 7 * 7,
        "{}",
        suite.references.len()
    );
    assert!(
        suite
            .references
            .iter()
            .all(|r| r.kind == "top3-mean-during-training")
    );
    // The released-checkpoint detectors are commented out: their references are not checked.
    assert!(suite.active_references().is_empty());
    assert_eq!(suite.reference_warnings().len(), 7);
}
