//! Names a user types become listings, references and file names: control characters and empty
//! tags are refused, a run name never becomes a path, and `runs --format json` is for scripts.

mod support;

use support::*;

const DB: &str = "sqlite:names.db";

#[test]
fn names_are_checked_never_paths_and_listed_as_json() {
    let dir = tempfile::tempdir().expect("tmp");
    let work = dir.path();
    run_ok(&["synth", "--out", "data"], work);
    std::fs::write(work.join("suite.toml"), demo_suite("names", 8)).expect("suite");
    let base = [
        "run",
        "suite.toml",
        "--database-url",
        DB,
        "--workers",
        "1",
        "--limit",
        "4",
    ];
    for (extra, said) in [
        (vec!["--name", "night\nly"], "control character"),
        (vec!["--tag", ""], "empty --tag"),
        (vec!["--tag", "a\tb"], "control character"),
    ] {
        let output = dfbench()
            .args(base)
            .args(&extra)
            .current_dir(work)
            .output()
            .expect("spawn");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{extra:?}");
        assert!(stderr.contains(said), "{extra:?}: {stderr}");
    }

    let sneaky = "x/../../escaped";
    run_ok(
        &[&base[..], &["--name", sneaky, "--tag", "t1"]].concat(),
        work,
    );
    run_ok(&["history", "--name", sneaky, "--database-url", DB], work);
    assert!(!work.join("escaped").exists() && !dir.path().join("../escaped").exists());
    let folders: Vec<String> = std::fs::read_dir(work.join("reports-out"))
        .expect("reports-out")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .to_string()
        })
        .filter(|name| name.starts_with("history-"))
        .collect();
    assert_eq!(folders, ["history-x_.._.._escaped"]);

    let listing = run_ok(&["runs", "--database-url", DB, "--format", "json"], work);
    let runs: serde_json::Value = serde_json::from_slice(&listing.stdout).expect("json");
    let runs = runs.as_array().expect("an array");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["name"], sneaky);
    assert_eq!(runs[0]["tags"], serde_json::json!(["t1"]));
    assert_eq!(runs[0]["partial"], true);
    assert_eq!(runs[0]["predictions"], 8, "4 samples × 2 detectors");
}
