//! Database errors are classified from what the database really reports: a constraint
//! violation is not retried (on both backends), a full SQLite file is fatal.

use crate::support::*;
use dfbench_benchmarks::Label;
use dfbench_store::*;
use sqlx::sqlite::SqliteConnectOptions;
use std::str::FromStr;

store_contract! {
    constraint_violation_is_not_retried,
    unknown_run_status_is_refused,
}

/// A constraint violation (the same run id twice) is not retried.
async fn constraint_violation_is_not_retried(store: &dyn Store) {
    let plan = history_plan("dup", 1_000, "fb", "v1");
    store.create_run(&plan).await.expect("first run");
    let error = store
        .create_run(&plan)
        .await
        .expect_err("the same run id twice violates the runs' primary key");
    assert!(matches!(error, StoreError::Query { .. }), "{error:?}");
    assert_eq!(error.class(), ErrorClass::NotRetried, "{error}");
}

/// A status dfbench does not know (written behind the store's back) is refused wherever a run
/// is read, never taken for `running`; it is bad data, not retried.
async fn unknown_run_status_is_refused(db: &TestDb) {
    let store = db.store();
    store
        .create_run(&history_plan("odd", 1_000, "fb", "v1"))
        .await
        .expect("run");
    // As a later dfbench with a new status could leave it: past the schema's own CHECK.
    if db.kind == "sqlite" {
        db.execute(
            "PRAGMA ignore_check_constraints = ON; \
             UPDATE runs SET status = 'paused' WHERE id = 'odd'",
        )
        .await;
    } else {
        db.execute("ALTER TABLE runs DROP CONSTRAINT runs_status_check")
            .await;
        db.execute("UPDATE runs SET status = 'paused' WHERE id = 'odd'")
            .await;
    }
    let run = store.run(&RunId("odd".into())).await.expect_err("run");
    let listed = store.list_runs(10).await.expect_err("list_runs");
    let exported = store
        .export_run(&RunId("odd".into()))
        .await
        .expect_err("export_run");
    for error in [run, listed, exported] {
        let message = error.to_string();
        assert!(message.contains("run status `paused`"), "{message}");
        assert_eq!(error.class(), ErrorClass::NotRetried, "{message}");
    }
}

/// A run of 4 + `extra` samples, the extra ones with long paths in a third shard.
fn big_plan(run_id: &str, extra: usize) -> RunPlan {
    let mut plan = history_plan(run_id, 2_000, "fb", "v1");
    let first = plan.samples.len();
    for index in 0..extra {
        let path = format!("1_fake/{}/{index:06}.png", "long-folder-name".repeat(8));
        plan.samples.push(sample("set", &path, Label::Fake));
    }
    plan.shards
        .push(shard("set", "jpeg:75", (first..first + extra).collect()));
    plan
}

/// SQLite only (`PRAGMA max_page_count`): a full file is fatal.
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
