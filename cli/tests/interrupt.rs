//! Ctrl-C during a local run (a real `dfbench run` process sent SIGINT): the first interrupt
//! cancels the run keeping what was stored and says how to continue; running the same command
//! again computes only what was not stored, and its report says what it carried over from
//! which run; a second interrupt quits at once.

mod support;

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use support::*;

const DB: &str = "sqlite:interrupt.db";

fn start_run(work: &Path) -> Child {
    dfbench()
        .args(["run", "suite.toml", "--database-url", DB, "--workers", "1"])
        .args(["--out", "reports", "--chunk-delay-ms", "150"])
        .current_dir(work)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dfbench run")
}

/// Stored predictions of the newest run, from `dfbench runs`.
fn stored(work: &Path) -> Option<u64> {
    let output = dfbench()
        .args(["runs", "--database-url", DB, "--limit", "1"])
        .current_dir(work)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let field = text.split('\t').nth(4)?;
    field.split('/').next()?.trim().parse().ok()
}

fn interrupt(child: &Child) {
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

/// Waits until the run has stored at least `least` predictions.
fn wait_for_work(work: &Path, least: u64) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while stored(work).unwrap_or(0) < least {
        assert!(
            Instant::now() < deadline,
            "the run stored nothing in 2 minutes"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// (predictions reused, computed) from the last lines of a finished run.
fn reused_and_computed(stdout: &str) -> (u64, u64) {
    let line = stdout
        .lines()
        .find(|line| line.contains(" reused, ") && line.contains(" computed)"))
        .unwrap_or_else(|| panic!("no totals line in:\n{stdout}"));
    let inside = &line[line.find('(').expect("(") + 1..line.find(')').expect(")")];
    let numbers: Vec<u64> = inside
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .map(|part| part.parse().expect("number"))
        .collect();
    (numbers[0], numbers[1])
}

#[test]
fn ctrl_c_keeps_the_stored_work_and_the_rerun_continues() {
    let dir = tempfile::tempdir().expect("tmp");
    let work = dir.path();
    run_ok(&["synth", "--out", "data"], work);
    std::fs::write(work.join("suite.toml"), demo_suite("interrupt", 8)).expect("suite");
    let total = 240 * 2;

    let child = start_run(work);
    wait_for_work(work, 40);
    interrupt(&child);
    let output = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupt: stopping run"), "{stderr}");
    assert!(
        stderr.contains("run the same command again to continue"),
        "{stderr}"
    );
    let kept = stored(work).expect("stored count");
    assert!(kept > 0 && kept < total, "kept {kept} of {total}");
    let runs = dfbench()
        .args(["runs", "--database-url", DB])
        .current_dir(work)
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&runs.stdout).contains("\tcancelled\t"));
    eprintln!("first Ctrl-C said:\n{stderr}");

    let rerun = run_ok(
        &[
            "run",
            "suite.toml",
            "--database-url",
            DB,
            "--workers",
            "1",
            "--out",
            "reports",
        ],
        work,
    );
    let (reused, computed) = reused_and_computed(&String::from_utf8_lossy(&rerun.stdout));
    eprintln!("rerun: {reused} reused, {computed} computed of {total}");
    assert_eq!(
        reused, kept,
        "everything stored before the interrupt is reused"
    );
    assert_eq!(reused + computed, total, "and only the rest is computed");
    // The rerun's report says what it carried over, and from which run.
    let first = run_id_from(&stderr);
    let second = run_id_from(&String::from_utf8_lossy(&rerun.stderr));
    let board = std::fs::read_to_string(work.join("reports").join(&second).join("leaderboard.md"))
        .expect("the rerun's leaderboard");
    let said = format!(
        "- Reuse: {kept} outcomes carried over from earlier runs (not recomputed): {kept} from \
         run {first}"
    );
    assert!(board.contains(&said), "{said}\nnot in:\n{board}");
}

#[test]
fn a_second_ctrl_c_quits_at_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let work = dir.path();
    run_ok(&["synth", "--out", "data"], work);
    std::fs::write(work.join("suite.toml"), demo_suite("interrupt", 8)).expect("suite");
    let child = start_run(work);
    wait_for_work(work, 16);
    interrupt(&child);
    std::thread::sleep(Duration::from_millis(20));
    interrupt(&child);
    let started = Instant::now();
    let output = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(10));
    eprintln!("both Ctrl-Cs said:\n{stderr}");
}
