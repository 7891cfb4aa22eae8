//! `dfbench prepare` end to end on videos generated from scikit-image's astronaut photograph
//! (`prepare_support`): the DeepfakeBench layout, the dataset JSON with official splits, the
//! manifest's typed failures (an undecodable and a too-short video), `dfbench run` scoring the
//! result through the `dfb-json` adapter, the output-root refusals (of the command, and of a
//! worker whose own root the folder leads out of), and a killed job (the whole command, or one
//! worker process mid-shard, its shard re-leased to another) redone with identical bytes.

#[path = "../../worker/tests/prepare_support/mod.rs"]
mod prepare_support;
mod support;

use dfbench_benchmarks::FailureKind;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};
use support::{
    dfbench, export_outcomes, run_id_from, run_ok, spawn_in_background, start_coordinator,
    start_worker_with, wait_background,
};

const DATASET: &str = "FaceForensics++";

/// videos/: two good videos (40 and 30 frames), one too short for 16 frames, one undecodable;
/// splits/: 000↔003 in test, 001↔002 in train.
fn write_inputs(work: &Path) -> bool {
    let Some(photo) = prepare_support::astronaut() else {
        return false;
    };
    let videos = work.join("videos");
    for group in ["FF-real", "FF-DF"] {
        std::fs::create_dir_all(videos.join(group)).unwrap();
    }
    prepare_support::video(&photo, &videos.join("FF-real/000.mp4"), 40, 128);
    prepare_support::video(&photo, &videos.join("FF-DF/000_003.mp4"), 30, 144);
    prepare_support::video(&photo, &videos.join("FF-real/001.mp4"), 10, 96);
    std::fs::write(videos.join("FF-DF/001_002.mp4"), b"not a video").unwrap();
    std::fs::create_dir_all(work.join("splits")).unwrap();
    for (split, pairs) in [
        ("train", r#"[["001","002"]]"#),
        ("val", "[]"),
        ("test", r#"[["000","003"]]"#),
    ] {
        std::fs::write(work.join(format!("splits/{split}.json")), pairs).unwrap();
    }
    true
}

fn prepare_args(out: &str, workers: &str) -> Vec<String> {
    let args = [
        "prepare",
        "videos",
        "--dataset",
        DATASET,
        "--out",
        out,
        "--frames",
        "16",
    ];
    let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    args.extend(["--splits", "splits", "--workers", workers].map(String::from));
    args
}

fn prepare(work: &Path, out: &str) -> String {
    let args = prepare_args(out, "2");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    String::from_utf8_lossy(&run_ok(&args, work).stdout).into_owned()
}

/// Every file under `root`: relative path → bytes.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// Every file under `root` (none when it does not exist).
fn tree_or_empty(root: &Path) -> BTreeMap<String, Vec<u8>> {
    match root.exists() {
        true => tree(root),
        false => BTreeMap::new(),
    }
}

/// The same files with the same bytes under both folders.
fn assert_same_tree(clean: &Path, redone: &Path) {
    let (clean, redone) = (tree(clean), tree(redone));
    assert_eq!(
        clean.keys().collect::<Vec<_>>(),
        redone.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &clean {
        let at = bytes.iter().zip(&redone[path]).position(|(a, b)| a != b);
        let around = |text: &[u8]| {
            let start = at.unwrap_or(0).saturating_sub(200);
            String::from_utf8_lossy(&text[start.min(text.len())..text.len().min(start + 400)])
                .into_owned()
        };
        assert!(
            redone[path] == *bytes,
            "{path} differs after the redo at byte {at:?}:\n{}\n---\n{}",
            around(bytes),
            around(&redone[path])
        );
    }
}

#[test]
fn prepare_writes_dfb_frames_json_and_manifest_that_dfbench_run_scores() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    if !write_inputs(work) {
        return;
    }
    let started = Instant::now();
    let stdout = prepare(work, "out");
    println!("prepare of 4 videos: {:?}\n{stdout}", started.elapsed());
    assert!(
        stdout.contains("prepared 4 videos (0 already done)"),
        "{stdout}"
    );
    assert!(stdout.contains("32 frames written"), "{stdout}");
    assert!(stdout.contains("1 videos failed: decode_error"), "{stdout}");
    assert!(
        stdout.contains("1 videos failed: video_too_short"),
        "{stdout}"
    );

    // Original indices as names: np.linspace(0, 39, 16, dtype=int).
    let frames = work.join("out/rgb/FaceForensics++/FF-real/frames/000");
    let mut names: Vec<String> = std::fs::read_dir(&frames)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let linspace = [0, 2, 5, 7, 10, 13, 15, 18, 20, 23, 26, 28, 31, 33, 36, 39];
    let expected: Vec<String> = linspace.iter().map(|i| format!("{i:03}.png")).collect();
    assert_eq!(names, expected);
    let png = image::open(frames.join("039.png")).unwrap();
    assert_eq!((png.width(), png.height()), (256, 256));

    // The JSON: official splits, compression level for the FF++ family.
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(work.join("out/dataset_json/FaceForensics++.json")).unwrap(),
    )
    .unwrap();
    let real = &json[DATASET]["FF-real"]["test"]["c23"]["000"];
    assert_eq!(real["label"], "FF-real");
    assert_eq!(
        real["frames"][0],
        "FaceForensics++/FF-real/frames/000/000.png"
    );
    assert_eq!(
        json[DATASET]["FF-DF"]["test"]["c23"]["000_003"]["frames"]
            .as_array()
            .unwrap()
            .len(),
        16
    );
    assert_eq!(
        json[DATASET]["FF-real"]["train"]["c23"],
        serde_json::json!({}),
        "{json}"
    );

    // The manifest: typed video failures, per-frame hashes of the written bytes.
    let manifest = std::fs::read_to_string(work.join("out/manifest.jsonl")).unwrap();
    let records: Vec<serde_json::Value> = manifest
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let failure_of =
        |video: &str| records.iter().find(|r| r["video"] == video).unwrap()["failure"].clone();
    assert_eq!(
        failure_of("FF-DF/001_002.mp4"),
        FailureKind::DecodeError.as_str()
    );
    assert_eq!(
        failure_of("FF-real/001.mp4"),
        FailureKind::VideoTooShort.as_str()
    );
    assert_eq!(failure_of("FF-real/000.mp4"), serde_json::Value::Null);
    let frame = &records
        .iter()
        .find(|r| r["video"] == "FF-real/000.mp4")
        .unwrap()["frames"][15];
    assert_eq!(frame["index"], 39);
    let bytes = std::fs::read(work.join("out").join(frame["path"].as_str().unwrap())).unwrap();
    use sha2::Digest;
    assert_eq!(frame["sha256"], hex::encode(sha2::Sha256::digest(&bytes)));

    // `dfbench run` reads the result through the dfb-json adapter.
    let suite = format!(
        "name = \"prepared\"\nshard_size = 8\n[[datasets]]\nname = \"ffpp\"\nformat = \"dfb-json\"\n\
         root = \"out/rgb\"\njson_dir = \"out/dataset_json\"\nsets = [\"{DATASET}\"]\n\
         compression = \"c23\"\nframes = \"all\"\n[[detectors]]\nname = \"spectral\"\nkind = \"builtin\"\n"
    );
    std::fs::write(work.join("suite.toml"), suite).unwrap();
    let run = run_ok(
        &[
            "run",
            "suite.toml",
            "--database-url",
            "sqlite:p.db",
            "--workers",
            "1",
            "--out",
            "reports",
        ],
        work,
    );
    let run_id = run_id_from(&String::from_utf8_lossy(&run.stderr));
    let outcomes = export_outcomes(work, &run_id, "sqlite:p.db");
    assert_eq!(outcomes.len(), 32, "{outcomes:?}");
    assert!(
        outcomes.values().all(|o| !o.starts_with("failed")),
        "{outcomes:?}"
    );

    // Writing outside the output root is refused.
    let refused = dfbench()
        .args(prepare_args("elsewhere", "2"))
        .args(["--output-root", "out"])
        .current_dir(work)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && stderr.contains("outside the output root"),
        "{stderr}"
    );
    assert!(!work.join("elsewhere").exists());
}

