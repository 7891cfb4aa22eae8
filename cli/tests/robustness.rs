//! `dfbench demo --preset univfd` on the generated demo data: every sample is scored under
//! every perturbation of UnivFD's grids, and the spectral detector, whose evidence is
//! high-frequency up-sampling traces, loses AUC as JPEG quality falls (JPEG quantises exactly
//! those frequencies away).

mod support;

use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::perturb::grid::expand_entry;
use dfbench_store::{RunId, open_store};
use std::collections::BTreeMap;
use support::*;

/// Slack allowed for an AUC to rise from one JPEG quality to the next lower one. With ~120
/// images per class an AUC's standard error is ~0.03, and neighbouring qualities score the same
/// images, so their difference is far less noisy than that; 0.03 still absorbs one unlucky step.
const STEP_TOLERANCE: f64 = 0.03;

#[tokio::test(flavor = "multi_thread")]
async fn univfd_preset_scores_every_perturbation_and_jpeg_erodes_spectral() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    run_ok(&["demo", "--preset", "univfd", "--workers", "2"], work);
    let run_id = run_id_of(&single_run_folder(&work.join("reports-out")));
    let database_url = format!("sqlite:{}", work.join("dfbench.db").display());
    run_ok(
        &[
            "export",
            "--run",
            &run_id,
            "--out",
            "export.csv",
            "--database-url",
            &database_url,
        ],
        work,
    );

    let expected = expand_entry("univfd").expect("preset");
    let images = image_files(&work.join("demo-data/cnnspot")).len();
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    for row in read_export(&work.join("export.csv")) {
        assert!(
            row.score.is_some(),
            "{} {} {}: {}",
            row.perturbation,
            row.detector,
            row.sample_path,
            row.failure
        );
        *counts.entry((row.perturbation, row.detector)).or_default() += 1;
    }
    for perturbation in &expected {
        for detector in ["spectral", "npr"] {
            let key = (perturbation.clone(), detector.to_string());
            assert_eq!(counts.get(&key), Some(&images), "{key:?}");
        }
    }
    assert_eq!(counts.len(), expected.len() * 2, "{:?}", counts.keys());

    let store = open_store(&database_url).await.expect("open store");
    let metrics = store
        .metrics(&RunId(run_id.clone()))
        .await
        .expect("metrics");
    let auc = |perturbation: &str| -> f64 {
        metrics
            .iter()
            .find(|m| {
                m.detector == "spectral"
                    && m.perturbation == perturbation
                    && m.slice == "all"
                    && m.level == "frame"
                    && m.metric == "auc"
            })
            .and_then(|m| m.value)
            .unwrap_or_else(|| panic!("no spectral AUC stored for {perturbation}"))
    };
    let qualities = [100, 90, 80, 70, 60, 50, 40, 30];
    let curve: Vec<f64> = qualities
        .iter()
        .map(|q| auc(&format!("jpeg:q={q}")))
        .collect();
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!(
            "spectral AUC: none {:.3}, jpeg q {qualities:?} → {curve:.3?}\n",
            auc("none")
        )
        .as_bytes(),
    );
    assert!(auc("none") > 0.75, "clean AUC {}", auc("none"));
    let (first, last) = (curve[0], curve[curve.len() - 1]);
    assert!(
        last < first - 0.1,
        "AUC q=30 {last} is not well below q=100 {first}"
    );
    for (pair, q) in curve.windows(2).zip(qualities.windows(2)) {
        assert!(
            pair[1] <= pair[0] + STEP_TOLERANCE,
            "AUC rose from q={} ({:.3}) to q={} ({:.3})",
            q[0],
            pair[0],
            q[1],
            pair[1]
        );
    }
}

/// A lease whose perturbation id this worker cannot parse (a newer coordinator's, or a row
/// edited by hand) fails its shard for good, and every prediction of it says why.
#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_perturbation_fails_its_shards_with_a_typed_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    run_ok(&["synth", "--out", "data"], work);
    let suite = "name = \"bad-perturbation\"\nshard_size = 64\n\
                 [[datasets]]\nname = \"demo\"\nformat = \"cnnspot\"\nroot = \"data/cnnspot\"\n\
                 [[detectors]]\nname = \"spectral\"\nkind = \"builtin\"\n";
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    let mut plan = dfbench_coordinator::plan_run(&dfbench_coordinator::planner::RunRequest {
        suite_text: suite,
        suite_origin: "test",
        data_root: work,
        data_roots: &BTreeMap::new(),
        allow_missing: false,
        name: "bad-perturbation",
        dfbench_version: "test",
        now_ms,
        sampling: Default::default(),
        serve_roots: None,
        output_root: None,
    })
    .expect("plan");
    for shard in &mut plan.shards {
        shard.perturbation = "sharpen:1".to_string();
    }
    let database_url = format!("sqlite:{}", work.join("bad.db").display());
    let store = open_store(&database_url).await.expect("open store");
    store.create_run(&plan).await.expect("store the run");
    let run_id = plan.run.id.clone();

    let (_coordinator, url) = start_coordinator(&database_url, &["--heartbeat-secs", "0.5"]);
    let _worker = start_worker(&url, "w1");
    let started = std::time::Instant::now();
    let progress = loop {
        let progress = store.run_progress(&run_id).await.expect("progress");
        if progress.status != "running" {
            break progress;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(120),
            "run still running: {progress:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(
        progress.shards_failed, progress.shards_total,
        "{progress:?}"
    );
    let predictions = store.predictions(&run_id).await.expect("predictions");
    assert_eq!(predictions.len(), plan.samples.len());
    for prediction in &predictions {
        assert_eq!(
            prediction.outcome.failure_kind,
            Some(FailureKind::PerturbationError)
        );
        let message = prediction
            .outcome
            .failure_message
            .as_deref()
            .unwrap_or_default();
        assert!(message.contains("`sharpen:1`"), "{message}");
    }
}
