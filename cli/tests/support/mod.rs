//! Helpers for tests that drive the real `dfbench` binary as separate processes.
#![allow(dead_code)]

pub mod figures;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub fn dfbench() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dfbench"));
    command
        .env("RUST_LOG", "warn")
        .env_remove("DFBENCH_DATABASE_URL")
        .env_remove("DFBENCH_COORDINATOR")
        .env_remove("DFBENCH_SERVE_ROOTS");
    command
}

/// Runs `dfbench ARGS` to completion and fails the test with its output when it fails.
pub fn run_ok(args: &[&str], cwd: &Path) -> Output {
    let output = dfbench()
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("spawn dfbench");
    assert!(
        output.status.success(),
        "dfbench {args:?} failed with {}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A child process killed with SIGKILL when dropped.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `dfbench coordinator` on a free loopback port; returns it and its URL.
pub fn start_coordinator(database_url: &str, extra: &[&str]) -> (KillOnDrop, String) {
    start_coordinator_at("127.0.0.1:0", database_url, extra)
}

pub fn start_worker(url: &str, name: &str) -> KillOnDrop {
    let child = dfbench()
        .args([
            "worker",
            "--coordinator",
            url,
            "--worker-id",
            name,
            "--threads",
            "1",
        ])
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn worker");
    KillOnDrop(child)
}

/// The single run folder written under `reports`.
pub fn single_run_folder(reports: &Path) -> PathBuf {
    let folders: Vec<PathBuf> = std::fs::read_dir(reports)
        .expect("reports folder")
        .map(|entry| entry.expect("entry").path())
        .collect();
    assert_eq!(
        folders.len(),
        1,
        "expected one run folder in {}",
        reports.display()
    );
    folders[0].clone()
}

/// The run id a report folder is named after.
pub fn run_id_of(folder: &Path) -> String {
    folder
        .file_name()
        .expect("run folder name")
        .to_string_lossy()
        .to_string()
}

/// One exported prediction.
#[derive(Debug, Clone)]
pub struct Exported {
    pub detector: String,
    pub dataset: String,
    pub perturbation: String,
    pub sample_path: String,
    pub label: i64,
    pub score: Option<f64>,
    pub failure: String,
}

pub fn read_export(path: &Path) -> Vec<Exported> {
    let mut reader = csv::Reader::from_path(path).expect("open export");
    let headers = reader.headers().expect("headers").clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let (detector, dataset, perturbation, path_col, label, score, failure) = (
        column("detector"),
        column("dataset"),
        column("perturbation"),
        column("sample_path"),
        column("label"),
        column("score"),
        column("failure"),
    );
    reader
        .records()
        .map(|record| {
            let record = record.expect("record");
            Exported {
                detector: record[detector].to_string(),
                dataset: record[dataset].to_string(),
                perturbation: record[perturbation].to_string(),
                sample_path: record[path_col].to_string(),
                label: record[label].parse().expect("label"),
                score: (!record[score].is_empty()).then(|| record[score].parse().expect("score")),
                failure: record[failure].to_string(),
            }
        })
        .collect()
}

/// Image files under `root`, relative with '/' separators.
pub fn image_files(root: &Path) -> BTreeSet<String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("png" | "jpg" | "jpeg")
            ) {
                out.insert(
                    path.strip_prefix(root)
                        .expect("prefix")
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(root, root, &mut out);
    out
}

/// Independent reference metrics, written differently from the reports crate on purpose:
/// AUC by counting all (real, fake) pairs, AP by walking tied groups, ACC by definition.
pub fn reference_metrics(scored: &[(f64, bool)]) -> BTreeMap<&'static str, f64> {
    let reals: Vec<f64> = scored
        .iter()
        .filter(|(_, fake)| !fake)
        .map(|(s, _)| *s)
        .collect();
    let fakes: Vec<f64> = scored
        .iter()
        .filter(|(_, fake)| *fake)
        .map(|(s, _)| *s)
        .collect();
    let mut wins = 0.0;
    for fake in &fakes {
        for real in &reals {
            wins += if fake > real {
                1.0
            } else if fake == real {
                0.5
            } else {
                0.0
            };
        }
    }
    let auc = wins / (fakes.len() as f64 * reals.len() as f64);
    let mut sorted = scored.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut true_positives, mut seen, mut ap, mut previous_recall) = (0.0, 0.0, 0.0, 0.0);
    let mut index = 0;
    while index < sorted.len() {
        let threshold = sorted[index].0;
        while index < sorted.len() && sorted[index].0 == threshold {
            seen += 1.0;
            if sorted[index].1 {
                true_positives += 1.0;
            }
            index += 1;
        }
        let recall = true_positives / fakes.len() as f64;
        ap += (recall - previous_recall) * (true_positives / seen);
        previous_recall = recall;
    }
    let correct = scored
        .iter()
        .filter(|(score, fake)| (*score > 0.5) == *fake)
        .count();
    BTreeMap::from([
        ("auc", auc),
        ("ap", ap),
        ("acc", correct as f64 / scored.len() as f64),
    ])
}

