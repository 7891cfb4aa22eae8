//! Bad input gets one clear message, and a bad sample is recorded, never fatal or replaced:
//! corrupt, truncated (PNG and JPEG) and header-bomb images each end as their typed failure in a
//! real `dfbench run` while the other samples score, and `datasets check` names each kind.

mod support;

use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::image_io::test_files;
use std::path::Path;
use support::*;

fn run_err(args: &[&str], cwd: &Path) -> String {
    let output = dfbench()
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("spawn dfbench");
    assert!(!output.status.success(), "dfbench {args:?} should fail");
    String::from_utf8_lossy(&output.stderr).to_string()
}

const SUITE: &str = r#"
name = "bad"
shard_size = 4
[[datasets]]
name = "small"
format = "cnnspot"
root = "data"
[[detectors]]
name = "spectral"
kind = "builtin"
[[detectors]]
name = "npr"
kind = "builtin"
"#;

fn write_png(path: &Path, seed: u32) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let image = image::RgbImage::from_fn(64, 64, |x, y| {
        let value = ((x * 7 + y * 13 + seed * 31) % 251) as u8;
        image::Rgb([value, value / 2, 255 - value])
    });
    image.save(path).expect("save png");
}

#[test]
fn corrupt_image_is_recorded_as_a_failure_and_the_run_finishes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    for index in 0..4 {
        write_png(&work.join(format!("data/0_real/r{index}.png")), index);
        write_png(&work.join(format!("data/1_fake/f{index}.png")), index + 10);
    }
    std::fs::write(
        work.join("data/1_fake/corrupt.png"),
        b"\x89PNG\r\n\x1a\nthis is not an image",
    )
    .expect("corrupt");
    let mut truncated = std::fs::read(work.join("data/0_real/r0.png")).expect("read");
    truncated.truncate(truncated.len() / 2);
    std::fs::write(work.join("data/0_real/truncated.png"), truncated).expect("truncated");
    // Half a JPEG (the decoder would pad it) and a PNG header declaring 20000x20000 pixels.
    let mut jpeg = std::io::Cursor::new(Vec::new());
    image::open(work.join("data/0_real/r1.png"))
        .expect("open")
        .write_to(&mut jpeg, image::ImageFormat::Jpeg)
        .expect("jpeg");
    std::fs::write(
        work.join("data/1_fake/truncated.jpg"),
        test_files::truncated(jpeg.get_ref()),
    )
    .expect("truncated jpeg");
    std::fs::write(
        work.join("data/1_fake/bomb.png"),
        test_files::header_bomb_png(20_000, 20_000),
    )
    .expect("bomb");
    std::fs::write(work.join("suite.toml"), SUITE).expect("suite");
    let check = dfbench()
        .args(["datasets", "check", "suite.toml"])
        .current_dir(work)
        .output()
        .expect("spawn dfbench");
    let stdout = String::from_utf8_lossy(&check.stdout).to_string();
    assert!(
        !check.status.success(),
        "unreadable images exit non-zero:\n{stdout}"
    );
    for (file, kind) in [
        ("corrupt.png", FailureKind::DecodeError),
        ("truncated.png", FailureKind::TruncatedImage),
        ("truncated.jpg", FailureKind::TruncatedImage),
        ("bomb.png", FailureKind::ImageTooLarge),
    ] {
        let line = stdout
            .lines()
            .find(|line| line.contains(file))
            .unwrap_or_else(|| panic!("datasets check names {file}:\n{stdout}"));
        assert!(line.contains(kind.as_str()), "{line}");
    }

    let output = run_ok(
        &[
            "run",
            "suite.toml",
            "--database-url",
            "sqlite:t.db",
            "--out",
            "reports",
        ],
        work,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("8 failed"),
        "failures counted in the summary:\n{stdout}"
    );
    let run_folder = single_run_folder(&work.join("reports"));
    let run_id = run_id_of(&run_folder);
    run_ok(
        &[
            "export",
            "--run",
            &run_id,
            "--out",
            "p.csv",
            "--database-url",
            "sqlite:t.db",
        ],
        work,
    );
    let rows = read_export(&work.join("p.csv"));
    assert_eq!(
        rows.len(),
        2 * 12,
        "every sample of both detectors ends as a score or a failure"
    );
    let failed: Vec<_> = rows.iter().filter(|row| !row.failure.is_empty()).collect();
    assert_eq!(failed.len(), 8, "{failed:?}");
    for row in &failed {
        assert!(row.score.is_none());
        let expected = match row.sample_path.rsplit('/').next().unwrap_or_default() {
            "corrupt.png" => FailureKind::DecodeError,
            "truncated.png" | "truncated.jpg" => FailureKind::TruncatedImage,
            "bomb.png" => FailureKind::ImageTooLarge,
            other => panic!("{other} should have scored: {row:?}"),
        };
        assert_eq!(row.failure, expected.as_str(), "{row:?}");
    }
    let html = std::fs::read_to_string(run_folder.join("index.html")).expect("index.html");
    assert!(
        html.contains("corrupt.png") && html.contains(FailureKind::DecodeError.as_str()),
        "failures listed in the report"
    );
}

