//! `dfbench datasets check` on the synth trees and on broken copies, and the same checks in the
//! planner before a run: refusal on missing files, `--allow-missing`, unset root names.

mod support;

use dfbench_benchmarks::FailureKind;
use std::path::Path;
use support::*;

fn output_of(args: &[&str], cwd: &Path) -> (bool, String, String) {
    let output = dfbench()
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("spawn dfbench");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).to_string(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

const SUITE: &str = r#"
name = "ff"
shard_size = 8
[[datasets]]
name = "ff"
format = "dfb-json"
root = "lab:"
json_dir = "json:"
sets = ["FF-DF"]
frames = "all"
[[detectors]]
name = "npr"
kind = "builtin"
"#;

const ROOTS: [&str; 4] = [
    "--data-root",
    "lab=data/rgb",
    "--data-root",
    "json=data/dataset_json",
];

#[test]
fn check_reports_counts_missing_and_unreadable_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    run_ok(&["synth", "--out", "data"], work);
    let output = run_ok(&["datasets", "check", "data/rgb/FaceForensics++"], work);
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    assert!(
        stdout.contains("FaceForensics++/FaceForensics++"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Deepfakes") && stdout.contains("missing files: 0"),
        "{stdout}"
    );
    assert!(stdout.contains("all good"), "{stdout}");
    assert!(
        stdout.contains("frame order: integer file stem (2.png before 10.png) in all"),
        "{stdout}"
    );
    // Frames of videos: the videos are counted beside the samples.
    assert!(
        stdout.lines().any(|line| line.starts_with("dataset ")
            && line.contains(" samples, ")
            && line.contains(" videos, root ")),
        "{stdout}"
    );

    let frame =
        "data/rgb/FaceForensics++/manipulated_sequences/Deepfakes/c23/frames/000_003/015.png";
    std::fs::remove_file(work.join(frame)).expect("remove");
    let corrupt = "data/rgb/FaceForensics++/original_sequences/youtube/c23/frames/000/000.png";
    std::fs::write(work.join(corrupt), b"\x89PNG\r\n\x1a\nbroken").expect("corrupt");
    std::fs::write(work.join("s.toml"), SUITE).expect("suite");
    let mut args = vec!["datasets", "check", "s.toml"];
    args.extend(ROOTS);
    let (ok, stdout, _) = output_of(&args, work);
    assert!(!ok, "problems exit non-zero:\n{stdout}");
    assert!(
        stdout.contains("missing files: 1") && stdout.contains("000_003/015.png"),
        "{stdout}"
    );
    assert!(
        stdout.contains("unreadable images: 1") && stdout.contains("000/000.png"),
        "{stdout}"
    );

    // The planner refuses the run on the missing frame and names the way out.
    let mut run = vec![
        "run",
        "s.toml",
        "--database-url",
        "sqlite:r.db",
        "--out",
        "reports",
    ];
    run.extend(ROOTS);
    let (ok, _, stderr) = output_of(&run, work);
    assert!(
        !ok && stderr.contains("000_003/015.png") && stderr.contains("--allow-missing"),
        "{stderr}"
    );

    // With --allow-missing it runs; the missing and corrupt files end as failed predictions.
    run.push("--allow-missing");
    let output = run_ok(&run, work);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("2 failed"), "{stdout}");
    let folder = single_run_folder(&work.join("reports"));
    let run_id = run_id_of(&folder);
    run_ok(
        &[
            "export",
            "--run",
            &run_id,
            "--out",
            "p.csv",
            "--database-url",
            "sqlite:r.db",
        ],
        work,
    );
    let failures: Vec<(String, String)> = read_export(&work.join("p.csv"))
        .into_iter()
        .filter(|row| !row.failure.is_empty())
        .map(|row| (row.sample_path, row.failure))
        .collect();
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(
        failures
            .iter()
            .any(|(path, kind)| path.ends_with("000_003/015.png")
                && *kind == FailureKind::FileUnreadable.as_str())
    );
}

#[test]
fn check_names_a_video_that_mixes_numeric_and_named_frames() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    run_ok(&["synth", "--out", "data"], work);
    let video = work.join("data/rgb/FaceForensics++/original_sequences/youtube/c23/frames/000");
    std::fs::copy(video.join("000.png"), video.join("cover.png")).expect("copy a frame");
    let (_, stdout, stderr) = output_of(
        &[
            "datasets",
            "check",
            "data/rgb/FaceForensics++",
            "--no-decode",
        ],
        work,
    );
    assert!(
        stdout.contains("MIXED in 1")
            && stdout.contains("frames/000/000.png) and non-numeric (")
            && stdout.contains("frames/000/cover.png)"),
        "{stdout}{stderr}"
    );
}