/// Starts `dfbench coordinator` on a given listen address (for restarts on the same port),
/// serving the whole file system unless `extra` names its own `--serve-root`s (the tests'
/// data lives in temporary folders; `confinement.rs` tests the confinement itself).
pub fn start_coordinator_at(
    listen: &str,
    database_url: &str,
    extra: &[&str],
) -> (KillOnDrop, String) {
    let mut child = dfbench()
        .args([
            "coordinator",
            "--listen",
            listen,
            "--database-url",
            database_url,
        ])
        .args(extra)
        .args(if extra.contains(&"--serve-root") {
            &[][..]
        } else {
            &["--serve-root", "/"][..]
        })
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn coordinator");
    let stderr = child.stderr.take().expect("stderr");
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Some(rest) = line.strip_prefix("coordinator listening on ") {
                let url = rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string();
                let _ = sender.send(url);
            } else {
                eprintln!("[coordinator] {line}");
            }
        }
    });
    let child = KillOnDrop(child);
    let url = receiver
        .recv_timeout(Duration::from_secs(60))
        .expect("coordinator did not start listening");
    (child, url)
}

/// Starts a worker with extra flags (chunking, throttling, token).
pub fn start_worker_with(url: &str, name: &str, extra: &[&str]) -> KillOnDrop {
    let child = dfbench()
        .args([
            "worker",
            "--coordinator",
            url,
            "--worker-id",
            name,
            "--threads",
            "1",
        ])
        .args(extra)
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn worker");
    KillOnDrop(child)
}

/// Starts `dfbench ARGS` in the background with stdout and stderr captured to files in `cwd`.
pub fn spawn_in_background(args: &[&str], cwd: &Path, log_name: &str) -> KillOnDrop {
    let stdout = std::fs::File::create(cwd.join(format!("{log_name}.out"))).expect("stdout file");
    let stderr = std::fs::File::create(cwd.join(format!("{log_name}.err"))).expect("stderr file");
    let child = dfbench()
        .args(args)
        .current_dir(cwd)
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .expect("spawn");
    KillOnDrop(child)
}

/// Waits for a background process; returns (success, stdout, stderr).
pub fn wait_background(
    mut process: KillOnDrop,
    cwd: &Path,
    log_name: &str,
    limit: Duration,
) -> (bool, String, String) {
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = process.0.try_wait().expect("wait") {
            break Some(status);
        }
        if started.elapsed() > limit {
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let out = std::fs::read_to_string(cwd.join(format!("{log_name}.out"))).unwrap_or_default();
    let err = std::fs::read_to_string(cwd.join(format!("{log_name}.err"))).unwrap_or_default();
    match status {
        Some(status) => (status.success(), out, err),
        None => panic!("dfbench did not finish within {limit:?}\nstdout:\n{out}\nstderr:\n{err}"),
    }
}

/// (detector, sample path) → score or failure kind, from `dfbench export`; panics on duplicates.
pub fn export_outcomes(
    work: &Path,
    run_id: &str,
    database_url: &str,
) -> BTreeMap<(String, String), String> {
    let file = format!("export-{run_id}.csv");
    run_ok(
        &[
            "export",
            "--run",
            run_id,
            "--out",
            &file,
            "--database-url",
            database_url,
        ],
        work,
    );
    let mut outcomes = BTreeMap::new();
    for row in read_export(&work.join(&file)) {
        let outcome = match row.score {
            Some(score) => format!("{score}"),
            None => format!("failed:{}", row.failure),
        };
        let key = (row.detector.clone(), row.sample_path.clone());
        assert!(
            outcomes.insert(key, outcome).is_none(),
            "duplicate prediction for {} {}",
            row.detector,
            row.sample_path
        );
    }
    outcomes
}

/// The run id printed by `dfbench run` ("run <id>: N samples in M shards").
pub fn run_id_from(stderr: &str) -> String {
    stderr
        .lines()
        .find_map(|line| {
            line.strip_prefix("run ")
                .and_then(|rest| rest.split(':').next())
        })
        .map(|id| id.trim().to_string())
        .unwrap_or_else(|| panic!("no run id in:\n{stderr}"))
}

/// Writes a module `<name>` with the tests `on_sqlite` and `on_postgres`, each calling
/// `name(database_url)`: a fresh SQLite file, and a fresh database on the test cluster (skipped
/// without one unless `DFBENCH_REQUIRE_POSTGRES=1`), the body on a blocking thread.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident) => {
        mod $name {
            #[test]
            fn on_sqlite() {
                let dir = tempfile::tempdir().expect("tempdir");
                let url = format!(
                    "sqlite:{}",
                    dir.path().join(concat!(stringify!($name), ".db")).display()
                );
                super::$name(&url);
            }

            #[tokio::test(flavor = "multi_thread")]
            async fn on_postgres() {
                let Some(url) = dfbench_store::testing::fresh_postgres_url(stringify!($name))
                    .await
                    .expect("postgres")
                else {
                    return;
                };
                tokio::task::spawn_blocking(move || super::$name(&url))
                    .await
                    .expect("test thread");
            }
        }
    };
}

