//! `dfbench verify` with real processes: a coordinator, the worker that scored the original run,
//! and later a second worker. The verification run must not be leased to the original worker
//! (exit 2 while it is alone), and once another worker takes it, deterministic built-ins agree
//! exactly (exit 0, max |diff| 0).

mod support;

use support::*;

const SUITE: &str = r#"
name = "verify"
shard_size = 40
[[datasets]]
name = "demo"
format = "cnnspot"
root = "data/cnnspot"
[[detectors]]
name = "spectral"
kind = "builtin"
"#;

#[test]
fn verification_runs_only_on_other_workers_and_agrees() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    run_ok(&["synth", "--out", "data"], work);
    std::fs::write(work.join("suite.toml"), SUITE).expect("suite");
    let database_url = format!("sqlite:{}", work.join("verify.db").display());
    let (_coordinator, url) = start_coordinator(&database_url, &["--heartbeat-secs", "0.5"]);
    let _original_worker = start_worker(&url, "original");
    let output = run_ok(&["run", "suite.toml", "--coordinator", &url], work);
    let run_id = run_id_from(&String::from_utf8_lossy(&output.stderr));

    let verify = |timeout: &str| {
        dfbench()
            .args([
                "verify",
                "--run",
                &run_id,
                "--fraction",
                "0.1",
                "--coordinator",
                &url,
                "--database-url",
                &database_url,
                "--timeout-secs",
                timeout,
            ])
            .current_dir(work)
            .output()
            .expect("spawn verify")
    };
    let alone = verify("3");
    assert_eq!(alone.status.code(), Some(2), "{alone:?}");
    assert!(String::from_utf8_lossy(&alone.stderr).contains("no worker other than the original"));

    let _other_worker = start_worker(&url, "other");
    let verified = verify("120");
    let stdout = String::from_utf8_lossy(&verified.stdout);
    assert_eq!(verified.status.code(), Some(0), "{verified:?}");
    assert!(
        stdout.contains("spectral")
            && stdout.contains("24 samples")
            && stdout.contains("max |diff| 0.000e0"),
        "{stdout}"
    );
}
