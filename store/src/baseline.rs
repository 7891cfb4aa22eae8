//! What the database itself can do, measured in the same run as dfbench's own figures so the
//! scheduler benchmark can print ratios: a simple-transaction loop (pgbench -N's shape) for
//! SQLite, and the bulk-load rate of rows shaped like predictions into the store's own
//! `predictions` table (`COPY` for PostgreSQL, plus a fresh table with only its unique key for
//! reference; one transaction of multi-row inserts for SQLite).

use crate::StoreError;
use crate::error::QueryContext;
use sqlx::Connection;
use std::time::Instant;

/// One SQLite connection with the store's own settings (WAL, synchronous=NORMAL).
async fn sqlite_connection(url: &str) -> Result<sqlx::SqliteConnection, StoreError> {
    let mut connection = sqlx::SqliteConnection::connect(url)
        .await
        .map_err(|cause| StoreError::Connect { cause })?;
    sqlx::query("PRAGMA journal_mode=WAL")
        .execute(&mut connection)
        .await
        .during("set wal")?;
    sqlx::query("PRAGMA synchronous=NORMAL")
        .execute(&mut connection)
        .await
        .during("set sync")?;
    Ok(connection)
}

/// Transactions per second of `BEGIN; UPDATE; SELECT; INSERT; COMMIT` on one connection.
pub async fn sqlite_transaction_rate(url: &str, transactions: u32) -> Result<f64, StoreError> {
    let mut connection = sqlite_connection(url).await?;
    sqlx::query("CREATE TABLE IF NOT EXISTS bench_accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)")
        .execute(&mut connection)
        .await
        .during("create accounts")?;
    sqlx::query("CREATE TABLE IF NOT EXISTS bench_history (id INTEGER, delta INTEGER, at INTEGER)")
        .execute(&mut connection)
        .await
        .during("create history")?;
    sqlx::query(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 10000) \
         INSERT OR IGNORE INTO bench_accounts SELECT x, 0 FROM n",
    )
    .execute(&mut connection)
    .await
    .during("fill accounts")?;
    let started = Instant::now();
    for index in 0..i64::from(transactions) {
        let account = index % 10_000 + 1;
        let mut tx = connection.begin().await.during("begin")?;
        sqlx::query("UPDATE bench_accounts SET balance = balance + 1 WHERE id = $1")
            .bind(account)
            .execute(&mut *tx)
            .await
            .during("update")?;
        let _: Option<i64> = sqlx::query_scalar("SELECT balance FROM bench_accounts WHERE id = $1")
            .bind(account)
            .fetch_optional(&mut *tx)
            .await
            .during("select")?;
        sqlx::query("INSERT INTO bench_history (id, delta, at) VALUES ($1, 1, $2)")
            .bind(account)
            .bind(index)
            .execute(&mut *tx)
            .await
            .during("insert")?;
        tx.commit().await.during("commit")?;
    }
    Ok(f64::from(transactions) / started.elapsed().as_secs_f64())
}

const BULK_TABLE: &str = "CREATE TABLE bench_predictions (run_id TEXT NOT NULL, detector TEXT NOT NULL, \
     sample_id BIGINT NOT NULL, perturbation TEXT NOT NULL, score DOUBLE PRECISION, failure_kind TEXT, \
     failure_message TEXT, detector_fingerprint TEXT NOT NULL, worker_id TEXT NOT NULL, shard_id BIGINT NOT NULL, \
     epoch BIGINT NOT NULL, latency_us BIGINT NOT NULL, PRIMARY KEY (run_id, detector, sample_id, perturbation))";

