//! Prediction reuse and run history with real `dfbench` processes (local mode, on SQLite and on
//! PostgreSQL when `DATABASE_URL` is set): an unchanged rerun reuses every prediction and leases
//! no shard; changing one detector's identity recomputes only that detector; `--no-reuse`
//! recomputes everything; tags, `latest`, partial runs and `promote` resolve and refuse as
//! documented.

mod support;

use dfbench_store::{PredictionRow, RunId, Store};
use std::collections::BTreeMap;
use std::path::Path;
use support::*;

const SUITE: &str = r#"
name = "nightly-suite"
shard_size = 40
[[datasets]]
name = "demo"
format = "cnnspot"
root = "data/cnnspot"
[[detectors]]
name = "first"
kind = "builtin"
builtin = "spectral"
[[detectors]]
name = "second"
kind = "builtin"
builtin = "spectral"
"#;

/// `dfbench run` in local mode; returns the run id and stderr.
fn run_suite(work: &Path, database_url: &str, suite: &str, extra: &[&str]) -> (RunId, String) {
    let mut args = vec![
        "run",
        suite,
        "--database-url",
        database_url,
        "--workers",
        "2",
        "--out",
        "reports",
    ];
    args.extend_from_slice(extra);
    let output = run_ok(&args, work);
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    (RunId(run_id_from(&stderr)), stderr)
}

