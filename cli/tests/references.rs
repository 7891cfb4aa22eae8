//! The reproduction check end to end: a real `dfbench run` of the built-in detectors on the
//! demo data with a suite carrying one reference the run reproduces and one it misses gives
//! both marks and exit code 1, and `dfbench report --check-references` on the stored run gives
//! the same. The references are set from a first run's measured AUCs, so the marks do not
//! depend on the detectors' exact scores; that run also shows references leave reuse intact.

mod support;

use std::path::Path;
use std::process::Output;
use support::*;

const DB: &str = "sqlite:references.db";

fn dfbench_in(work: &Path, args: &[&str]) -> Output {
    dfbench()
        .args(args)
        .current_dir(work)
        .output()
        .expect("spawn dfbench")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

/// The frame-level AUC (clean images, slice `all`) of `detector` in a report's metrics.json.
fn frame_auc(metrics: &serde_json::Value, detector: &str) -> f64 {
    metrics["metrics"]
        .as_array()
        .expect("metrics array")
        .iter()
        .find(|row| {
            row["detector"] == detector
                && row["level"] == "frame"
                && row["slice"] == "all"
                && row["perturbation"] == "none"
                && row["metric"] == "auc"
        })
        .and_then(|row| row["value"].as_f64())
        .unwrap_or_else(|| panic!("no frame AUC of {detector}"))
}

fn reference(detector: &str, auc: f64, tolerance: f64) -> String {
    format!(
        "\n[[reference]]\ndetector = \"{detector}\"\ndataset = \"demo\"\nlevel = \"frame\"\n\
         auc = {auc:.4}\nsource = \"test\"\nkind = \"own-run\"\ntolerance = {tolerance}\n"
    )
}

/// The printed table line of `detector` (after the `references:` heading).
fn table_line<'a>(stdout: &'a str, detector: &str) -> &'a str {
    let table = stdout
        .split("\nreferences:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no reference table in:\n{stdout}"));
    table
        .lines()
        .find(|line| line.starts_with(&format!("{detector} ")))
        .unwrap_or_else(|| panic!("no line of {detector} in:\n{table}"))
}

fn assert_marks(output: &Output, what: &str) {
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{what}: one reference missed must give exit code 1\nstdout:\n{stdout}\nstderr:\n{}",
        text(&output.stderr)
    );
    let spectral = table_line(&stdout, "spectral");
    assert!(
        spectral.ends_with("  reproduced") && !spectral.contains("not reproduced"),
        "{what}: {spectral}"
    );
    assert!(
        table_line(&stdout, "npr").ends_with("not reproduced"),
        "{what}:\n{stdout}"
    );
    assert!(
        stdout.contains("2 references: 1 reproduced, 1 not reproduced, 0 no measurement"),
        "{what}:\n{stdout}"
    );
    assert!(stdout.contains("## References (2 references"), "{what}");
}

#[test]
fn one_reference_reproduced_one_missed_gives_both_marks_and_exit_1() {
    let dir = tempfile::tempdir().expect("tmp");
    let work = dir.path();
    run_ok(&["synth", "--out", "data"], work);
    let plain = demo_suite("refs", 8);
    std::fs::write(work.join("suite.toml"), &plain).expect("suite");
    let base = ["--database-url", DB, "--workers", "1", "--limit", "8"];
    let first = run_ok(&[&["run", "suite.toml"][..], &base].concat(), work);
    let first_id = run_id_from(&text(&first.stderr));
    let metrics: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            work.join("reports-out")
                .join(&first_id)
                .join("metrics.json"),
        )
        .expect("metrics.json"),
    )
    .expect("json");

    // Without references the flag is an error, not a pass.
    let none = dfbench_in(
        work,
        &[
            "report",
            "--run",
            &first_id,
            "--database-url",
            DB,
            "--check-references",
        ],
    );
    assert_eq!(none.status.code(), Some(2));
    assert!(
        text(&none.stderr).contains("suite `refs` has no [[reference]] entries"),
        "{}",
        text(&none.stderr)
    );

    // Matched: the measured AUC to 4 decimals, within 0.001. Missed: 0.25 away, tolerance 0.02.
    let spectral = frame_auc(&metrics, "spectral");
    let npr = frame_auc(&metrics, "npr");
    let missed = if npr >= 0.5 { npr - 0.25 } else { npr + 0.25 };
    let referenced = format!(
        "{plain}{}{}",
        reference("spectral", spectral, 0.001),
        reference("npr", missed, 0.02)
    );
    std::fs::write(work.join("suite.toml"), referenced).expect("suite");
    let checked = dfbench_in(
        work,
        &[&["run", "suite.toml"][..], &base, &["--check-references"]].concat(),
    );
    println!("dfbench run --check-references:\n{}", text(&checked.stdout));
    println!("exit code: {:?}", checked.status.code());
    assert_marks(&checked, "run");
    // References are not scored: every prediction of the first run is reused.
    assert!(
        text(&checked.stderr).contains("(16 predictions reused"),
        "{}",
        text(&checked.stderr)
    );

    let run_id = run_id_from(&text(&checked.stderr));
    let report = dfbench_in(
        work,
        &[
            "report",
            "--run",
            &run_id,
            "--database-url",
            DB,
            "--check-references",
        ],
    );
    println!(
        "dfbench report --check-references:\n{}",
        text(&report.stdout)
    );
    println!("exit code: {:?}", report.status.code());
    assert_marks(&report, "report");
    let folder = work.join("reports-out").join(&run_id);
    let csv = std::fs::read_to_string(folder.join("references.csv")).expect("references.csv");
    assert_eq!(csv.lines().count(), 3, "{csv}");
    let html = std::fs::read_to_string(folder.join("index.html")).expect("index.html");
    assert!(html.contains("<section id=\"references\">"));
}
