//! Database errors are classified from what the database really reports: a constraint violation
//! is not retried (on both backends), a full SQLite file is fatal.

mod support;

use dfbench_benchmarks::{Label, Sample};
use dfbench_store::testing::fresh_postgres_url;
use dfbench_store::*;
use sqlx::sqlite::SqliteConnectOptions;
use std::str::FromStr;
use support::*;

async fn duplicate_run_is_not_retried(store: &dyn Store) {
    let plan = history_plan("dup", 1_000, "fb", "v1");
    store.create_run(&plan).await.expect("first run");
    let error = store
        .create_run(&plan)
        .await
        .expect_err("the same run id twice violates the runs' primary key");
    assert!(matches!(error, StoreError::Query { .. }), "{error:?}");
    assert_eq!(error.class(), ErrorClass::NotRetried, "{error}");
}

#[tokio::test]
async fn sqlite_constraint_violation_is_not_retried() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:{}", dir.path().join("s.db").display());
    let store = SqliteStore::connect(&url).await.expect("sqlite");
    duplicate_run_is_not_retried(&store).await;
}

#[tokio::test]
async fn postgres_constraint_violation_is_not_retried() {
    let Some(url) = fresh_postgres_url("postgres_constraint_violation_is_not_retried")
        .await
        .expect("postgres")
    else {
        return;
    };
    let store = PostgresStore::connect(&url).await.expect("postgres");
    duplicate_run_is_not_retried(&store).await;
}

/// A run of 4 + `extra` samples, the extra ones with long paths in a third shard.
fn big_plan(run_id: &str, extra: usize) -> RunPlan {
    let mut plan = history_plan(run_id, 2_000, "fb", "v1");
    let first = plan.samples.len();
    for index in 0..extra {
        plan.samples.push(Sample {
            dataset: "set".into(),
            subset: "s".into(),
            rel_path: format!("1_fake/{}/{index:06}.png", "long-folder-name".repeat(8)),
            label: Label::Fake,
            label_group: "g".into(),
            method: "m".into(),
            split: "test".into(),
            compression: "raw".into(),
            video_key: format!("set/{index}"),
            frame_index: None,
        });
    }
    plan.shards.push(PlannedShard {
        dataset: "set".into(),
        perturbation: "jpeg:75".into(),
        sample_indices: (first..first + extra).collect(),
    });
    plan
}

#[tokio::test]
async fn sqlite_full_is_fatal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:{}", dir.path().join("full.db").display());
    let store = SqliteStore::connect(&url).await.expect("sqlite");
    store
        .create_run(&big_plan("small", 10))
        .await
        .expect("fits");
    drop(store);
    // The file may not grow any more: the next large write fills it.
    let pages = std::fs::metadata(dir.path().join("full.db"))
        .expect("db file")
        .len()
        / 4096;
    let options = SqliteConnectOptions::from_str(&url)
        .expect("url")
        .pragma("max_page_count", (pages + 2).to_string());
    let store = SqliteStore::connect_with(options).await.expect("reopen");
    let error = store
        .create_run(&big_plan("big", 20_000))
        .await
        .expect_err("20,000 samples cannot fit in a full file");
    assert_eq!(error.class(), ErrorClass::Fatal, "{error}");
    assert!(error.to_string().contains("full"), "{error}");
}
