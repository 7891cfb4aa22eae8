//! Decompression bombs cost no memory (issue 20): a real `dfbench run` with one worker over
//! PNGs declaring 20000x20000 pixels (1.2 GB of RGB each if decoded) beside ordinary images
//! stays far under 1.5 GiB peak RSS, the bombs record `image_too_large` and the others score.
//! The child's peak (`VmHWM`) is read from /proc while it runs (Linux only). The 40 × 7000x7000
//! budget dataset takes minutes in a debug build: `scripts/memory-budget.py` measures both.

mod support;

use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::image_io::test_files;
use std::path::Path;
use std::time::Duration;
use support::*;

const LIMIT_KIB: u64 = 1536 * 1024;

/// `VmHWM` (peak resident set, KiB) of process `pid`, while it lives.
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

fn write_png(path: &Path, seed: u32) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let image = image::RgbImage::from_fn(128, 128, |x, y| {
        let value = ((x * 7 + y * 13 + seed * 31) % 251) as u8;
        image::Rgb([value, value / 2, 255 - value])
    });
    image.save(path).expect("save png");
}

#[test]
fn a_bomb_dataset_stays_under_the_memory_limit() {
    if !Path::new("/proc/self/status").exists() {
        eprintln!("skipped: no /proc to read the peak RSS from");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    for index in 0..4u32 {
        let label = if index % 2 == 0 { "0_real" } else { "1_fake" };
        std::fs::create_dir_all(work.join("data").join(label)).expect("mkdir");
        std::fs::write(
            work.join(format!("data/{label}/bomb{index}.png")),
            test_files::header_bomb_png(20_000, 20_000),
        )
        .expect("bomb");
        write_png(&work.join(format!("data/{label}/ok{index}.png")), index);
    }
    let suite = "name = \"bombs\"\n[[datasets]]\nname = \"bombs\"\nformat = \"cnnspot\"\nroot = \"data\"\n\
                 [[detectors]]\nname = \"spectral\"\nkind = \"builtin\"\n";
    std::fs::write(work.join("suite.toml"), suite).expect("suite");
    let mut child = dfbench()
        .args([
            "run",
            "suite.toml",
            "--workers",
            "1",
            "--database-url",
            "sqlite:b.db",
            "--out",
            "reports",
        ])
        .current_dir(work)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn dfbench");
    let mut peak = 0;
    let status = loop {
        if let Some(kib) = peak_kib(child.id()) {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(status.success(), "dfbench run failed");
    eprintln!("bomb dataset: peak RSS {peak} KiB ({} MiB)", peak / 1024);
    assert!(peak > 0, "no peak RSS read");
    assert!(peak < LIMIT_KIB, "peak RSS {peak} KiB over {LIMIT_KIB} KiB");

    let run_id = run_id_of(&single_run_folder(&work.join("reports")));
    run_ok(
        &[
            "export",
            "--run",
            &run_id,
            "--out",
            "p.csv",
            "--database-url",
            "sqlite:b.db",
        ],
        work,
    );
    let rows = read_export(&work.join("p.csv"));
    assert_eq!(rows.len(), 8);
    for row in rows {
        if row.sample_path.contains("bomb") {
            assert_eq!(row.failure, FailureKind::ImageTooLarge.as_str(), "{row:?}");
        } else {
            assert!(row.score.is_some(), "{row:?}");
        }
    }
}
