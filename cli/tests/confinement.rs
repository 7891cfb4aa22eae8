//! Confinement of a shared coordinator (issue 20): it reads only under its `--serve-root`
//! folders, refuses symlinks that leave a dataset's root unless the suite says
//! `follow_symlinks = true`, and never sends a remote client what its files hold. Real
//! `dfbench coordinator` and `dfbench run --coordinator` processes over loopback gRPC.

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::{KillOnDrop, dfbench, spawn_in_background, start_coordinator};

/// A temporary tree: `served/` (the coordinator's only served folder, the client's working
/// folder) and `outside/`, each with a small cnnspot layout (files are not decoded at
/// planning, so their bytes do not matter).
struct Tree {
    _dir: tempfile::TempDir,
    served: PathBuf,
    outside: PathBuf,
}

fn tree() -> Tree {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical tempdir");
    let (served, outside) = (root.join("served"), root.join("outside"));
    for base in [&served, &outside] {
        for label in ["0_real", "1_fake"] {
            let folder = base.join("cnnspot").join(label);
            std::fs::create_dir_all(&folder).expect("mkdir");
            std::fs::write(folder.join("a.png"), b"image bytes").expect("image");
        }
    }
    Tree {
        _dir: dir,
        served,
        outside,
    }
}

fn suite(dataset: &str) -> String {
    format!(
        "name = \"confined\"\nshard_size = 4\n[[datasets]]\nname = \"d\"\n{dataset}\n\
         [[detectors]]\nname = \"npr\"\nkind = \"builtin\"\n"
    )
}

/// A coordinator serving only `tree.served`.
fn coordinator(tree: &Tree) -> (KillOnDrop, String) {
    let database_url = format!("sqlite:{}", tree.served.join("c.db").display());
    start_coordinator(
        &database_url,
        &["--serve-root", tree.served.to_str().expect("utf-8")],
    )
}

/// Submits `suite_text` from `tree.served`; returns the client's stderr once the run is refused
/// (`refused`) or accepted (the client then waits for workers and is stopped).
fn submit(tree: &Tree, url: &str, suite_text: &str, extra: &[&str]) -> (bool, String) {
    std::fs::write(tree.served.join("suite.toml"), suite_text).expect("suite");
    let mut args = vec!["run", "suite.toml", "--coordinator", url];
    args.extend_from_slice(extra);
    let client = spawn_in_background(&args, &tree.served, "client");
    let started = Instant::now();
    let mut client = client;
    loop {
        let err = std::fs::read_to_string(tree.served.join("client.err")).unwrap_or_default();
        if let Some(status) = client.0.try_wait().expect("wait") {
            assert!(
                !status.success(),
                "the client cannot succeed without workers: {err}"
            );
            return (false, err);
        }
        if err.contains(" samples in ") {
            return (true, err);
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no answer within 60 s: {err}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn assert_names_path_and_roots(message: &str, path: &Path, tree: &Tree) {
    assert!(
        message.contains("outside the folders this coordinator serves")
            && message.contains(&path.display().to_string())
            && message.contains(&tree.served.display().to_string()),
        "the refusal must name {} and the served folder {}:\n{message}",
        path.display(),
        tree.served.display()
    );
}

#[test]
fn a_dataset_root_outside_the_served_folders_is_refused() {
    let tree = tree();
    let (_coordinator, url) = coordinator(&tree);
    let root = tree.outside.join("cnnspot");
    let text = suite(&format!(
        "format = \"cnnspot\"\nroot = \"{}\"",
        root.display()
    ));
    let (accepted, err) = submit(&tree, &url, &text, &[]);
    assert!(!accepted, "{err}");
    assert_names_path_and_roots(&err, &root, &tree);
    // The same layout inside the served folder is accepted.
    let inside = suite("format = \"cnnspot\"\nroot = \"cnnspot\"");
    let (accepted, err) = submit(&tree, &url, &inside, &[]);
    assert!(accepted, "{err}");
}

#[test]
fn a_named_data_root_outside_the_served_folders_is_refused() {
    let tree = tree();
    let (_coordinator, url) = coordinator(&tree);
    let text = suite("format = \"cnnspot\"\nroot = \"lab:cnnspot\"");
    let flag = format!("lab={}", tree.outside.display());
    let (accepted, err) = submit(&tree, &url, &text, &["--data-root", &flag]);
    assert!(!accepted, "{err}");
    assert!(err.contains("--data-root lab="), "{err}");
    assert_names_path_and_roots(&err, &tree.outside, &tree);
}

#[test]
fn a_symlink_leaving_the_dataset_root_is_refused_unless_the_suite_follows_symlinks() {
    let tree = tree();
    let (_coordinator, url) = coordinator(&tree);
    // Inside the served folder but outside the dataset's root.
    let elsewhere = tree.served.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).expect("elsewhere");
    std::fs::write(elsewhere.join("b.png"), b"image bytes").expect("b");
    let link = tree.served.join("cnnspot/1_fake/b.png");
    std::os::unix::fs::symlink(elsewhere.join("b.png"), &link).expect("link");
    let dataset = "format = \"cnnspot\"\nroot = \"cnnspot\"";
    let (accepted, err) = submit(&tree, &url, &suite(dataset), &[]);
    assert!(!accepted, "{err}");
    assert!(
        err.contains("lead out of its root")
            && err.contains(&link.display().to_string())
            && err.contains("follow_symlinks = true"),
        "{err}"
    );
    let followed = suite(&format!("{dataset}\nfollow_symlinks = true"));
    let (accepted, err) = submit(&tree, &url, &followed, &[]);
    assert!(accepted, "{err}");
    // Followed, a link must still stay inside the served folders.
    let secret = tree.outside.join("cnnspot/1_fake/a.png");
    std::fs::remove_file(&link).expect("unlink");
    std::os::unix::fs::symlink(&secret, &link).expect("link out");
    let (accepted, err) = submit(&tree, &url, &followed, &[]);
    assert!(!accepted, "{err}");
    assert!(
        err.contains(&secret.display().to_string()) && err.contains("--serve-root"),
        "{err}"
    );
}

#[test]
fn a_malformed_manifest_error_does_not_send_the_file_contents() {
    let tree = tree();
    let (_coordinator, url) = coordinator(&tree);
    let manifest = tree.served.join("manifest.csv");
    std::fs::write(
        &manifest,
        "db_password=hunter2,token=s3cr3t\ncnnspot/0_real/a.png,0\n",
    )
    .expect("manifest");
    let text = suite("format = \"csv\"\nroot = \".\"\nmanifest = \"manifest.csv\"");
    let (accepted, err) = submit(&tree, &url, &text, &[]);
    assert!(!accepted, "{err}");
    assert!(
        err.contains(&manifest.display().to_string()) && err.contains("`path` and `label`"),
        "the refusal names the manifest and what it lacks: {err}"
    );
    for secret in ["hunter2", "s3cr3t", "db_password"] {
        assert!(
            !err.contains(secret),
            "the file's contents reached the client: {err}"
        );
    }
}

#[test]
fn a_coordinator_beyond_loopback_needs_served_folders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = dfbench()
        .args(["coordinator", "--listen", "0.0.0.0:0", "--token", "t"])
        .args(["--database-url", "sqlite::memory:"])
        .current_dir(dir.path())
        .output()
        .expect("spawn");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success()
            && stderr.contains("--serve-root")
            && stderr.contains("DFBENCH_SERVE_ROOTS"),
        "{stderr}"
    );
}
