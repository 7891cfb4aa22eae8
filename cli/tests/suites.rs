//! Every suite in `benchmarks/suites` runs to completion in local mode on the trees
//! `dfbench synth` writes, with named data roots, and its report has a `subset=<set>` row for
//! every test set the suite lists.

mod support;

use dfbench_benchmarks::Suite;
use std::path::{Path, PathBuf};
use support::*;

fn suites() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../benchmarks/suites");
    let mut suites: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("benchmarks/suites")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    suites.sort();
    suites
}

/// The `subset=` slices a suite must produce.
fn expected_subsets(suite: &Suite) -> Vec<String> {
    let mut subsets = Vec::new();
    for dataset in &suite.datasets {
        if dataset.format == "cnnspot" {
            subsets.extend(
                ["upconv-strong", "nearest-medium", "diffusion-weak"]
                    .map(|s| format!("subset={s}")),
            );
        }
        // A set the suite marks absent (e.g. DF40's deepfacelab) is never scored.
        subsets.extend(
            dataset
                .sets
                .iter()
                .filter(|set| !dataset.absent.contains_key(*set))
                .map(|set| format!("subset={set}")),
        );
    }
    subsets
}

#[test]
fn every_suite_runs_on_the_synth_trees() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    run_ok(&["synth", "--out", "demo-data"], work);
    let all = suites();
    assert!(all.len() >= 7, "{all:?}");
    for path in all {
        let stem = path
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .to_string();
        let suite = Suite::load(&path).unwrap_or_else(|error| panic!("{error}"));
        let out = format!("reports-{stem}");
        let database = format!("sqlite:{stem}.db");
        let suite_path = path.display().to_string();
        run_ok(
            &[
                "run",
                &suite_path,
                "--database-url",
                &database,
                "--out",
                &out,
                "--data-root",
                "rgb=demo-data/rgb",
                "--data-root",
                "dfb_json=demo-data/dataset_json",
                "--data-root",
                "diffusionforensics=demo-data/DiffusionForensics",
                "--data-root",
                "genimage=demo-data/GenImage",
                "--data-root",
                "commfor=demo-data/CommunityForensics",
                "--data-root",
                "aigibench=demo-data/AIGIBench",
            ],
            work,
        );
        let folder = single_run_folder(&work.join(&out));
        let metrics = std::fs::read_to_string(folder.join("metrics.csv")).expect("metrics.csv");
        assert!(
            metrics.contains(",subset="),
            "{stem}: no subset rows\n{metrics}"
        );
        for dataset in &suite.datasets {
            for set in dataset.absent.keys() {
                assert!(
                    !metrics.contains(&format!(",subset={set},")),
                    "{stem}: absent set {set} has metric rows"
                );
            }
        }
        for subset in expected_subsets(&suite) {
            assert!(
                metrics.contains(&format!(",{subset},")),
                "{stem}: no {subset} row in metrics.csv"
            );
        }
    }
}
