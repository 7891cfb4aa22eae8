//! Tests of suite parsing, validation and dataset options.
use super::*;
use crate::adapter::frames::FrameSelection;

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

const VIDEO: &str = r#"
name = "v"
[roots]
rgb = "datasets/rgb"
[[datasets]]
name = "ff"
format = "dfb-json"
root = "rgb:"
json_dir = "rgb:../json"
sets = ["FF-DF", "FaceForensics++_c40"]
frames = "first:32"
[[detectors]]
name = "npr"
kind = "builtin"
"#;

#[test]
fn video_dataset_options_parse_and_frames_are_explicit() {
    let suite = Suite::parse(VIDEO, "v.toml").expect("valid");
    let dataset = &suite.datasets[0];
    assert_eq!(dataset.frame_selection(), FrameSelection::First(32));
    assert_eq!(
        (dataset.split_name(), dataset.compression_name()),
        ("test", "c23")
    );
    assert_eq!(suite.roots["rgb"], "datasets/rgb");
    let error = Suite::parse(&VIDEO.replace("frames = \"first:32\"\n", ""), "v.toml")
        .expect_err("frames missing");
    assert!(
        error.to_string().contains("`frames` is required"),
        "{error}"
    );
    let error =
        Suite::parse(&VIDEO.replace("first:32", "first:0"), "v.toml").expect_err("bad frames");
    assert!(error.to_string().contains("uniform:N"), "{error}");
}

#[test]
fn a_bad_frames_value_names_the_suite_file_the_dataset_and_the_field() {
    for (value, says) in [
        ("\"uniform:eight\"", "uniform:N"),
        ("\"last:3\"", "first:N"),
        ("8", "is not a string"),
    ] {
        let text = VIDEO.replace("\"first:32\"", value);
        let message = Suite::parse(&text, "suites/v.toml")
            .expect_err("bad frames")
            .to_string();
        assert!(message.contains("suites/v.toml"), "{message}");
        assert!(
            message.contains("dataset `ff`, field `frames`"),
            "{message}"
        );
        assert!(message.contains(says), "{message}");
    }
}

#[test]
fn dataset_option_problems_are_all_reported() {
    let text = VIDEO
        .replace(
            "json_dir = \"rgb:../json\"\n",
            "tree = \"maps\"\nlabel_map = { X = 2 }\n",
        )
        .replace("[roots]\n", "[roots]\nb = \"x\"\n");
    let error = Suite::parse(&text, "v.toml").expect_err("problems");
    let message = error.to_string();
    for needle in [
        "needs `json_dir`",
        "option `tree` does not apply",
        "not a DiffusionForensics tree",
        "maps `X` to 2",
        "root name `b`",
    ] {
        assert!(message.contains(needle), "{needle}: {message}");
    }
}

#[test]
fn perturbation_grids_and_presets_expand_to_canonical_ids() {
    let text = format!(
        "perturbations = [\"none\", \"jpeg:q=95,75\", \"blur:sigma=1.0,2\", \"rescale:0.5\", \"preset:aigcdb\"]\n{GOOD}"
    );
    let suite = Suite::parse(&text, "grid.toml").expect("valid grid");
    assert_eq!(
        suite.perturbations,
        [
            "none",
            "jpeg:q=95",
            "jpeg:q=75",
            "blur:sigma=1",
            "blur:sigma=2",
            "rescale:0.5",
            "rescale-down:0.5"
        ]
    );
    // Parsing the expanded list again changes nothing.
    let again = format!("perturbations = {:?}\n{GOOD}", suite.perturbations);
    assert_eq!(
        Suite::parse(&again, "again").expect("valid").perturbations,
        suite.perturbations
    );
}

#[test]
fn bad_perturbation_entries_are_named_with_the_syntax() {
    let text = format!("perturbations = [\"none\", \"jpeg:q=95,500\", \"preset:nope\"]\n{GOOD}");
    let message = Suite::parse(&text, "bad.toml")
        .expect_err("invalid")
        .to_string();
    assert!(message.contains("entry `jpeg:q=95,500`"), "{message}");
    assert!(message.contains("from 1 to 100"), "{message}");
    assert!(message.contains("entry `preset:nope`"), "{message}");
    assert!(message.contains("univfd, aigcdb"), "{message}");
    assert!(message.contains("blur:sigma=S"), "{message}");
}

