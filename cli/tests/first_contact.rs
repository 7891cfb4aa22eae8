//! What a new user meets first: a closed pipe, colours in redirected logs, out-of-range
//! numbers, read-only commands on a store that does not exist, an empty listing, workers that
//! stopped shown as gone, and a symlink cycle or an unsupported image inside a dataset.

mod support;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use support::*;

/// `dfbench datasets check` on the demo data, whose report is many lines of stdout.
fn demo(work: &Path) {
    run_ok(&["synth", "--out", "demo-data"], work);
}

#[test]
fn a_closed_stdout_pipe_ends_the_command_quietly() {
    let dir = tempfile::tempdir().expect("tmp");
    let work = dir.path();
    run_ok(&["synth", "--out", "data"], work);
    std::fs::write(work.join("suite.toml"), demo_suite("pipe", 8)).expect("suite");
    for _ in 0..2 {
        run_ok(
            &["run", "suite.toml", "--workers", "1", "--limit", "2"],
            work,
        );
    }
    // `dfbench runs | head -0`: the reader goes away before anything is written.
    let mut child = dfbench()
        .arg("runs")
        .current_dir(work)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(141), "128 + SIGPIPE: {stderr}");
}

#[test]
fn log_colours_only_on_a_terminal_or_when_asked() {
    let dir = tempfile::tempdir().expect("tmp");
    let suite = dir.path().join("missing.toml");
    let stderr = |extra: &[&str]| {
        let output = dfbench()
            .args(["datasets", "check"])
            .arg(&suite)
            .args(extra)
            .env("RUST_LOG", "debug")
            .env_remove("NO_COLOR")
            .current_dir(dir.path())
            .output()
            .expect("spawn");
        String::from_utf8_lossy(&output.stderr).to_string()
    };
    std::fs::write(&suite, "name = \"x\"\n[[datasets]]\nname = \"d\"\nformat = \"cnnspot\"\nroot = \"nowhere\"\n[[detectors]]\nname = \"npr\"\nkind = \"builtin\"\n").expect("suite");
    let redirected = stderr(&[]);
    assert!(
        !redirected.contains('\u{1b}'),
        "no ANSI codes in a file: {redirected}"
    );
    let forced = stderr(&["--color", "always"]);
    assert!(
        forced.contains('\u{1b}') || !forced.contains("DEBUG"),
        "--color always colours the log lines: {forced}"
    );
}

#[test]
fn limit_zero_is_rejected_not_a_full_run() {
    let dir = tempfile::tempdir().expect("tmp");
    let output = dfbench()
        .args(["run", "suite.toml", "--limit", "0"])
        .current_dir(dir.path())
        .output()
        .expect("spawn");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--limit"), "{stderr}");
    assert!(!dir.path().join("dfbench.db").exists());
}

#[tokio::test]
async fn read_only_commands_never_create_a_database_and_empty_listings_say_so() {
    let dir = tempfile::tempdir().expect("tmp");
    let absent = dir.path().join("nothing-here.db");
    let url = format!("sqlite:{}", absent.display());
    for args in [
        vec!["runs"],
        vec!["report", "--run", "latest"],
        vec!["export", "--run", "latest", "--out", "x.csv"],
        vec!["status"],
    ] {
        let output = dfbench()
            .args(&args)
            .args(["--database-url", &url])
            .current_dir(dir.path())
            .output()
            .expect("spawn");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?}");
        assert!(stderr.contains("no database at"), "{args:?}: {stderr}");
        assert!(!absent.exists(), "{args:?} created {}", absent.display());
    }
    let empty = dir.path().join("empty.db");
    let url = format!("sqlite:{}", empty.display());
    dfbench_store::open_store(&url)
        .await
        .expect("create an empty store");
    let output = dfbench()
        .args(["runs", "--database-url", &url])
        .output()
        .expect("spawn");
    assert!(output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no runs stored in"), "{stderr}");
}

/// The local worker of a finished `dfbench run` says it leaves as the command ends: `status`
/// on the same store shows it `left` and counts no worker alive.
#[test]
fn local_workers_leave_when_the_run_ends() {
    let dir = tempfile::tempdir().expect("tmp");
    let work = dir.path();
    run_ok(&["synth", "--out", "data"], work);
    std::fs::write(work.join("suite.toml"), demo_suite("left", 8)).expect("suite");
    let db = ["--database-url", "sqlite:left.db"];
    let mut run = vec!["run", "suite.toml", "--workers", "1", "--limit", "4"];
    run.extend(db);
    run_ok(&run, work);
    let stdout = status(&db, work);
    assert!(stdout.contains("workers: 0 alive, 1 known"), "{stdout}");
    assert_eq!(worker_state(&stdout, "local-"), Some("left"), "{stdout}");
}

