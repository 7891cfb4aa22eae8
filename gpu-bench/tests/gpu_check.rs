//! scripts/gpu-check.sh's run step as CI runs it: on CPU, with this build's `dfbench-gpu-bench`
//! and the torch venv's python (whose libtorch is the one the binary was linked against), few
//! images and one round. The script makes the reference card with that python, and each batch
//! size (32 and 128) prints forward-only and end-to-end rates and their ratio. The CUDA figures
//! come from the borrowed machine (see the script's header); here only the lines and their
//! consistency are checked, not the rates' size.
#![cfg(feature = "torch")]

#[path = "../../cli/tests/support/figures.rs"]
mod figures;
#[path = "../../worker/tests/torch_support/mod.rs"]
#[allow(unused)]
mod torch_support;

use figures::figure;
use std::path::Path;
use std::process::Command;

#[test]
fn the_run_step_prints_both_batch_sizes_on_cpu() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let output = Command::new("bash")
        .arg(root.join("scripts/gpu-check.sh"))
        .arg("run")
        .arg(env!("CARGO_BIN_EXE_dfbench-gpu-bench"))
        .env("DFBENCH_GPU_CHECK_PYTHON", torch_support::python())
        .env("DFBENCH_GPU_CHECK_DEVICE", "cpu")
        .env("DFBENCH_GPU_CHECK_COUNT", "40")
        .env("DFBENCH_GPU_CHECK_ROUNDS", "1")
        .env("DFBENCH_GPU_CHECK_THREADS", "1")
        .env("DFBENCH_GPU_CHECK_TIMEOUT", "120")
        .output()
        .expect("spawn bash");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    println!("{stdout}");
    assert!(
        output.status.success(),
        "gpu-check.sh run failed with {}:\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let header = stdout
        .lines()
        .find(|line| line.contains("dfbench-gpu-bench on cpu"))
        .unwrap_or_else(|| panic!("no header line in:\n{stdout}"));
    assert!(header.contains("torch 2."), "{header}");

    let sections: Vec<&str> = stdout.split("gpu-check: batch ").skip(1).collect();
    assert_eq!(sections.len(), 2, "{stdout}");
    for (section, batch) in sections.into_iter().zip([32, 128]) {
        assert!(section.starts_with(&format!("{batch}\n")), "{section}");
        let bench_header = section.lines().nth(1).unwrap_or_default();
        assert!(
            bench_header.contains("40 images")
                && bench_header.contains(&format!("batch {batch},"))
                && bench_header.contains("device cpu"),
            "{bench_header}"
        );
        let forward = figure(section, "forward only");
        let end_to_end = figure(section, "dfbench end to end");
        let ratio = figure(section, "end to end / forward");
        assert!(
            (ratio - end_to_end / forward).abs() < 1e-3 * ratio.max(1.0) + 1e-3,
            "{section}"
        );
    }
}