#[test]
fn absent_sets_must_be_listed_in_sets_and_give_a_reason() {
    let entry = |absent: &str| {
        format!(
            "name = \"t\"\n[[datasets]]\nname = \"df40\"\nformat = \"df40\"\nroot = \"rgb\"\nframes = \"all\"\nsets = [\"heygen\", \"deepfacelab\"]\n{absent}\n[[detectors]]\nname = \"npr\"\nkind = \"builtin\"\n"
        )
    };
    let suite = Suite::parse(
        &entry("absent = { deepfacelab = \"not in the DF40 release\" }"),
        "s",
    )
    .expect("valid");
    let absent = suite.absent_sets();
    assert_eq!(absent.len(), 1);
    assert_eq!(
        (absent[0].dataset.as_str(), absent[0].reason.as_str()),
        ("df40/deepfacelab", "not in the DF40 release")
    );
    assert_eq!(suite.datasets[0].present_sets(), ["heygen"]);
    let error = Suite::parse(
        &entry("absent = { rddm = \"x\", deepfacelab = \" \" }"),
        "s",
    )
    .expect_err("two problems")
    .to_string();
    assert!(
        error.contains("`rddm`, which is not in `sets`") && error.contains("no reason"),
        "{error}"
    );
    let cnnspot = GOOD.replace(
        "root = \"demo-data/cnnspot\"",
        "root = \"d\"\nabsent = { a = \"b\" }",
    );
    let error = Suite::parse(&cnnspot, "s")
        .expect_err("cnnspot has no sets")
        .to_string();
    assert!(error.contains("option `absent` does not apply"), "{error}");
}

#[test]
fn an_unknown_field_does_not_hide_the_other_problems() {
    // Issue 20: serde stops at the first unknown field; every problem is still reported.
    let text = VIDEO
        .replace("\"first:32\"", "\"uniform:eight\"\nfames = 3")
        .replace("[roots]\n", "shard_sise = 3\n[roots]\n")
        .replace("kind = \"builtin\"", "kind = \"tflite\"\ncrad = \"x.toml\"");
    let message = Suite::parse(&text, "v.toml")
        .expect_err("problems")
        .to_string();
    for needle in [
        "v.toml",
        "unknown field `shard_sise` at the top level of the suite: did you mean `shard_size`?",
        "unknown field `fames` in [[datasets]] entry `ff`: did you mean `frames`?",
        "accepted fields: name, format, root,",
        "dataset `ff`, field `frames`",
        "unknown field `crad` in [[detectors]] entry",
        "has unknown kind `tflite`",
    ] {
        assert!(message.contains(needle), "{needle}: {message}");
    }
    assert!(!message.contains("`frames` is required"), "{message}");
}

#[test]
fn parse_lenient_returns_the_suite_with_its_problems() {
    let text =
        format!("{GOOD}\nshard_sise = 3\n").replace("[[datasets]]\n", "[[datasets]]\nrot = 1\n");
    let (suite, problems) = Suite::parse_lenient(&text, "s").expect("a suite");
    assert_eq!(suite.datasets[0].name, "demo");
    assert_eq!(problems.len(), 2, "{problems:?}");
    let (_, none) = Suite::parse_lenient(GOOD, "s").expect("a suite");
    assert!(none.is_empty(), "{none:?}");
}

#[test]
fn a_suite_that_cannot_be_built_still_names_its_unknown_fields() {
    // `name` missing: no suite, but the unknown field is still reported with the serde error.
    let text = format!("{GOOD}\nshard_sise = 3\n").replace("name = \"t\"\n", "");
    let message = Suite::parse(&text, "s").expect_err("no name").to_string();
    assert!(message.contains("shard_sise"), "{message}");
    assert!(message.contains("missing field `name`"), "{message}");
    // Not TOML at all: the TOML error, with its line.
    let message = Suite::parse("name = ", "s")
        .expect_err("not toml")
        .to_string();
    assert!(message.contains("not valid TOML"), "{message}");
}

#[test]
fn the_accepted_field_lists_match_the_structs() {
    fn keys<T: Serialize>(value: &T) -> Vec<String> {
        let json = serde_json::to_value(value).unwrap_or_default();
        let mut keys: Vec<String> = json
            .as_object()
            .map(|object| object.keys().cloned().collect())
            .unwrap_or_default();
        keys.sort();
        keys
    }
    fn sorted(names: &[&str]) -> Vec<String> {
        let mut names: Vec<String> = names.iter().map(|name| name.to_string()).collect();
        names.sort();
        names
    }
    let referenced = format!(
        "{GOOD}[[reference]]\ndetector = \"spectral\"\ndataset = \"demo\"\nlevel = \"frame\"\n\
         auc = 0.9\nsource = \"s\"\nkind = \"paper\"\ntolerance = 0.02\n"
    );
    let suite = Suite::parse(&referenced, "s").expect("valid");
    assert_eq!(keys(&suite), sorted(lenient::SUITE_FIELDS));
    assert_eq!(keys(&suite.datasets[0]), sorted(lenient::DATASET_FIELDS));
    assert_eq!(keys(&suite.detectors[0]), sorted(lenient::DETECTOR_FIELDS));
    assert_eq!(
        keys(&suite.references[0]),
        sorted(lenient::REFERENCE_FIELDS)
    );
}