#[test]
fn a_killed_prepare_is_redone_with_identical_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    if !write_inputs(work) {
        return;
    }
    prepare(work, "clean");
    let mut args = prepare_args("killed", "1");
    args.extend(["--video-delay-ms", "3000"].map(String::from));
    let mut child = dfbench().args(&args).current_dir(work).spawn().unwrap();
    let first = work.join("killed/manifest/FF-DF/000_003.mp4.json");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !first.exists() {
        assert!(Instant::now() < deadline, "no video finished within 60 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !work.join("killed/manifest.jsonl").exists(),
        "the job finished before the kill"
    );
    // What a worker killed mid-frame leaves: a temporary file beside a frame of an unfinished video.
    let stale = work.join("killed/rgb/FaceForensics++/FF-real/frames/000/005.png.tmp");
    std::fs::create_dir_all(stale.parent().unwrap()).unwrap();
    std::fs::write(&stale, b"half a png").unwrap();

    let stdout = prepare(work, "killed");
    assert!(
        stdout.contains("prepared 4 videos (1 already done)"),
        "{stdout}"
    );
    assert_same_tree(&work.join("clean"), &work.join("killed"));
}

/// A coordinator (SQLite, lease TTL 0.9 s) whose output root is `work/root`.
fn prepare_coordinator(work: &Path) -> (support::KillOnDrop, String, String) {
    let root = work.join("root");
    std::fs::create_dir_all(&root).unwrap();
    let database = format!("sqlite:{}", work.join("coordinator.db").display());
    let root_flag = root.display().to_string();
    let (coordinator, url) = start_coordinator(
        &database,
        &["--heartbeat-secs", "0.3", "--output-root", &root_flag],
    );
    (coordinator, url, database)
}

