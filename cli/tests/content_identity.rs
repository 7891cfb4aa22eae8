//! Reuse keys on file contents (real `dfbench run` processes, SQLite and PostgreSQL): an image
//! edited in place at the same size recomputes that sample only, a touched image does no model
//! work, and an edit whose mtime was restored is caught by `--hash-contents`.

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use support::*;

/// What `dfbench run` said about planning: (samples, predictions reused, files hashed).
fn run_counts(work: &Path, database_url: &str, extra: &[&str]) -> (u64, u64, u64) {
    let mut args = vec!["run", "suite.toml", "--database-url", database_url];
    args.extend_from_slice(&["--workers", "1", "--out", "reports"]);
    args.extend_from_slice(extra);
    let output = run_ok(&args, work);
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let line = stderr
        .lines()
        .find(|line| line.starts_with("run ") && line.contains("files hashed"))
        .unwrap_or_else(|| panic!("no planning line in:\n{stderr}"));
    let number_before = |marker: &str| -> u64 {
        let head = &line[..line
            .find(marker)
            .unwrap_or_else(|| panic!("{marker}: {line}"))];
        let digits: String = head
            .chars()
            .rev()
            .skip_while(|c| *c == ' ')
            .take_while(char::is_ascii_digit)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        digits
            .parse()
            .unwrap_or_else(|_| panic!("{marker}: {line}"))
    };
    (
        number_before("samples"),
        number_before("predictions reused"),
        number_before("files hashed"),
    )
}

/// The `n`-th PNG of the demo's fake folder.
fn fake_image(work: &Path, n: usize) -> PathBuf {
    let mut files: Vec<PathBuf> = std::fs::read_dir(work.join("data/cnnspot/upconv-strong/1_fake"))
        .expect("fake folder")
        .map(|entry| entry.expect("entry").path())
        .collect();
    files.sort();
    files[n].clone()
}

/// Flips one byte in the middle of the file: same size, other contents.
fn edit_in_place(path: &Path) {
    let mut bytes = std::fs::read(path).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x5a;
    std::fs::write(path, bytes).expect("write");
}

fn set_mtime(path: &Path, mtime: SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .and_then(|file| file.set_modified(mtime))
        .expect("set mtime");
}

fn mtime(path: &Path) -> SystemTime {
    std::fs::metadata(path)
        .and_then(|metadata| metadata.modified())
        .expect("mtime")
}

fn content_changes_and_only_content_changes_recompute(database_url: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    run_ok(&["synth", "--out", "data"], work);
    std::fs::write(work.join("suite.toml"), demo_suite("contents", 40)).expect("suite");

    let (samples, reused, hashed) = run_counts(work, database_url, &[]);
    assert_eq!(
        (reused, hashed),
        (0, samples),
        "first run hashes every file"
    );
    let all = samples * 2;

    // Unchanged: nothing read, everything reused.
    assert_eq!(run_counts(work, database_url, &[]), (samples, all, 0));

    // Same size, new bytes: that sample's two predictions are computed again.
    let edited = fake_image(work, 0);
    let size = std::fs::metadata(&edited).expect("stat").len();
    edit_in_place(&edited);
    set_mtime(&edited, SystemTime::now() + Duration::from_secs(5));
    assert_eq!(std::fs::metadata(&edited).expect("stat").len(), size);
    assert_eq!(run_counts(work, database_url, &[]), (samples, all - 2, 1));

    // Touched, same bytes: read once to hash it, no model work.
    let touched = fake_image(work, 1);
    set_mtime(&touched, SystemTime::now() + Duration::from_secs(10));
    assert_eq!(run_counts(work, database_url, &[]), (samples, all, 1));

    // Edited with its mtime put back: unseen by the stamp check, caught by --hash-contents.
    let sneaky = fake_image(work, 2);
    let before = mtime(&sneaky);
    edit_in_place(&sneaky);
    set_mtime(&sneaky, before);
    assert_eq!(run_counts(work, database_url, &[]), (samples, all, 0));
    assert_eq!(
        run_counts(work, database_url, &["--hash-contents"]),
        (samples, all - 2, samples)
    );
    // The new contents are remembered: a plain rerun reuses them.
    assert_eq!(run_counts(work, database_url, &[]), (samples, all, 0));
}

on_both_backends!(content_changes_and_only_content_changes_recompute);