/// Scores by (detector, path).
async fn scores(store: &dyn Store, run_id: &RunId) -> BTreeMap<(String, String), Option<f64>> {
    let rows: Vec<PredictionRow> = store.predictions(run_id).await.expect("predictions");
    rows.into_iter()
        .map(|row| ((row.detector, row.rel_path), row.outcome.score))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn reuse_and_history_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:{}", dir.path().join("history.db").display());
    reruns_reuse_unchanged_predictions_and_recompute_changed_detectors(&url).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn reuse_and_history_on_postgres() {
    let Some(url) = dfbench_store::testing::fresh_postgres_url("reuse_and_history_on_postgres")
        .await
        .expect("postgres")
    else {
        return;
    };
    reruns_reuse_unchanged_predictions_and_recompute_changed_detectors(&url).await;
}

async fn reruns_reuse_unchanged_predictions_and_recompute_changed_detectors(database_url: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    run_ok(&["synth", "--out", "data"], work);
    std::fs::write(work.join("suite.toml"), SUITE).expect("suite");
    std::fs::write(
        work.join("changed.toml"),
        SUITE.replace(
            "name = \"second\"\nkind = \"builtin\"\nbuiltin = \"spectral\"",
            "name = \"second\"\nkind = \"builtin\"\nbuiltin = \"npr\"",
        ),
    )
    .expect("changed suite");
    let store = dfbench_store::open_store(database_url)
        .await
        .expect("store");
    let store = store.as_ref();

    let (first, _) = run_suite(
        work,
        database_url,
        "suite.toml",
        &["--name", "nightly", "--tag", "day1", "--tag", "both"],
    );
    let first_progress = store.run_progress(&first).await.expect("progress");
    assert_eq!(first_progress.predictions_reused, 0);
    let samples = first_progress.predictions / 2;
    assert!(samples >= 200, "demo data has {samples} samples");

    // Unchanged rerun: every prediction reused, no shard ever leased.
    let (rerun, stderr) = run_suite(
        work,
        database_url,
        "suite.toml",
        &["--name", "nightly", "--tag", "day2", "--tag", "both"],
    );
    assert!(
        stderr.contains(&format!("({} predictions reused", samples * 2)),
        "{stderr}"
    );
    let progress = store.run_progress(&rerun).await.expect("progress");
    assert_eq!(progress.status, "done");
    assert_eq!(
        (progress.predictions, progress.predictions_reused),
        (progress.predictions_expected, progress.predictions_expected)
    );
    let provenance = store.shard_provenance(&rerun).await.expect("provenance");
    assert_eq!(provenance.len(), 1, "{provenance:?}");
    assert_eq!(
        (
            provenance[0].worker_id.as_str(),
            provenance[0].leases,
            provenance[0].shards
        ),
        ("", 0, progress.shards_total)
    );
    assert_eq!(scores(store, &rerun).await, scores(store, &first).await);

    // `second` changes from spectral to npr, a detector no stored prediction came from (the
    // suite starts with two names for spectral because only two built-ins exist): only it is
    // recomputed; `first` keeps the reused scores.
    let changed_suite = std::fs::read_to_string(work.join("changed.toml")).expect("changed");
    assert!(
        changed_suite.contains("builtin = \"npr\""),
        "{changed_suite}"
    );
    let (changed, _) = run_suite(work, database_url, "changed.toml", &["--name", "nightly"]);
    let progress = store.run_progress(&changed).await.expect("progress");
    assert_eq!(
        (progress.predictions_reused, progress.predictions),
        (samples, samples * 2)
    );
    let changed_scores = scores(store, &changed).await;
    let first_scores = scores(store, &first).await;
    let mut npr_differs = 0;
    for ((detector, path), score) in &changed_scores {
        let spectral = &first_scores[&("first".to_string(), path.clone())];
        match detector.as_str() {
            "first" => assert_eq!(score, spectral, "{path}"),
            _ => npr_differs += usize::from(score != spectral),
        }
    }
    assert!(
        npr_differs > samples as usize / 2,
        "second was recomputed with npr"
    );
    let provenance = store.shard_provenance(&changed).await.expect("provenance");
    assert!(
        provenance
            .iter()
            .all(|summary| !summary.worker_id.is_empty()
                && summary.provenance.device == "cpu"
                && summary.provenance.batch_size > 0),
        "every shard recomputed `second` on a worker: {provenance:?}"
    );

    // --no-reuse computes everything again.
    let (forced, _) = run_suite(work, database_url, "suite.toml", &["--no-reuse"]);
    assert_eq!(
        store
            .run_progress(&forced)
            .await
            .expect("progress")
            .predictions_reused,
        0
    );

    // A partial run is stamped, sampled with label proportions kept, and never promoted.
    let (partial, _) = run_suite(work, database_url, "suite.toml", &["--limit", "20"]);
    let history = store.run_history(&partial).await.expect("history");
    assert!(history.partial && history.sampling.as_deref() == Some("limit=20 seed=0"));
    let partial_rows = store.predictions(&partial).await.expect("predictions");
    let fakes = partial_rows
        .iter()
        .filter(|row| row.labels.label == 1)
        .count();
    assert_eq!(partial_rows.len(), 40, "20 samples × 2 detectors");
    let all_rows = store.predictions(&first).await.expect("predictions");
    let fake_share =
        all_rows.iter().filter(|row| row.labels.label == 1).count() as f64 / all_rows.len() as f64;
    assert!(
        (fakes as f64 / 40.0 - fake_share).abs() <= 0.05 + 1e-9,
        "stratified: {fakes}/40 fake vs {fake_share} in the dataset"
    );

    // References: tags, ambiguity, latest (skips the partial run), promotion.
    let promote = |reference: &str| {
        dfbench()
            .args(["promote", reference, "--database-url", database_url])
            .current_dir(work)
            .output()
            .expect("spawn promote")
    };
    let ambiguous = promote("tag:both");
    assert!(!ambiguous.status.success());
    let message = String::from_utf8_lossy(&ambiguous.stderr);
    assert!(
        message.contains("ambiguous") && message.contains(&first.0) && message.contains(&rerun.0),
        "{message}"
    );
    let refused = promote(&partial.0);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("partial"));
    let promoted = promote("tag:day1");
    assert!(promoted.status.success(), "{promoted:?}");
    assert!(String::from_utf8_lossy(&promoted.stdout).contains(&first.0));
    let latest = promote("latest");
    assert!(
        String::from_utf8_lossy(&latest.stdout).contains(&forced.0),
        "{latest:?}"
    );
    let history = store.run_history(&forced).await.expect("history");
    assert!(history.promoted_at_ms.is_some());
    let listed = run_ok(&["runs", "--database-url", database_url], work);
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert_eq!(listed.matches("promoted").count(), 2, "{listed}");
    assert!(listed.contains("partial (limit=20 seed=0)"), "{listed}");
}