fn remote_prepare(work: &Path, url: &str, out: &str) -> support::KillOnDrop {
    let mut args = prepare_args(out, "1");
    args.extend(["--coordinator", url, "--output-root", "root"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    spawn_in_background(&args, work, "prepare")
}

#[test]
fn a_worker_process_killed_mid_shard_is_redone_by_another_with_identical_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    if !write_inputs(work) {
        return;
    }
    prepare(work, "clean");
    let (_coordinator, url, _) = prepare_coordinator(work);
    let root = work.join("root").display().to_string();
    // One shard of four videos; the victim pauses 3 s after each, so it is killed mid-shard.
    let victim = start_worker_with(
        &url,
        "victim",
        &["--output-root", &root, "--chunk-delay-ms", "3000"],
    );
    let job = remote_prepare(work, &url, "root/killed");
    let records = work.join("root/killed/manifest");
    let deadline = Instant::now() + Duration::from_secs(60);
    while tree_or_empty(&records).is_empty() {
        assert!(Instant::now() < deadline, "no video finished within 60 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(victim); // SIGKILL
    assert_eq!(
        tree_or_empty(&records).len(),
        1,
        "the victim was not mid-shard"
    );
    let _steady = start_worker_with(&url, "steady", &["--output-root", &root]);
    let (ok, stdout, stderr) = wait_background(job, work, "prepare", Duration::from_secs(120));
    assert!(ok, "prepare failed:\n{stderr}");
    assert!(
        stdout.contains("prepared 4 videos (0 already done)"),
        "{stdout}"
    );
    assert_same_tree(&work.join("clean"), &work.join("root/killed"));
}

#[test]
fn a_worker_refuses_an_output_folder_outside_its_output_root() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    if !write_inputs(work) {
        return;
    }
    let (_coordinator, url, database) = prepare_coordinator(work);
    // The worker's own root holds `out` as a link to a folder outside it.
    let (worker_root, elsewhere) = (work.join("worker-root"), work.join("elsewhere"));
    std::fs::create_dir_all(&worker_root).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, worker_root.join("out")).unwrap();
    let worker_root = worker_root.display().to_string();
    let _worker = start_worker_with(&url, "misplaced", &["--output-root", &worker_root]);
    let job = remote_prepare(work, &url, "root/out");
    let (ok, _, stderr) = wait_background(job, work, "prepare", Duration::from_secs(120));
    assert!(!ok, "prepare succeeded:\n{stderr}");
    assert!(
        stderr.contains("4 of 4 videos have no finished record"),
        "{stderr}"
    );
    let outcomes = export_outcomes(work, &run_id_from(&stderr), &database);
    assert_eq!(outcomes.len(), 4, "{outcomes:?}");
    assert!(
        outcomes
            .values()
            .all(|o| o.contains(FailureKind::OutputRefused.as_str())),
        "{outcomes:?}"
    );
    assert!(tree_or_empty(&work.join("root/out")).is_empty());
    assert!(
        tree_or_empty(&elsewhere).is_empty(),
        "written outside the worker's root"
    );
}