/// `exif_orientation` defaults to the format's reference loader (OpenCV `apply` for
/// DeepfakeBench layouts, PIL `ignore` for the rest), the field overrides it, and a bad value
/// or an out-of-range `max_pixels` is a problem naming the dataset.
#[test]
fn decode_options_default_by_layout_and_the_fields_override_them() {
    use crate::image_io::{DEFAULT_MAX_PIXELS, ExifOrientation};
    let dfb = GOOD.replace(
        "format = \"cnnspot\"",
        "format = \"ffpp\"\nframes = \"all\"",
    );
    let options = |text: &str| Suite::parse(text, "s").expect("valid").datasets[0].decode_options();
    assert_eq!(options(GOOD).exif_orientation, ExifOrientation::Ignore);
    assert_eq!(options(GOOD).max_pixels, DEFAULT_MAX_PIXELS);
    assert_eq!(options(&dfb).exif_orientation, ExifOrientation::Apply);
    for format in ["dfb-json", "df40"] {
        assert_eq!(
            DatasetSpec::new("d", format, Path::new("r"))
                .decode_options()
                .exif_orientation,
            ExifOrientation::Apply
        );
    }
    for format in ["dire", "csv"] {
        assert_eq!(
            DatasetSpec::new("d", format, Path::new("r"))
                .decode_options()
                .exif_orientation,
            ExifOrientation::Ignore
        );
    }
    let field = "root = \"demo-data/cnnspot\"";
    let applied = GOOD.replace(
        field,
        &format!("{field}\nexif_orientation = \"apply\"\nmax_pixels = 1000"),
    );
    assert_eq!(options(&applied).exif_orientation, ExifOrientation::Apply);
    assert_eq!(options(&applied).max_pixels, 1000);
    let ignored = dfb.replace(field, &format!("{field}\nexif_orientation = \"ignore\""));
    assert_eq!(options(&ignored).exif_orientation, ExifOrientation::Ignore);

    let bad = GOOD.replace(
        field,
        &format!("{field}\nexif_orientation = \"rotate\"\nmax_pixels = 0"),
    );
    let message = Suite::parse(&bad, "s").expect_err("bad").to_string();
    assert!(
        message.contains("dataset `demo`: `exif_orientation = \"rotate\"`"),
        "{message}"
    );
    assert!(
        message.contains("`max_pixels = 0` is out of range"),
        "{message}"
    );
    let huge = GOOD.replace(field, &format!("{field}\nmax_pixels = 5000000000"));
    let message = Suite::parse(&huge, "s").expect_err("huge").to_string();
    assert!(message.contains("max_pixels = 5000000000"), "{message}");
}

#[test]
fn a_prepare_detector_is_alone_over_videos_with_its_recipe_and_folder() {
    let good = "name = \"p\"\n[[datasets]]\nname = \"v\"\nformat = \"videos\"\nroot = \"videos\"\n\
                [[detectors]]\nname = \"prepare\"\nkind = \"prepare\"\nrecipe = \"{}\"\nout = \"o\"\n";
    let suite = Suite::parse(good, "p").expect("valid prepare suite");
    assert!(suite.detectors[0].is_prepare());
    let bad = format!(
        "{}{}",
        good.replace("format = \"videos\"", "format = \"cnnspot\"")
            .replace("out = \"o\"\n", ""),
        "[[detectors]]\nname = \"spectral\"\nkind = \"builtin\"\nout = \"o\"\n"
    );
    match Suite::parse(&bad, "p").expect_err("four problems") {
        SuiteError::Invalid { problems, .. } => {
            let text = problems.join("\n");
            for expected in [
                "needs `recipe` and `out`",
                "only detector",
                "`videos` datasets only",
                "only a `prepare` detector",
            ] {
                assert!(text.contains(expected), "{expected}: {text}");
            }
        }
        other => panic!("{other}"),
    }
}