/// A clip detector (`temporal`) beside an image detector (`spectral`) on the videos of the demo
/// data's `DemoClips` set (`dfbench synth --out data`), reading `frames = "FRAMES"` (replace
/// FRAMES, e.g. by `all`).
pub const CLIP_SUITE: &str = r#"
name = "clips"
shard_size = 64
[[datasets]]
name = "clips"
format = "dfb-json"
root = "data/rgb"
json_dir = "data/dataset_json"
sets = ["DemoClips"]
frames = "FRAMES"
[[detectors]]
name = "spectral"
kind = "builtin"
[[detectors]]
name = "temporal"
kind = "builtin"
"#;

/// A suite of the two image built-ins over the demo's CNNSpot images at `data/cnnspot`
/// (`dfbench synth --out data`).
pub fn demo_suite(name: &str, shard_size: usize) -> String {
    format!(
        "name = \"{name}\"\nshard_size = {shard_size}\n\
         [[datasets]]\nname = \"demo\"\nformat = \"cnnspot\"\nroot = \"data/cnnspot\"\n\
         [[detectors]]\nname = \"spectral\"\nkind = \"builtin\"\n\
         [[detectors]]\nname = \"npr\"\nkind = \"builtin\"\n"
    )
}

/// Runs `statements` with `psql` against `database_url` (stopping at the first error);
/// returns what they printed, trimmed.
pub fn psql(database_url: &str, statements: &[&str]) -> String {
    let mut command = std::process::Command::new("psql");
    command.args([database_url, "-v", "ON_ERROR_STOP=1", "-q", "-tA"]);
    for statement in statements {
        command.args(["-c", statement]);
    }
    let output = command.output().expect("psql");
    assert!(
        output.status.success(),
        "psql {statements:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// The `run … failed: CAUSE` line of a run stopped by a database fault, checked: the client
/// failed, within 30 s of the fault, naming `cause`. Prints it with the delay.
pub fn fault_message(ok: bool, stderr: &str, waited: Duration, cause: &str) -> String {
    let message = stderr
        .lines()
        .find(|line| line.starts_with("run ") && line.contains(" failed: "))
        .unwrap_or_else(|| panic!("no `run … failed: cause` line:\n{stderr}"))
        .to_string();
    println!(
        "exit {:.2} s after the fault\n{message}",
        waited.as_secs_f64()
    );
    assert!(
        !ok,
        "a run stopped by a database fault must fail:\n{stderr}"
    );
    assert!(
        waited < Duration::from_secs(30),
        "exit {waited:?} after the fault"
    );
    assert!(message.contains(cause), "{message}");
    message
}

/// Waits (40 s at most) until the coordinator has marked the run `stderr` names `failed`;
/// its stored error must start with `cause`, and is returned.
pub async fn stored_failure(database_url: &str, stderr: &str, cause: &str) -> String {
    let run_id = dfbench_store::RunId(run_id_from(stderr));
    let store = dfbench_store::open_store(database_url).await.expect("open");
    let deadline = std::time::Instant::now() + Duration::from_secs(40);
    let progress = loop {
        let progress = store.run_progress(&run_id).await.expect("progress");
        if progress.status != "running" || std::time::Instant::now() > deadline {
            break progress;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(progress.status, "failed", "{progress:?}");
    let error = progress.error.unwrap_or_default();
    assert!(error.starts_with(cause), "{error}");
    error
}

/// Writes the demo data and a demo suite named `name` (shards of 12) into `work`, then runs
/// `dfbench run suite.toml ARGS` there; returns the run id.
pub fn demo_run(work: &Path, name: &str, args: &[&str]) -> String {
    run_ok(&["synth", "--out", "data"], work);
    std::fs::write(work.join("suite.toml"), demo_suite(name, 12)).expect("suite");
    let mut full = vec!["run", "suite.toml"];
    full.extend_from_slice(args);
    let output = run_ok(&full, work);
    run_id_from(&String::from_utf8_lossy(&output.stderr))
}