/// A `dfbench worker` stopped with Ctrl-C says it leaves before it exits.
#[test]
fn a_worker_stopped_with_ctrl_c_leaves() {
    let dir = tempfile::tempdir().expect("tmp");
    let work = dir.path();
    let database_url = format!("sqlite:{}", work.join("w.db").display());
    let db = ["--database-url", database_url.as_str()];
    let (_coordinator, url) = start_coordinator(&database_url, &[]);
    let mut worker = start_worker(&url, "leaver");
    let deadline = Instant::now() + Duration::from_secs(60);
    while worker_state(&status(&db, work), "leaver") != Some("alive") {
        assert!(Instant::now() < deadline, "the worker never registered");
        std::thread::sleep(Duration::from_millis(200));
    }
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &worker.0.id().to_string()])
        .status()
        .expect("kill");
    assert!(interrupted.success());
    let exited = loop {
        if let Some(exited) = worker.0.try_wait().expect("wait") {
            break exited;
        }
        assert!(Instant::now() < deadline, "the worker did not stop");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(exited.success(), "{exited}");
    let stdout = status(&db, work);
    assert!(stdout.contains("workers: 0 alive, 1 known"), "{stdout}");
    assert_eq!(worker_state(&stdout, "leaver"), Some("left"), "{stdout}");
}

/// `dfbench status` on the store `db` (`--database-url URL`).
fn status(db: &[&str; 2], work: &Path) -> String {
    let output = run_ok(&["status", db[0], db[1]], work);
    String::from_utf8_lossy(&output.stdout).to_string()
}

/// What `status` says of the worker whose name starts with `name`: alive, silent or left.
fn worker_state<'a>(status: &'a str, name: &str) -> Option<&'a str> {
    status
        .lines()
        .find(|line| line.trim_start().starts_with(name))
        .and_then(|line| line.split_whitespace().nth(1))
}

const DIRE_SUITE: &str = r#"
name = "walk"
[[datasets]]
name = "dire"
format = "dire"
root = "demo-data/DiffusionForensics"
tree = "images"
split = "test"
domain = "lsun_bedroom"
sets = ["adm"]
[[detectors]]
name = "npr"
kind = "builtin"
"#;

#[test]
fn a_symlink_back_into_the_tree_is_refused_naming_the_link() {
    let dir = tempfile::tempdir().expect("tmp");
    demo(dir.path());
    std::fs::write(dir.path().join("suite.toml"), DIRE_SUITE).expect("suite");
    let check = || {
        dfbench()
            .args(["datasets", "check", "suite.toml"])
            .current_dir(dir.path())
            .output()
            .expect("spawn")
    };
    let before = check();
    assert!(
        before.status.success(),
        "{}",
        String::from_utf8_lossy(&before.stderr)
    );
    let real = dir
        .path()
        .join("demo-data/DiffusionForensics/images/test/lsun_bedroom/real");
    std::os::unix::fs::symlink("..", real.join("back")).expect("link");
    let after = check();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&after.stdout),
        String::from_utf8_lossy(&after.stderr)
    );
    assert!(
        !after.status.success(),
        "fakes reached through the link would be labelled real: {said}"
    );
    assert!(
        said.contains("real/back leads to"),
        "names the link: {said}"
    );
}