/// Rows per second of SQLite's fastest bulk path into the store's own `predictions` table at
/// `url` (its indexes, its size): one transaction of the store's own multi-row inserts, with
/// no gRPC, fencing or validation around them. The rows belong to a scratch run id and are
/// deleted afterwards.
pub async fn sqlite_bulk_insert_rate(url: &str, rows: u32) -> Result<f64, StoreError> {
    let mut connection = sqlite_connection(url).await?;
    let run_id = format!("bench-bulk-{}", crate::now_ms());
    let context = crate::sql_impl::IngestContext {
        run_id: &run_id,
        perturbation: "none",
        worker_id: "w",
        shard_id: 1 << 40,
        epoch: 1,
    };
    let predictions: Vec<crate::NewPrediction> = (0..i64::from(rows))
        .map(|sample| crate::NewPrediction {
            sample_id: crate::SampleId((1 << 40) + sample),
            detector: "noop".into(),
            outcome: crate::Outcome::Score(0.5),
            latency_us: 10,
            detector_fingerprint: "builtin:noop".into(),
        })
        .collect();
    let started = Instant::now();
    let mut tx = connection.begin().await.during("begin")?;
    // In batches of the size the scheduler bench's workers report.
    for batch in predictions.chunks(1_000) {
        crate::SqliteStore::insert_predictions(&mut tx, &context, batch).await?;
    }
    tx.commit().await.during("commit")?;
    let rate = f64::from(rows) / started.elapsed().as_secs_f64();
    sqlx::query("DELETE FROM predictions WHERE run_id = $1")
        .bind(&run_id)
        .execute(&mut connection)
        .await
        .during("delete the baseline's rows")?;
    Ok(rate)
}

/// Rows per second of server-side `COPY … FROM STDIN` loads of prediction-shaped rows.
pub struct CopyRates {
    /// Into the store's own `predictions` table (its indexes, its size): the ingest limit
    /// dfbench's figure is compared with.
    pub predictions_table: f64,
    /// Into a fresh table with only the predictions' unique key, for reference.
    pub unique_key_table: f64,
}

/// Measures [`CopyRates`] on the database at `url`, which holds the store's schema. The rows
/// copied into `predictions` belong to a scratch run id and are deleted afterwards.
pub async fn postgres_copy_rate(url: &str, rows: u32) -> Result<CopyRates, StoreError> {
    let mut connection = sqlx::PgConnection::connect(url)
        .await
        .map_err(|cause| StoreError::Connect { cause })?;
    sqlx::query("DROP TABLE IF EXISTS bench_predictions")
        .execute(&mut connection)
        .await
        .during("drop")?;
    sqlx::query(BULK_TABLE)
        .execute(&mut connection)
        .await
        .during("create bulk table")?;
    let scratch_run = format!("bench-copy-{}", crate::now_ms());
    // Ids far above any real sample or shard, so the rows land where new ingest lands: at the
    // right edge of every index.
    let base: u64 = 1 << 40;
    let mut text = String::with_capacity(rows as usize * 64);
    for sample in 0..u64::from(rows) {
        text.push_str(&format!(
            "{scratch_run}\tnoop\t{}\tnone\t0.5\t\\N\t\\N\tbuiltin:noop\tw\t{}\t1\t10\n",
            base + sample,
            base + sample / 1000
        ));
    }
    let predictions_table = copy_rate(
        &mut connection,
        "COPY predictions (run_id, detector, sample_id, perturbation, score, failure_kind, \
         failure_message, detector_fingerprint, worker_id, shard_id, epoch, latency_us) FROM STDIN",
        &text,
        rows,
    )
    .await?;
    sqlx::query("DELETE FROM predictions WHERE run_id = $1")
        .bind(&scratch_run)
        .execute(&mut connection)
        .await
        .during("delete the baseline's rows")?;
    let unique_key_table = copy_rate(
        &mut connection,
        "COPY bench_predictions FROM STDIN",
        &text,
        rows,
    )
    .await?;
    sqlx::query("DROP TABLE bench_predictions")
        .execute(&mut connection)
        .await
        .during("drop")?;
    Ok(CopyRates {
        predictions_table,
        unique_key_table,
    })
}

async fn copy_rate(
    connection: &mut sqlx::PgConnection,
    statement: &'static str,
    text: &str,
    rows: u32,
) -> Result<f64, StoreError> {
    let started = Instant::now();
    let mut copy = connection
        .copy_in_raw(statement)
        .await
        .during("start copy")?;
    copy.send(text.as_bytes()).await.during("copy rows")?;
    copy.finish().await.during("finish copy")?;
    Ok(f64::from(rows) / started.elapsed().as_secs_f64())
}
