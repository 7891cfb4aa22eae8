//! Clip detectors end to end (real `dfbench run` processes, SQLite and PostgreSQL): the built-in
//! clip detector scores the synthetic `DemoClips` videos beside an image detector in one run,
//! the report has clip and video levels, an unchanged rerun reuses every clip, a changed frame
//! recomputes only the clip that read it, a missing frame fails its clip naming the frame, and
//! videos shorter than a clip are recorded as `video_too_short`; `history` charts the clip
//! detector on its clips. Under `frames = "uniform:8"`
//! each detector reads its own frames (image: 8 evenly spaced, clip: the first 8) from one
//! shard holding their union, and an image-only suite keeps exactly its old samples.

mod support;

use std::path::Path;
use std::time::{Duration, SystemTime};
use support::*;

/// The clip suite ([`CLIP_SUITE`]) with `frames = "FRAMES"`, FRAMES replaced by the caller.
const SUITE: &str = CLIP_SUITE;

/// 18 videos of 16 frames; `temporal` cuts each into 4 clips of 4 frames.
const VIDEOS: usize = 18;
const FRAMES: usize = 16;
const CLIPS: usize = VIDEOS * 4;

/// Runs the suite; returns the run id and the planning line's numbers (predictions reused,
/// clips planned, clips reused).
fn run_suite(work: &Path, database_url: &str, extra: &[&str]) -> (String, [u64; 3]) {
    let mut args = vec!["run", "suite.toml", "--database-url", database_url];
    args.extend_from_slice(&["--workers", "1", "--out", "reports"]);
    args.extend_from_slice(extra);
    let output = run_ok(&args, work);
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let line = stderr
        .lines()
        .find(|line| line.starts_with("run ") && line.contains("files hashed"))
        .unwrap_or_else(|| panic!("no planning line in:\n{stderr}"));
    // A run without clip detectors says nothing about clips: 0 for those.
    let number_before = |marker: &str| -> u64 {
        let Some(end) = line.find(marker) else {
            assert!(marker.starts_with("clips"), "{marker}: {line}");
            assert!(!line.contains("clip"), "{marker}: {line}");
            return 0;
        };
        let head = line[..end].trim_end();
        let start = head
            .rfind(|c: char| !c.is_ascii_digit())
            .map_or(0, |i| i + 1);
        head[start..]
            .parse()
            .unwrap_or_else(|_| panic!("{marker}: {line}"))
    };
    (
        run_id_from(&stderr),
        [
            number_before("predictions reused"),
            number_before("clips ("),
            number_before("clips reused"),
        ],
    )
}

fn write_suite(work: &Path, frames: &str) {
    std::fs::write(work.join("suite.toml"), SUITE.replace("FRAMES", frames)).expect("suite");
}