#[test]
fn an_unset_root_name_says_which_flag_to_pass() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("s.toml"), SUITE).expect("suite");
    let (ok, _, stderr) = output_of(
        &["run", "s.toml", "--database-url", "sqlite:u.db"],
        dir.path(),
    );
    assert!(
        !ok && stderr.contains("--data-root lab=/path/to/it"),
        "{stderr}"
    );
    let (ok, stdout, _) = output_of(&["datasets", "check", "s.toml"], dir.path());
    assert!(!ok && stdout.contains("--data-root lab="), "{stdout}");
}

/// The DF40 P3 suite on the release-shaped synth tree, which has no `deepfacelab` (the release
/// does not contain it): `datasets check` and `run` report it absent with the reason and score
/// the eight released sets; the report lists it as absent, not as zero.
#[test]
fn df40_p3_on_the_release_reports_deepfacelab_absent_and_scores_the_eight_others() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    run_ok(&["synth", "--out", "data"], work);
    let deepfacelab = work.join("data/rgb/DF40/deepfacelab");
    if deepfacelab.exists() {
        std::fs::remove_dir_all(&deepfacelab).expect("the release has no deepfacelab");
    }
    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join("../benchmarks/suites/df40-p3.toml");
    let suite = suite.to_str().expect("utf-8 path");
    let roots = ["--data-root", "rgb=data/rgb"];
    let mut check = vec!["datasets", "check", suite, "--no-decode"];
    check.extend(roots);
    let (ok, stdout, stderr) = output_of(&check, work);
    println!("{stdout}");
    assert!(ok, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("dataset df40/deepfacelab: ABSENT (not in the DF40 release)"),
        "{stdout}"
    );
    let good: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("dataset df40/") && line.contains(" samples, "))
        .collect();
    assert_eq!(good.len(), 8, "{good:?}");
    assert!(
        stdout.contains("all good; 1 absent: df40/deepfacelab (not in the DF40 release)"),
        "{stdout}"
    );

    let mut run = vec![
        "run",
        suite,
        "--database-url",
        "sqlite:r.db",
        "--out",
        "reports",
    ];
    run.extend(roots);
    let (ok, stdout, stderr) = output_of(&run, work);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("dataset df40/deepfacelab: absent (not in the DF40 release)"),
        "{stderr}"
    );
    let folder = single_run_folder(&work.join("reports"));
    let leaderboard = std::fs::read_to_string(folder.join("leaderboard.md")).expect("md");
    assert!(
        leaderboard
            .contains("- Absent dataset (not scored): df40/deepfacelab (not in the DF40 release)"),
        "{leaderboard}"
    );
    let metrics = std::fs::read_to_string(folder.join("metrics.csv")).expect("csv");
    let datasets: std::collections::BTreeSet<&str> = metrics
        .lines()
        .skip(1)
        .filter_map(|line| line.split(',').nth(2))
        .collect();
    assert_eq!(datasets.len(), 8, "{datasets:?}");
    assert!(!datasets.contains("df40/deepfacelab"), "{datasets:?}");
}

/// Issue 20: an unknown field used to stop the suite at serde's first error, hiding the rest.
const UNKNOWN_FIELD_SUITE: &str = r#"
name = "u"
[[datasets]]
name = "gone"
format = "cnnspot"
root = "no-such-folder"
fromes = "all"
[[detectors]]
name = "npr"
kind = "builtin"
"#;

#[test]
fn check_reports_an_unknown_field_and_a_missing_root_together() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    std::fs::write(work.join("s.toml"), UNKNOWN_FIELD_SUITE).expect("suite");
    let (ok, stdout, stderr) = output_of(&["datasets", "check", "s.toml"], work);
    assert!(!ok, "problems exit non-zero:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("unknown field `fromes` in [[datasets]] entry `gone`")
            && stdout.contains("did you mean `frames`?")
            && stdout.contains("accepted fields: name, format, root,"),
        "{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("dataset `gone`: root") && stdout.contains("no-such-folder"),
        "the missing root is reported too:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("the suite itself has 1 problem(s)"),
        "{stdout}"
    );
}

