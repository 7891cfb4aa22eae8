//! GenImage and Community Forensics releases from `dfbench synth`, broken the ways releases
//! break (GenImage's own listed broken files, a download cut short so its checksum mismatches, a
//! file that still decodes but is not the published one, a corrupted Community Forensics image):
//! `dfbench datasets check` reports each, and a real `dfbench run` records each as a typed
//! failure (the two checksum mismatches as `checksum_mismatch`, never scored), the rest as scores.

mod support;

use dfbench_benchmarks::FailureKind;
use std::path::Path;
use support::*;

const SUITE: &str = r#"
name = "released"
shard_size = 8
[[datasets]]
name = "genimage"
format = "genimage"
root = "data/GenImage"
sets = ["ADM", "GLIDE", "VQDM"]
[[datasets]]
name = "commfor"
format = "community-forensics"
root = "data/CommunityForensics"
[[detectors]]
name = "spectral"
kind = "builtin"
"#;

const CUT: &str = "data/GenImage/VQDM/imagenet_ai_0419_vqdm/val/nature/n01440764_00001.JPEG";
/// Still decodes (bytes appended after the JPEG's end), but its MD5 is not the published one.
const ALTERED: &str = "data/GenImage/ADM/imagenet_ai_0508_adm/val/nature/n01440764_00000.JPEG";
const CORRUPT: &str = "data/CommunityForensics/pixart_alpha/fake/00001.png";

fn check(work: &Path) -> (bool, String) {
    let output = dfbench()
        .args(["datasets", "check", "s.toml"])
        .current_dir(work)
        .output()
        .expect("spawn dfbench");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).to_string(),
    )
}

#[test]
fn check_reports_and_a_run_records_listed_cut_and_corrupted_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    run_ok(&["synth", "--out", "data"], work);
    std::fs::write(work.join("s.toml"), SUITE).expect("suite");

    // As released: GenImage's listed broken files are recorded exclusions, not errors.
    let (ok, stdout) = check(work);
    println!("{stdout}");
    assert!(ok, "{stdout}");
    // Images: each is its own sample, no video count beside it.
    assert!(
        stdout.contains("dataset genimage/ADM: 6 samples, root "),
        "{stdout}"
    );
    assert!(
        stdout.contains("improper_png_header/imagenet_ai_0508_adm.txt line 1")
            && stdout.contains("corrupted_files/imagenet_glide.txt line 1")
            && stdout.contains("published checksums: 6 for files present (6 match, 0 do not)"),
        "{stdout}"
    );

    // A download cut short and an altered file (checksum mismatches), and a corrupted image.
    let bytes = std::fs::read(work.join(CUT)).expect("read");
    std::fs::write(work.join(CUT), &bytes[..bytes.len() / 2]).expect("cut");
    let mut altered = std::fs::read(work.join(ALTERED)).expect("read");
    altered.extend_from_slice(b"appended after the end of the image");
    std::fs::write(work.join(ALTERED), &altered).expect("alter");
    std::fs::write(work.join(CORRUPT), b"\x89PNG\r\n\x1a\nnot a png").expect("corrupt");
    let (ok, stdout) = check(work);
    println!("{stdout}");
    assert!(
        !ok,
        "a mismatch and a corrupted file exit non-zero:\n{stdout}"
    );
    assert!(
        stdout.matches("checksum mismatches: 1").count() == 2
            && stdout.contains("VQDM/imagenet_ai_0419_vqdm/val/nature/n01440764_00001.JPEG: MD5")
            && stdout.contains("ADM/imagenet_ai_0508_adm/val/nature/n01440764_00000.JPEG: MD5"),
        "{stdout}"
    );
    assert!(
        stdout.contains("unreadable images: 1") && stdout.contains("pixart_alpha/fake/00001.png"),
        "{stdout}"
    );

    // A real run: every broken file is a recorded failure with its kind; the rest are scored.
    let run = [
        "run",
        "s.toml",
        "--database-url",
        "sqlite:r.db",
        "--out",
        "reports",
    ];
    let output = run_ok(&run, work);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("5 failed"), "{stdout}");
    let folder = single_run_folder(&work.join("reports"));
    let outcomes = export_outcomes(work, &run_id_of(&folder), "sqlite:r.db");
    let failures: Vec<(&str, &str)> = outcomes
        .iter()
        .filter_map(|((_, path), outcome)| {
            outcome
                .strip_prefix("failed:")
                .map(|kind| (path.as_str(), kind))
        })
        .collect();
    println!("{failures:?}");
    let kind_of = |suffix: &str| {
        failures
            .iter()
            .find(|(path, _)| path.ends_with(suffix))
            .map(|(_, kind)| *kind)
            .unwrap_or_else(|| panic!("{suffix} is not a recorded failure: {failures:?}"))
    };
    assert_eq!(failures.len(), 5, "{failures:?}");
    assert_eq!(
        kind_of("115_adm_002.PNG"),
        FailureKind::DecodeError.as_str()
    );
    assert_eq!(
        kind_of("glide_00002.png"),
        FailureKind::TruncatedImage.as_str()
    );
    assert_eq!(
        kind_of("vqdm/val/nature/n01440764_00001.JPEG"),
        FailureKind::ChecksumMismatch.as_str()
    );
    assert_eq!(
        kind_of("adm/val/nature/n01440764_00000.JPEG"),
        FailureKind::ChecksumMismatch.as_str()
    );
    assert_eq!(
        kind_of("pixart_alpha/fake/00001.png"),
        FailureKind::DecodeError.as_str()
    );
    assert_eq!(outcomes.len(), 3 * 6 + 3 * 6, "every sample has an outcome");
    let metrics = std::fs::read_to_string(folder.join("metrics.csv")).expect("metrics.csv");
    for subset in ["ADM", "GLIDE", "VQDM", "pixart_alpha"] {
        assert!(metrics.contains(&format!(",subset={subset},")), "{metrics}");
    }
    // A rerun reads the mismatched files again (their content was not stored) and records them
    // again: still never scored.
    let output = run_ok(&run, work);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("5 failed"), "{stdout}");
}