/// (level, AUC) of `detector` on slice `all` from the newest report's metrics.csv.
fn aucs(work: &Path, run_id: &str, detector: &str) -> Vec<(String, f64)> {
    let text = std::fs::read_to_string(work.join("reports").join(run_id).join("metrics.csv"))
        .expect("metrics.csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("headers").clone();
    let column = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (d, level, slice, metric, value) = (
        column("detector"),
        column("level"),
        column("slice"),
        column("metric"),
        column("value"),
    );
    reader
        .records()
        .map(|r| r.expect("row"))
        .filter(|r| &r[d] == detector && &r[slice] == "all" && &r[metric] == "auc")
        .map(|r| (r[level].to_string(), r[value].parse().expect("auc")))
        .collect()
}

/// The first frame of a fake video.
fn frame(work: &Path, index: usize) -> std::path::PathBuf {
    work.join(format!(
        "data/rgb/DemoClips/StrongFlicker_Fake/000/{index:03}.png"
    ))
}

/// Changes one pixel of a PNG and keeps the file size (a dataset's fingerprint covers file
/// sizes): re-encoded at the best compression and padded after IEND, which decoders ignore.
fn edit_keeping_size(path: &Path) {
    use image::ImageEncoder;
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    let size = std::fs::metadata(path).expect("stat").len() as usize;
    let mut pixels = image::open(path).expect("decode").into_rgb8();
    let pixel = pixels.get_pixel_mut(10, 10);
    pixel[0] = pixel[0].wrapping_add(40);
    let mut bytes = Vec::new();
    PngEncoder::new_with_quality(&mut bytes, CompressionType::Best, FilterType::Adaptive)
        .write_image(
            pixels.as_raw(),
            pixels.width(),
            pixels.height(),
            image::ExtendedColorType::Rgb8,
        )
        .expect("encode");
    assert!(bytes.len() <= size, "{} > {size}", bytes.len());
    bytes.resize(size, 0);
    std::fs::write(path, &bytes).expect("write");
    assert!(image::open(path).is_ok(), "the edited frame still decodes");
}

fn clip_detector_end_to_end(database_url: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    run_ok(&["synth", "--out", "data"], work);
    write_suite(work, "all");
    let check = run_ok(&["datasets", "check", "suite.toml"], work);
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(
        said.contains(
            "clip detector temporal: 72 clips of 4 frames from 18 videos; 0 video(s) too short"
        ),
        "{said}"
    );

    let (first, [reused, clips, clips_reused]) = run_suite(work, database_url, &[]);
    assert_eq!((reused, clips, clips_reused), (0, CLIPS as u64, 0));
    let temporal = aucs(work, &first, "temporal");
    let levels: Vec<&str> = temporal.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(levels, ["clip", "video"], "{temporal:?}");
    assert!(
        temporal[1].1 >= 0.9,
        "flicker is what temporal sees: {temporal:?}"
    );
    let spectral = aucs(work, &first, "spectral");
    let levels: Vec<&str> = spectral.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(levels, ["frame", "video"], "{spectral:?}");
    let outcomes = export_outcomes(work, &first, database_url);
    let clip_rows = outcomes.keys().filter(|(d, _)| d == "temporal").count();
    assert_eq!(clip_rows, CLIPS);
    assert_eq!(outcomes.len(), CLIPS + VIDEOS * FRAMES);
    assert!(
        outcomes.contains_key(&(
            "temporal".to_string(),
            "clips/StrongFlicker_Fake/000#clip1:4-7".to_string()
        )) || outcomes.keys().any(|(_, p)| p.ends_with("#clip1:4-7")),
        "clips are named by video, index and frames"
    );
    let leaderboard =
        std::fs::read_to_string(work.join("reports").join(&first).join("leaderboard.md"))
            .expect("leaderboard");
    assert!(leaderboard.contains("| temporal | clip |"), "{leaderboard}");
    assert!(leaderboard.contains("clip → video: mean"), "{leaderboard}");

    // verify re-scores whole videos (a partial run with a clip detector samples videos) on
    // other workers and compares the same clips of the same frames.
    let verified = run_ok(
        &[
            "verify",
            "--run",
            &first,
            "--fraction",
            "0.3",
            "--database-url",
            database_url,
        ],
        work,
    );
    let said = String::from_utf8_lossy(&verified.stdout);
    let temporal_line = said
        .lines()
        .find(|line| line.trim_start().starts_with("temporal"))
        .unwrap_or_else(|| panic!("no temporal line in:\n{said}"));
    assert!(
        temporal_line.contains(" clips ") && temporal_line.contains("outcome changed 0  ok"),
        "{said}"
    );

    // Unchanged: every clip reused.
    let (_, [reused, clips, clips_reused]) = run_suite(work, database_url, &[]);
    assert_eq!(
        (reused, clips, clips_reused),
        ((VIDEOS * FRAMES) as u64, CLIPS as u64, CLIPS as u64)
    );

    // The series' history charts the clip detector on its clips beside the image detector.
    run_ok(
        &[
            "history",
            "--name",
            "clips",
            "--out",
            "history",
            "--database-url",
            database_url,
        ],
        work,
    );
    let page = std::fs::read_to_string(work.join("history/index.html")).expect("history page");
    assert!(
        page.contains("<th>temporal (clips)</th>") && page.contains("<th>spectral</th>"),
        "{page}"
    );

    // One frame changed: its frame prediction and the one clip that read it are recomputed.
    let changed = frame(work, 5);
    edit_keeping_size(&changed);
    std::fs::File::options()
        .write(true)
        .open(&changed)
        .and_then(|file| file.set_modified(SystemTime::now() + Duration::from_secs(5)))
        .expect("mtime");
    let (_, [reused, _, clips_reused]) = run_suite(work, database_url, &[]);
    assert_eq!(reused, (VIDEOS * FRAMES - 1) as u64);
    assert_eq!(clips_reused, (CLIPS - 1) as u64);

    // A missing frame fails the clip that reads it, naming the frame; the others score.
    std::fs::remove_file(frame(work, 9)).expect("remove");
    let (missing, _) = run_suite(work, database_url, &["--allow-missing", "--no-reuse"]);
    let outcomes = export_outcomes(work, &missing, database_url);
    let failed: Vec<_> = outcomes
        .iter()
        .filter(|((d, _), outcome)| d == "temporal" && outcome.starts_with("failed:"))
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(failed[0].0.1.ends_with("#clip2:8-11"), "{failed:?}");

    // Three frames per video: every video is too short for a clip of four, and says so.
    write_suite(work, "first:3");
    let (short, [_, clips, _]) = run_suite(work, database_url, &["--allow-missing"]);
    assert_eq!(clips, VIDEOS as u64, "one outcome per video");
    let outcomes = export_outcomes(work, &short, database_url);
    let too_short = outcomes
        .iter()
        .filter(|((d, _), outcome)| d == "temporal" && *outcome == "failed:video_too_short")
        .count();
    assert_eq!(too_short, VIDEOS);
}

/// `uniform:8` on 16-frame videos: spectral scores frames 0 2 4 6 8 10 12 15 of each video,
/// temporal clips 0-3 and 4-7; frames 1 3 5 7 are decoded for temporal only. An image-only
/// suite plans the same 8 frames per video (every prediction reused: same fingerprint).
fn uniform_frames_per_reader(database_url: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    run_ok(&["synth", "--out", "data"], work);
    write_suite(work, "uniform:8");
    let check = run_ok(&["datasets", "check", "suite.toml"], work);
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(
        said.contains("clip detector temporal: 36 clips of 4 frames from 18 videos"),
        "{said}"
    );
    let (mixed, [reused, clips, _]) = run_suite(work, database_url, &[]);
    assert_eq!((reused, clips), (0, (VIDEOS * 2) as u64));
    let outcomes = export_outcomes(work, &mixed, database_url);
    let frames_of = |detector: &str| -> Vec<String> {
        outcomes
            .keys()
            .filter(|(d, _)| d == detector)
            .map(|(_, path)| path.clone())
            .collect()
    };
    let spectral = frames_of("spectral");
    assert_eq!(spectral.len(), VIDEOS * 8);
    let video = "DemoClips/StrongFlicker_Fake/000/";
    let stems: Vec<&str> = spectral
        .iter()
        .filter(|path| path.contains(video))
        .filter_map(|path| path.rsplit('/').next()?.strip_suffix(".png"))
        .collect();
    assert_eq!(
        stems,
        ["000", "002", "004", "006", "008", "010", "012", "015"]
    );
    let temporal = frames_of("temporal");
    assert_eq!(temporal.len(), VIDEOS * 2);
    for clip in ["#clip0:0-3", "#clip1:4-7"] {
        assert_eq!(
            temporal.iter().filter(|p| p.ends_with(clip)).count(),
            VIDEOS,
            "{clip}: {temporal:?}"
        );
    }
    assert!(
        outcomes
            .values()
            .all(|outcome| !outcome.starts_with("failed")),
        "{outcomes:?}"
    );

    // Image detectors only: the clip-only frames are not planned; the 8 frames per video are
    // the old sample set, and the same fingerprint reuses every prediction.
    std::fs::write(
        work.join("suite.toml"),
        SUITE.replace("FRAMES", "uniform:8").replace(
            "[[detectors]]\nname = \"temporal\"\nkind = \"builtin\"\n",
            "",
        ),
    )
    .expect("suite");
    let (image_only, [reused, clips, _]) = run_suite(work, database_url, &[]);
    assert_eq!((reused, clips), ((VIDEOS * 8) as u64, 0));
    let image_outcomes = export_outcomes(work, &image_only, database_url);
    let image_frames: Vec<String> = image_outcomes.keys().map(|(_, p)| p.clone()).collect();
    assert_eq!(image_frames, spectral);
}

on_both_backends!(uniform_frames_per_reader);
on_both_backends!(clip_detector_end_to_end);

/// `dfbench bench frames`: beside an image detector, a clip detector's run decodes the union of
/// the two selections (uniform:8 of 16 frames: the first 8 and 8 spread → 12 per video), once.
#[test]
fn bench_frames_decodes_the_union_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = run_ok(&["bench", "frames", "--workers", "1"], dir.path());
    let said = String::from_utf8_lossy(&output.stdout);
    let line = |label: &str| {
        said.lines()
            .find(|line| line.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("no `{label}` line in:\n{said}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert!(
        line("temporal alone").contains("144 frames decoded (union of the selections: 144)"),
        "{said}"
    );
    assert!(
        line("temporal + spectral").contains("216 frames decoded (union of the selections: 216)"),
        "{said}"
    );
}
