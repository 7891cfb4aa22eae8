//! `dfbench bench prepare` on a tiny case: it generates its videos, runs `dfbench prepare` and
//! the Python anchor (OpenCV) on them, and prints both sides' CPU time and their ratio. Figures
//! are not asserted (speed lives in the bench), only that both sides ran and were measured.
//!
//! Needs FFmpeg and the torch venv's python (scripts/setup-torch.sh: OpenCV, scikit-image's
//! data files): without them the test says SKIPPED, unless DFBENCH_REQUIRE_TORCH=1.

mod support;

use support::dfbench;

#[test]
fn bench_prepare_measures_dfbench_and_the_python_anchor_on_the_same_videos() {
    let Ok(python) = std::env::var("DFBENCH_TORCH_PYTHON") else {
        if std::env::var("DFBENCH_REQUIRE_TORCH").is_ok_and(|v| v == "1") {
            panic!(
                "DFBENCH_REQUIRE_TORCH=1 but DFBENCH_TORCH_PYTHON is unset: run scripts/setup-torch.sh"
            );
        }
        eprintln!("SKIPPED: DFBENCH_TORCH_PYTHON is unset (scripts/setup-torch.sh)");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let output = dfbench()
        .current_dir(dir.path())
        .args(["bench", "prepare", "--videos", "2", "--length", "12"])
        .args(["--side", "96", "--frames", "3", "--rounds", "1", "--python"])
        .arg(&python)
        .output()
        .expect("spawn dfbench");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "bench prepare failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Every build has the CLI decoder; a `libav` build adds its own row.
    for side in ["python (OpenCV + facenet)", "dfbench prepare (ffmpeg-cli)"] {
        let line = stdout
            .lines()
            .find(|line| line.starts_with(side))
            .unwrap_or_else(|| panic!("no `{side}` line in:\n{stdout}"));
        let figures: Vec<f64> = line[side.len()..]
            .split_whitespace()
            .map(|figure| figure.parse().expect("a figure"))
            .collect();
        assert_eq!(figures.len(), 2, "{line}");
        assert!(figures.iter().all(|f| f.is_finite() && *f > 0.0), "{line}");
    }
    assert!(
        stdout.contains("dfbench (ffmpeg-cli) ÷ python per core:"),
        "{stdout}"
    );
}
