//! End to end with real processes: a `dfbench coordinator`, two `dfbench worker`s on loopback,
//! and `dfbench run --coordinator`, on SQLite and on PostgreSQL. Checks that every sample got
//! exactly one prediction per detector and that the stored metrics equal metrics recomputed
//! here from the exported predictions.

mod support;

use dfbench_store::RunId;
use std::collections::BTreeMap;
use support::*;

const SUITE: &str = r#"
name = "e2e"
shard_size = 16
[[datasets]]
name = "demo"
format = "cnnspot"
root = "data/cnnspot"
[[detectors]]
name = "spectral"
kind = "builtin"
[[detectors]]
name = "npr"
kind = "builtin"
"#;

async fn run_distributed(database_url: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    run_ok(&["synth", "--out", "data"], work);
    std::fs::write(work.join("suite.toml"), SUITE).expect("suite");

    let (_coordinator, url) = start_coordinator(database_url, &["--heartbeat-secs", "0.5"]);
    let _workers = [start_worker(&url, "w1"), start_worker(&url, "w2")];
    let output = run_ok(
        &[
            "run",
            "suite.toml",
            "--coordinator",
            &url,
            "--database-url",
            database_url,
            "--out",
            "reports",
        ],
        work,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("| spectral |") && stdout.contains("| npr |"),
        "leaderboard printed:\n{stdout}"
    );
    let run_folder = single_run_folder(&work.join("reports"));
    let run_id = run_id_of(&run_folder);
    assert!(run_folder.join("index.html").is_file() && run_folder.join("roc.png").is_file());

    run_ok(
        &[
            "export",
            "--run",
            &run_id,
            "--out",
            "predictions.csv",
            "--database-url",
            database_url,
        ],
        work,
    );
    let exported = read_export(&work.join("predictions.csv"));

    // Exactly one prediction per (detector, sample), covering every image on disk.
    let files = image_files(&work.join("data/cnnspot"));
    assert!(files.len() >= 200, "demo data has {} images", files.len());
    for detector in ["spectral", "npr"] {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for row in exported.iter().filter(|row| row.detector == detector) {
            *counts.entry(row.sample_path.as_str()).or_default() += 1;
        }
        assert!(
            counts.values().all(|count| *count == 1),
            "{detector}: duplicated predictions"
        );
        let predicted: std::collections::BTreeSet<String> =
            counts.keys().map(|path| path.to_string()).collect();
        assert_eq!(
            predicted, files,
            "{detector}: predictions must cover every sample"
        );
    }
    assert!(
        exported
            .iter()
            .all(|row| row.score.is_some() && row.failure.is_empty())
    );

    // Stored metrics equal an independent recomputation from the export.
    let store = dfbench_store::open_store(database_url)
        .await
        .expect("open store");
    let stored = store
        .metrics(&RunId(run_id.clone()))
        .await
        .expect("metrics");
    let mut checked = 0;
    for detector in ["spectral", "npr"] {
        let mut slices: BTreeMap<String, Vec<(f64, bool)>> = BTreeMap::new();
        for row in exported.iter().filter(|row| row.detector == detector) {
            let scored = (row.score.expect("score"), row.label == 1);
            slices.entry("all".into()).or_default().push(scored);
            let subset = row.sample_path.split('/').next().expect("subset");
            slices
                .entry(format!("subset={subset}"))
                .or_default()
                .push(scored);
        }
        for (slice, scored) in &slices {
            let reference = reference_metrics(scored);
            for (metric, expected) in &reference {
                let found = stored
                    .iter()
                    .find(|m| {
                        m.detector == detector
                            && m.slice == *slice
                            && m.metric == *metric
                            && m.level == "frame"
                    })
                    .unwrap_or_else(|| panic!("no stored {metric} for {detector} {slice}"));
                let value = found.value.expect("defined");
                assert!(
                    (value - expected).abs() < 1e-12,
                    "{detector} {slice} {metric}: stored {value}, recomputed {expected}"
                );
                checked += 1;
            }
            if slice == "all" {
                assert!(
                    reference["auc"] > 0.7,
                    "{detector} AUC on demo data is {}",
                    reference["auc"]
                );
            }
        }
    }
    assert_eq!(
        checked,
        2 * 4 * 3,
        "2 detectors × (all + 3 subsets) × 3 metrics"
    );
    let csv = std::fs::read_to_string(run_folder.join("metrics.csv")).expect("metrics.csv");
    assert!(
        csv.starts_with("run,detector,dataset,perturbation,slice,level,metric,value,n_real,n_fake")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn distributed_run_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:{}", dir.path().join("e2e.db").display());
    run_distributed(&url).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn distributed_run_on_postgres() {
    let Some(url) = dfbench_store::testing::fresh_postgres_url("distributed_run_on_postgres")
        .await
        .expect("postgres")
    else {
        return;
    };
    run_distributed(&url).await;
}