/// Issue 27: a generator folder stored elsewhere and linked in is followed and named; a note and
/// a hidden file beside the reals, and a file beside the generator folders, are listed, not
/// dropped unseen.
#[test]
fn a_linked_generator_folder_and_stray_files_are_reported_by_the_check() {
    let dir = tempfile::tempdir().expect("tmp");
    demo(dir.path());
    std::fs::write(dir.path().join("suite.toml"), DIRE_SUITE).expect("suite");
    let domain = dir
        .path()
        .join("demo-data/DiffusionForensics/images/test/lsun_bedroom");
    let store = dir.path().join("adm-elsewhere");
    std::fs::rename(domain.join("adm"), &store).expect("move adm out");
    std::os::unix::fs::symlink(&store, domain.join("adm")).expect("link");
    std::fs::write(domain.join("real/labels.txt"), b"x").expect("write");
    std::fs::write(domain.join("real/.DS_Store"), b"x").expect("write");
    std::fs::write(domain.join("README"), b"x").expect("write");
    let check = || {
        dfbench()
            .args(["datasets", "check", "suite.toml", "--no-decode"])
            .current_dir(dir.path())
            .output()
            .expect("spawn")
    };
    // The link leaves the dataset's root: refused until the suite follows symlinks (issue 20).
    let refused = check();
    let said = String::from_utf8_lossy(&refused.stdout);
    assert!(
        !refused.status.success() && said.contains("follow_symlinks = true"),
        "{said}"
    );
    let followed = DIRE_SUITE.replace(
        "sets = [\"adm\"]",
        "sets = [\"adm\"]\nfollow_symlinks = true",
    );
    std::fs::write(dir.path().join("suite.toml"), followed).expect("suite");
    let output = check();
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let store = store.canonicalize().expect("store");
    assert!(
        stdout.contains(&format!(
            "followed 1 symlinked folder(s): images/test/lsun_bedroom/adm -> {}",
            store.display()
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("3 file(s) are not images: not part of the dataset, not scored: images/test/lsun_bedroom/README, images/test/lsun_bedroom/real/.DS_Store, images/test/lsun_bedroom/real/labels.txt (by kind: .txt 1, hidden 1, no extension 1)"),
        "{stdout}"
    );
}

#[test]
fn coordinator_urls_fail_at_once_with_their_cause() {
    let dir = tempfile::tempdir().expect("tmp");
    for (url, cause) in [
        ("localhost:50551", "no http:// or https:// scheme"),
        ("http://no-such-host.invalid:50551", "is unknown"),
    ] {
        let started = Instant::now();
        let output = dfbench()
            .args(["cancel", "--run", "r1", "--coordinator", url])
            .current_dir(dir.path())
            .output()
            .expect("spawn");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{url}");
        assert!(stderr.contains(cause), "{url}: {stderr}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{url} took {:?}: no retrying what cannot succeed",
            started.elapsed()
        );
    }
}

#[test]
fn every_option_of_every_command_has_help() {
    let help_of = |path: &[String]| {
        let output = dfbench().args(path).arg("--help").output().expect("spawn");
        String::from_utf8_lossy(&output.stdout).to_string()
    };
    let subcommands = |help: &str| -> Vec<String> {
        help.lines()
            .skip_while(|line| !line.starts_with("Commands:"))
            .skip(1)
            .take_while(|line| line.starts_with("  "))
            .filter_map(|line| line.split_whitespace().next().map(str::to_string))
            .filter(|command| command != "help")
            .collect()
    };
    let top = help_of(&[]);
    let mut commands: Vec<Vec<String>> = Vec::new();
    for command in subcommands(&top) {
        let nested = subcommands(&help_of(std::slice::from_ref(&command)));
        if nested.is_empty() {
            commands.push(vec![command]);
        } else {
            commands.extend(nested.into_iter().map(|sub| vec![command.clone(), sub]));
        }
    }
    assert!(commands.len() > 15, "{commands:?}");
    let mut missing = Vec::new();
    for path in &commands {
        let command = path.join(" ");
        let help = help_of(path);
        let options: Vec<&str> = help
            .lines()
            .skip_while(|line| !line.starts_with("Options:"))
            .skip(1)
            .collect();
        for (index, line) in options.iter().enumerate() {
            let trimmed = line.trim_start();
            let builtin = trimmed.starts_with("-h,") || trimmed.starts_with("-V,");
            if !trimmed.starts_with('-') || builtin {
                continue;
            }
            // `  --flag <X>  Help text`, or the help on the next, deeper-indented line; clap's
            // `[default: …]` / `[env: …]` annotations alone are not help.
            let words = |text: &str| {
                let mut depth = 0;
                text.chars()
                    .filter(|c| {
                        match c {
                            '[' => depth += 1,
                            ']' => depth -= 1,
                            _ => return depth == 0 && c.is_alphanumeric(),
                        }
                        false
                    })
                    .count()
                    > 0
            };
            let after_flag = trimmed.split("  ").skip(1).collect::<Vec<_>>().join(" ");
            let inline = words(&after_flag);
            let indent = line.len() - trimmed.len();
            let below = options.get(index + 1).is_some_and(|next| {
                let next_trimmed = next.trim_start();
                !next_trimmed.starts_with('-')
                    && next.len() - next_trimmed.len() > indent
                    && words(next_trimmed)
            });
            if !inline && !below {
                missing.push(format!("{command}: {trimmed}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "options without help:\n{}",
        missing.join("\n")
    );
}

#[test]
fn an_oversize_suite_is_refused_by_name() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut suite = demo_suite("huge", 8);
    suite.push_str(&format!("# {}\n", "x".repeat(33 * 1024 * 1024)));
    std::fs::write(dir.path().join("suite.toml"), suite).expect("suite");
    let output = dfbench()
        .args(["run", "suite.toml", "--workers", "1"])
        .current_dir(dir.path())
        .output()
        .expect("spawn");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("over the 32 MiB a coordinator accepts"),
        "{stderr}"
    );
    assert!(!stderr.contains("h2 protocol error"), "{stderr}");
}
