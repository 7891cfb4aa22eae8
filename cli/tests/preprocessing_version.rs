//! The preprocessing version in the reuse key, with real `dfbench` runs (local mode, on SQLite and
//! on PostgreSQL when `DATABASE_URL` is set): a run's dataset fingerprint carries
//! `image_io::PREPROCESSING_VERSION` (decoders, resize, perturbation bytes), an unchanged rerun
//! reuses every prediction, and predictions stored under another version (here: as the dfbench
//! before the version existed stored them, the bare sample-list fingerprint) are recomputed, never
//! reused.

mod support;

use dfbench_benchmarks::adapter::cnnspot;
use dfbench_benchmarks::fingerprint::{dataset_fingerprint, sha256_hex};
use dfbench_benchmarks::image_io::PREPROCESSING_VERSION;
use dfbench_store::RunId;
use std::path::Path;
use support::*;

/// Runs suite.toml in local mode; returns the run id and stderr.
fn run_suite(work: &Path, database_url: &str) -> (RunId, String) {
    let args = [
        "run",
        "suite.toml",
        "--database-url",
        database_url,
        "--out",
        "reports",
    ];
    let stderr = String::from_utf8_lossy(&run_ok(&args, work).stderr).to_string();
    (RunId(run_id_from(&stderr)), stderr)
}

/// Rewrites every stored use of dataset fingerprint `from` to `to` (run datasets and the reuse
/// index), as if another dfbench had stored those predictions under `to`.
async fn restamp(database_url: &str, from: &str, to: &str) {
    macro_rules! restamp_on {
        ($pool:expr) => {
            let pool = $pool.await.expect(database_url);
            for sql in [
                "UPDATE run_datasets SET fingerprint = $1 WHERE fingerprint = $2",
                "UPDATE reuse_index SET dataset_fingerprint = $1 WHERE dataset_fingerprint = $2",
            ] {
                let query = sqlx::query(sql).bind(to).bind(from);
                query.execute(&pool).await.expect(sql);
            }
        };
    }
    if database_url.starts_with("sqlite:") {
        restamp_on!(sqlx::SqlitePool::connect(database_url));
    } else {
        restamp_on!(sqlx::PgPool::connect(database_url));
    }
}

on_both_backends!(changed_version_recomputes);

fn changed_version_recomputes(database_url: &str) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(changed_version_recomputes_async(database_url));
}

async fn changed_version_recomputes_async(database_url: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    run_ok(&["synth", "--out", "data"], work);
    let suite = demo_suite("versioned", 60);
    let suite = format!("perturbations = [\"none\", \"noise:sigma=5\"]\n{suite}");
    std::fs::write(work.join("suite.toml"), suite).expect("suite");
    let store = dfbench_store::open_store(database_url)
        .await
        .expect("store");
    let store = store.as_ref();

    let (first, _) = run_suite(work, database_url);
    let expected = store
        .run_progress(&first)
        .await
        .expect("progress")
        .predictions;
    assert!(
        expected >= 400,
        "{expected} predictions (demo × 2 perturbations)"
    );

    // The stored fingerprint is the sample list's with this build's preprocessing version in it.
    let stored = store.run(&first).await.expect("run").datasets[0]
        .fingerprint
        .clone();
    let demo = cnnspot::enumerate("demo", &work.join("data/cnnspot")).expect("demo");
    let bare = dataset_fingerprint(&demo.samples, &demo.sizes);
    assert_eq!(stored, demo.fingerprint());
    assert_eq!(
        stored,
        sha256_hex(format!("{bare};preprocessing={PREPROCESSING_VERSION}").as_bytes())
    );

    // Same version: everything reused.
    let (same, stderr) = run_suite(work, database_url);
    assert!(
        stderr.contains(&format!("({expected} predictions reused")),
        "{stderr}"
    );
    let progress = store.run_progress(&same).await.expect("progress");
    assert_eq!(progress.predictions_reused, expected);

    // Predictions stored under another version (the bare fingerprint, as dfbench stored them
    // before the version existed): none reused, every one recomputed and stored anew.
    restamp(database_url, &stored, &bare).await;
    let (changed, stderr) = run_suite(work, database_url);
    assert!(stderr.contains("(0 predictions reused"), "{stderr}");
    let progress = store.run_progress(&changed).await.expect("progress");
    assert_eq!(
        (
            progress.predictions_reused,
            progress.predictions,
            progress.status.as_str()
        ),
        (0, expected, "done")
    );
    assert_eq!(
        store.run(&changed).await.expect("run").datasets[0].fingerprint,
        stored
    );
}
