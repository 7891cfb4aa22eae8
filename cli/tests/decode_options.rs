//! Per-dataset decoding in a real `dfbench run` (issue 20): `max_pixels` refuses an image above
//! the dataset's limit (`image_too_large`, in `run` and `datasets check`) while a dataset at the
//! default scores it; `exif_orientation` is stated in the report's provenance and enters the
//! dataset fingerprint, so a run decoding with the orientation applied never reuses the
//! predictions of one that ignored it.

mod support;

use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::image_io::test_files;
use std::path::Path;
use support::*;

fn write_png(path: &Path, side: u32, seed: u32) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let image = image::RgbImage::from_fn(side, side, |x, y| {
        let value = ((x * 7 + y * 13 + seed * 31) % 251) as u8;
        image::Rgb([value, value / 2, 255 - value])
    });
    image.save(path).expect("save png");
}

/// A 97x48 JPEG tagged EXIF orientation 8 (rotate 270° clockwise): 48x97 when applied. The
/// odd side matters: NPR pairs neighbouring pixels along both axes (a 90° rotation alone would
/// keep its score) and trims an odd side's last pixel, which the rotation moves to the other
/// end.
fn write_rotated_jpeg(path: &Path) {
    let image = image::RgbImage::from_fn(97, 48, |x, y| {
        let value = ((x * 5 + y * 17) % 251) as u8;
        image::Rgb([value, 255 - value, value / 3])
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, image::ImageFormat::Jpeg)
        .expect("jpeg");
    let tagged = test_files::jpeg_with_exif_orientation(bytes.get_ref(), 8);
    std::fs::write(path, tagged).expect("write jpeg");
}

fn export(work: &Path, run_id: &str, database_url: &str) -> Vec<Exported> {
    let out = format!("{run_id}.csv");
    run_ok(
        &[
            "export",
            "--run",
            run_id,
            "--out",
            &out,
            "--database-url",
            database_url,
        ],
        work,
    );
    read_export(&work.join(out))
}

#[test]
fn a_dataset_pixel_limit_refuses_larger_images_the_default_scores_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    for index in 0..3 {
        write_png(&work.join(format!("data/0_real/r{index}.png")), 32, index);
        write_png(
            &work.join(format!("data/1_fake/f{index}.png")),
            32,
            index + 9,
        );
    }
    // 100x100 = 10000 pixels: above `limited`'s 5000, far under the 64 MP default.
    write_png(&work.join("data/1_fake/big.png"), 100, 3);
    let suite = r#"
name = "limits"
[[datasets]]
name = "limited"
format = "cnnspot"
root = "data"
max_pixels = 5000
[[datasets]]
name = "default"
format = "cnnspot"
root = "data"
[[detectors]]
name = "spectral"
kind = "builtin"
"#;
    std::fs::write(work.join("suite.toml"), suite).expect("suite");
    let check = dfbench()
        .args(["datasets", "check", "suite.toml"])
        .current_dir(work)
        .output()
        .expect("spawn dfbench");
    let stdout = String::from_utf8_lossy(&check.stdout).to_string();
    assert!(!check.status.success(), "{stdout}");
    let big: Vec<&str> = stdout
        .lines()
        .filter(|line| line.contains("big.png"))
        .collect();
    assert_eq!(big.len(), 1, "only `limited` refuses big.png:\n{stdout}");
    assert!(
        big[0].contains(FailureKind::ImageTooLarge.as_str())
            && big[0].contains("100x100")
            && big[0].contains("5000 pixels")
            && big[0].contains("max_pixels = N"),
        "{}",
        big[0]
    );
    assert!(
        stdout.contains("decoding: exif_orientation ignore, max_pixels 5000"),
        "{stdout}"
    );

    let database_url = "sqlite:l.db";
    run_ok(
        &[
            "run",
            "suite.toml",
            "--database-url",
            database_url,
            "--out",
            "reports",
        ],
        work,
    );
    let run_folder = single_run_folder(&work.join("reports"));
    let rows = export(work, &run_id_of(&run_folder), database_url);
    assert_eq!(rows.len(), 14, "{rows:?}");
    for row in &rows {
        let refused = row.dataset == "limited" && row.sample_path.ends_with("big.png");
        if refused {
            assert_eq!(row.failure, FailureKind::ImageTooLarge.as_str(), "{row:?}");
            assert!(row.score.is_none());
        } else {
            assert!(
                row.failure.is_empty() && row.score.is_some(),
                "scored: {row:?}"
            );
        }
    }
    let leaderboard =
        std::fs::read_to_string(run_folder.join("leaderboard.md")).expect("leaderboard.md");
    assert!(
        leaderboard.contains("exif_orientation ignore, max_pixels 5000")
            && leaderboard.contains("exif_orientation ignore, max_pixels 64000000"),
        "{leaderboard}"
    );
}

#[test]
fn exif_orientation_is_in_the_provenance_and_keeps_reuse_apart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    for index in 0..3 {
        write_png(&work.join(format!("data/0_real/r{index}.png")), 48, index);
        write_png(
            &work.join(format!("data/1_fake/f{index}.png")),
            48,
            index + 9,
        );
    }
    write_rotated_jpeg(&work.join("data/1_fake/rotated.jpg"));
    let suite = |rule: &str| {
        format!(
            "name = \"exif\"\n[[datasets]]\nname = \"photos\"\nformat = \"cnnspot\"\nroot = \"data\"\n\
             {rule}\n[[detectors]]\nname = \"npr\"\nkind = \"builtin\"\n"
        )
    };
    std::fs::write(work.join("pil.toml"), suite("")).expect("suite");
    std::fs::write(work.join("cv2.toml"), suite("exif_orientation = \"apply\"")).expect("suite");
    let database_url = "sqlite:e.db";
    let run = |file: &str, out: &str| {
        let output = run_ok(
            &["run", file, "--database-url", database_url, "--out", out],
            work,
        );
        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        let folder = single_run_folder(&work.join(out));
        (folder, stderr)
    };
    let (pil, _) = run("pil.toml", "pil");
    let (pil_again, stderr) = run("pil.toml", "pil-again");
    assert!(stderr.contains("(7 predictions reused"), "{stderr}");
    let (cv2, stderr) = run("cv2.toml", "cv2");
    assert!(
        stderr.contains("(0 predictions reused"),
        "an applied orientation is a different input:\n{stderr}"
    );
    let leaderboard = |folder: &Path| {
        std::fs::read_to_string(folder.join("leaderboard.md")).expect("leaderboard.md")
    };
    assert!(leaderboard(&pil).contains("decoded with exif_orientation ignore"));
    assert!(leaderboard(&pil_again).contains("decoded with exif_orientation ignore"));
    assert!(
        leaderboard(&cv2).contains("decoded with exif_orientation apply"),
        "{}",
        leaderboard(&cv2)
    );
    let score_of = |folder: &Path| {
        export(work, &run_id_of(folder), database_url)
            .into_iter()
            .find(|row| row.sample_path.ends_with("rotated.jpg"))
            .and_then(|row| row.score)
            .expect("rotated.jpg scored")
    };
    let (ignored, applied) = (score_of(&pil), score_of(&cv2));
    assert_ne!(ignored, applied, "the rotated image scores differently");
}