#[test]
fn run_reports_an_unknown_field_with_the_suites_other_problems() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    let suite = UNKNOWN_FIELD_SUITE
        .replace("kind = \"builtin\"", "kind = \"tflite\"")
        .replace("format = \"cnnspot\"", "format = \"ffpp\"");
    std::fs::write(work.join("s.toml"), suite).expect("suite");
    let (ok, stdout, stderr) = output_of(&["run", "s.toml"], work);
    assert!(!ok, "an invalid suite does not run:\n{stdout}\n{stderr}");
    for needle in [
        "unknown field `fromes` in [[datasets]] entry `gone`",
        "`frames` is required for format `ffpp`",
        "detector `npr` has unknown kind `tflite`",
    ] {
        assert!(stderr.contains(needle), "{needle}:\n{stderr}");
    }
}

/// Issue 27: every file under a walked folder that is not a sample, or not a decodable one, is
/// listed with its first names and a tally, and symlinked folders followed are named.
#[test]
fn check_names_followed_links_and_lists_files_that_are_not_supported_images() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    let touch = |rel: &str| {
        let path = work.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, b"x").expect("write");
    };
    for rel in [
        "cnn/README.md",
        "cnn/progan/.DS_Store",
        "cnn/progan/0_real/a.png",
        "cnn/progan/1_fake/b.png",
        "cnn/progan/1_fake/c.webp",
        "cnn/progan/1_fake/notes.txt",
        "store/biggan/0_real/d.png",
        "store/biggan/1_fake/e.jpg",
    ] {
        touch(rel);
    }
    std::os::unix::fs::symlink("../store/biggan", work.join("cnn/biggan")).expect("link");
    // The link leaves the dataset's folder: refused unless followed (issue 20).
    let (ok, stdout, stderr) = output_of(&["datasets", "check", "cnn", "--no-decode"], work);
    let said = format!("{stdout}{stderr}");
    assert!(
        !ok && said.contains("lead out of its root") && said.contains("follow_symlinks = true"),
        "{said}"
    );
    let (ok, stdout, stderr) = output_of(
        &[
            "datasets",
            "check",
            "cnn",
            "--no-decode",
            "--follow-symlinks",
        ],
        work,
    );
    println!("{stdout}");
    assert!(ok, "not a problem, reported:\n{stdout}\n{stderr}");
    assert!(stdout.contains("dataset cnn: 5 samples"), "{stdout}");
    let store = work.join("store/biggan").canonicalize().expect("store");
    assert!(
        stdout.contains(&format!(
            "followed 1 symlinked folder(s): biggan -> {}",
            store.display()
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "1 listed file(s) are not PNG/JPEG: each is recorded as a failed prediction (unsupported_format for .webp, .gif, …): progan/1_fake/c.webp (by kind: .webp 1)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "3 file(s) are not images: not part of the dataset, not scored: README.md, progan/.DS_Store, progan/1_fake/notes.txt (by kind: .md 1, .txt 1, hidden 1)"
        ),
        "{stdout}"
    );
}

/// A CSV manifest walks nothing: files under its root that no row names are not counted, and the
/// check says so; a folder layout with nothing unusual prints none of these lines.
#[test]
fn check_says_what_a_manifest_does_not_count_and_stays_quiet_on_a_clean_tree() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    for rel in [
        "m/a.png",
        "m/b.gif",
        "m/notes.txt",
        "clean/0_real/a.png",
        "clean/1_fake/b.png",
    ] {
        let path = work.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, b"x").expect("write");
    }
    std::fs::write(
        work.join("m/manifest.csv"),
        "path,label\na.png,0\nb.gif,1\n",
    )
    .expect("csv");
    let (ok, stdout, stderr) = output_of(
        &["datasets", "check", "m/manifest.csv", "--no-decode"],
        work,
    );
    assert!(ok, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("1 listed file(s) are not PNG/JPEG")
            && stdout.contains("b.gif (by kind: .gif 1)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("manifest layout: only the files it lists are in the dataset; other files under the root are not read, counted or scored"),
        "{stdout}"
    );
    assert!(!stdout.contains("notes.txt"), "{stdout}");
    let (ok, stdout, stderr) = output_of(&["datasets", "check", "clean", "--no-decode"], work);
    assert!(ok, "{stdout}\n{stderr}");
    for quiet in [
        "symlinked",
        "not PNG/JPEG",
        "not images",
        "reads nothing",
        "manifest layout",
    ] {
        assert!(!stdout.contains(quiet), "{quiet}: {stdout}");
    }
}
