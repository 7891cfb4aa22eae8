//! Tests of suite parsing, validation and dataset options.
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
