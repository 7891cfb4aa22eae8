//! Error messages a new user meets when a store or a dataset is not where it should be: a
//! PostgreSQL port nobody listens on, a SQLite path in a missing folder, and a CSV manifest row
//! whose file is missing. Each is said once, at once, with its cause and what to do.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};
use support::*;

fn output_of(args: &[&str], cwd: &Path) -> (Option<i32>, String) {
    let output = dfbench()
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("spawn dfbench");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

#[test]
fn a_postgres_port_nobody_listens_on_fails_at_once_naming_it() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let dir = tempfile::tempdir().expect("tmp");
    let url = format!("postgres://dfbench@127.0.0.1:{port}/dfbench");
    let started = Instant::now();
    let (code, stderr) = output_of(&["status", "--database-url", &url], dir.path());
    let waited = started.elapsed();
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("connection refused"), "{stderr}");
    assert!(stderr.contains(&format!("127.0.0.1:{port}")), "{stderr}");
    assert!(!stderr.contains("pool timed out"), "{stderr}");
    assert!(
        waited < Duration::from_secs(5),
        "took {waited:?} to say: {stderr}"
    );
}

#[test]
fn a_sqlite_path_in_a_missing_folder_is_one_line_naming_the_folder() {
    let dir = tempfile::tempdir().expect("tmp");
    let work = dir.path();
    std::fs::write(work.join("suite.toml"), demo_suite("nowhere", 8)).expect("suite");
    let folder = work.join("missing");
    let url = format!("sqlite:{}", folder.join("x.db").display());
    let (code, stderr) = output_of(&["run", "suite.toml", "--database-url", &url], work);
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line:\n{stderr}");
    assert_eq!(stderr.matches("does not exist").count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("its folder {} does not exist", folder.display())),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("mkdir -p {}", folder.display())),
        "{stderr}"
    );
    assert!(!stderr.contains("server"), "{stderr}");
    assert!(!stderr.contains("unable to open"), "{stderr}");
    assert!(!folder.exists());
}

#[test]
fn a_manifest_row_whose_file_is_missing_is_refused_without_saying_it_stays() {
    let dir = tempfile::tempdir().expect("tmp");
    let work = dir.path();
    run_ok(&["synth", "--out", "data"], work);
    let root = work.join("data/cnnspot");
    let listed: Vec<String> = image_files(&root).into_iter().take(2).collect();
    assert_eq!(listed.len(), 2);
    let manifest = format!(
        "path,label\n{},0\n{},1\nnot/there.png,1\n",
        listed[0], listed[1]
    );
    std::fs::write(root.join("manifest.csv"), manifest).expect("manifest");
    let suite = "name = \"listed\"\n[[datasets]]\nname = \"listed\"\nformat = \"csv\"\n\
                 root = \"data/cnnspot\"\n[[detectors]]\nname = \"npr\"\nkind = \"builtin\"\n";
    std::fs::write(work.join("suite.toml"), suite).expect("suite");
    let mut run = vec!["run", "suite.toml", "--database-url", "sqlite:csv.db"];
    run.extend(["--out", "reports"]);

    let (code, stderr) = output_of(&run, work);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("the run was not started"), "{stderr}");
    assert!(stderr.contains("not/there.png"), "{stderr}");
    assert!(stderr.contains("--allow-missing"), "{stderr}");
    assert!(
        !stderr.contains("stay in the run"),
        "a refused run says nothing stays in it:\n{stderr}"
    );

    run.push("--allow-missing");
    let output = run_ok(&run, work);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("they stay in the run and become failed predictions"),
        "{stderr}"
    );
}