#[test]
fn missing_suite_names_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stderr = run_err(&["run", "nope.toml"], dir.path());
    assert!(
        stderr.contains("nope.toml") && stderr.contains("cannot be read"),
        "{stderr}"
    );
}

#[test]
fn unknown_suite_field_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("s.toml"),
        format!("{SUITE}\nshard_sise = 3\n"),
    )
    .expect("suite");
    let stderr = run_err(&["run", "s.toml"], dir.path());
    assert!(
        stderr.contains("shard_sise") && stderr.contains("s.toml"),
        "{stderr}"
    );
}

#[test]
fn empty_dataset_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("data/0_real")).expect("mkdir");
    std::fs::write(dir.path().join("s.toml"), SUITE).expect("suite");
    let stderr = run_err(
        &["run", "s.toml", "--database-url", "sqlite:e.db"],
        dir.path(),
    );
    assert!(
        stderr.contains("no images found") && stderr.contains("small"),
        "{stderr}"
    );
}

#[test]
fn unreachable_coordinator_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("s.toml"), SUITE).expect("suite");
    // Port 9 (discard) on loopback: nothing listens there.
    let stderr = run_err(
        &["run", "s.toml", "--coordinator", "http://127.0.0.1:9"],
        dir.path(),
    );
    assert!(
        stderr.contains("http://127.0.0.1:9") && stderr.contains("not reachable"),
        "{stderr}"
    );
    let stderr = run_err(
        &[
            "worker",
            "--coordinator",
            "http://127.0.0.1:9",
            "--connect-timeout-secs",
            "0.5",
        ],
        dir.path(),
    );
    assert!(stderr.contains("not reachable"), "{stderr}");
}

#[test]
fn coordinator_beyond_loopback_needs_an_explicit_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stderr = run_err(
        &["coordinator", "--listen", "0.0.0.0:0", "--token", "t"],
        dir.path(),
    );
    assert!(
        stderr.contains("no database was given") && stderr.contains("DFBENCH_DATABASE_URL"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("dfbench.db").exists(),
        "no SQLite file may be created in the working folder"
    );
}

#[test]
fn store_and_coordinator_commands_share_their_options() {
    let help = |command: &str| {
        let output = dfbench().args([command, "--help"]).output().expect("help");
        String::from_utf8_lossy(&output.stdout).to_string()
    };
    // The option's help, up to the next option, whitespace collapsed (clap aligns columns
    // per command).
    let option_block = |text: &str, flag: &str| {
        let start = text
            .find(flag)
            .unwrap_or_else(|| panic!("{flag} in {text}"));
        let mut lines = text[start..].lines();
        let mut block: Vec<&str> = lines.next().into_iter().collect();
        block.extend(lines.take_while(|line| !line.trim_start().starts_with('-')));
        block
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let store_commands = [
        "coordinator",
        "run",
        "runs",
        "report",
        "export",
        "compare",
        "history",
        "promote",
        "status",
        "verify",
    ];
    let reference = option_block(&help("runs"), "--database-url <URL>");
    assert!(reference.contains("DFBENCH_DATABASE_URL"), "{reference}");
    for command in store_commands {
        assert_eq!(
            option_block(&help(command), "--database-url <URL>"),
            reference,
            "dfbench {command} --help"
        );
    }
    let reference = option_block(&help("worker"), "--coordinator <URL>");
    for command in ["run", "verify", "cancel", "worker"] {
        let text = help(command);
        assert_eq!(
            option_block(&text, "--coordinator <URL>"),
            reference,
            "{command}"
        );
        assert!(text.contains("--token <TOKEN>"), "dfbench {command} --help");
    }
}
