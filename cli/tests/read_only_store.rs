//! A read-only database can still be read (issue 20): a Postgres database whose transactions
//! default to read-only (a replica, an operator's lock-down) and a SQLite file opened with
//! `mode=ro` serve `runs`, `report`, `export`, `history`, `status` and `site`. Opening writes
//! nothing when the schema is current; `report` says its metrics were computed but not stored.

mod support;

use std::path::Path;
use support::*;

/// Stores one small run at `url`, turns the database read-only with `lock_down`, and checks
/// every reading command at `read_url`.
fn reading_commands_work_read_only(work: &Path, url: &str, read_url: &str, lock_down: impl Fn()) {
    let run_id = demo_run(
        work,
        "ro",
        &["--limit", "8", "--database-url", url, "--out", "first"],
    );
    lock_down();
    for args in [
        vec!["runs"],
        vec!["status"],
        vec!["export", "--run", &run_id, "--out", "scores.csv"],
        vec!["history", "--name", "ro", "--out", "history"],
        vec!["site", "--out", "site"],
    ] {
        let mut args = args.clone();
        args.extend(["--database-url", read_url]);
        run_ok(&args, work);
    }
    let output = run_ok(
        &[
            "report",
            "--run",
            &run_id,
            "--database-url",
            read_url,
            "--out",
            "again",
        ],
        work,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("were computed but not stored: the database is read-only"),
        "{stderr}"
    );
    assert!(work.join("again").join(&run_id).join("index.html").exists());
    let csv = std::fs::read_to_string(work.join("scores.csv")).expect("export");
    assert!(csv.lines().count() > 8, "{csv}");
}

#[test]
fn a_sqlite_file_opened_read_only_can_be_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("ro.db");
    let url = format!("sqlite:{}", db.display());
    let read_url = format!("sqlite:{}?mode=ro", db.display());
    reading_commands_work_read_only(dir.path(), &url, &read_url, || {});
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_postgres_database_can_be_read() {
    let Some(url) = dfbench_store::testing::fresh_postgres_url("read_only_store")
        .await
        .expect("postgres")
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let database = url
        .rsplit('/')
        .next()
        .and_then(|rest| rest.split('?').next())
        .expect("database name")
        .to_string();
    reading_commands_work_read_only(dir.path(), &url, &url, || {
        psql(
            &url,
            &[&format!(
                "ALTER DATABASE \"{database}\" SET default_transaction_read_only = on"
            )],
        );
    });
}
