//! SQLite store, the embedded default: one file, WAL, a busy timeout, and a single pooled
//! connection so the coordinator is the only writer and transactions never contend.

use crate::StoreError;
use crate::backend::{Backend, BulkIngest, Dialect, FencedBatch, Ingested, SqlStore};
use crate::error::QueryContext;
use crate::error_class::ErrorClass;
use crate::model::{LeaseRef, NewPrediction};
use crate::sql_impl::IngestContext;
use sqlx::Sqlite;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

/// The store on SQLite.
pub type SqliteStore = SqlStore<Sqlite>;

impl Backend for Sqlite {
    const BACKEND: &'static str = "sqlite";
    const MIGRATOR: Migrator = sqlx::migrate!("../migrations/sqlite");
    const DIALECT: Dialect = Dialect {
        // SQLite serialises writers: no row locks to ask for, no statistics to refresh.
        after_plan: None,
        acquire_lock: "",
        lease_check_lock: "",
        shard_refs: crate::queries::SHARD_REFS_SQLITE,
        known_contents: crate::queries::KNOWN_CONTENTS_SQLITE,
        // One pooled connection: every completion sees all earlier ones.
        complete_shard: crate::queries::COMPLETE_SHARD_SQLITE,
    };
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` (`sqlite:PATH`) and migrates it.
    pub async fn connect(url: &str) -> Result<SqliteStore, StoreError> {
        let options =
            SqliteConnectOptions::from_str(url).map_err(|cause| StoreError::Connect { cause })?;
        SqliteStore::connect_with(options).await
    }

    /// Like [`SqliteStore::connect`] with options of the caller's (extra pragmas, say); the
    /// store's own settings (WAL, busy timeout, foreign keys, create if missing) are applied
    /// on top.
    pub async fn connect_with(options: SqliteConnectOptions) -> Result<SqliteStore, StoreError> {
        // SQLite says only "unable to open database file" (code 14) when the file's folder is
        // missing: name the folder and what to do instead.
        let path = options.get_filename();
        if let Some(folder) = path.parent()
            && !folder.as_os_str().is_empty()
            && !folder.exists()
        {
            return Err(StoreError::MissingFolder {
                path: path.display().to_string(),
                folder: folder.display().to_string(),
            });
        }
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let options = match test_max_page_count() {
            Some(pages) => options.pragma("max_page_count", pages.to_string()),
            None => options,
        };
        let mut attempt: u64 = 0;
        let pool = loop {
            // No ping before each use (sqlx's default): a local file cannot hang up.
            let connected = SqlitePoolOptions::new()
                .test_before_acquire(false)
                .max_connections(1)
                .connect_with(options.clone())
                .await;
            match connected {
                Ok(pool) => break pool,
                // Switching a new file to WAL while another process does the same can answer
                // "database is locked" at once: SQLite skips the busy timeout where waiting
                // could deadlock. The other process finishes in milliseconds; try again.
                Err(cause)
                    if attempt + 1 < CONNECT_ATTEMPTS
                        && crate::error_class::classify(&cause) == ErrorClass::Retry =>
                {
                    attempt += 1;
                    tracing::debug!(attempt, %cause, "SQLite database busy at connect; retrying");
                    tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
                }
                Err(cause) => return Err(StoreError::Connect { cause }),
            }
        };
        SqliteStore::open(pool).await
    }
}

/// Tries at connecting to a busy SQLite file before the failure is reported.
const CONNECT_ATTEMPTS: u64 = 8;

/// Test-only hook: `DFBENCH_SQLITE_MAX_PAGE_COUNT=N` caps every connection this process opens
/// at N pages (`PRAGMA max_page_count`), so a chaos test can fill the database mid-run
/// (SQLITE_FULL) without filling a disk. Not a setting: unset in normal use.
pub const TEST_MAX_PAGE_COUNT_ENV: &str = "DFBENCH_SQLITE_MAX_PAGE_COUNT";

fn test_max_page_count() -> Option<u64> {
    std::env::var(TEST_MAX_PAGE_COUNT_ENV)
        .ok()
        .and_then(|value| value.trim().parse::<u64>().ok())
        .filter(|pages| *pages > 0)
}

/// Rows per multi-row prediction insert (12 parameters each).
const ROWS_PER_INSERT: usize = 64;

impl BulkIngest for Sqlite {
    /// Inserts one batch if `lease` is current. A batch of up to [`ROWS_PER_INSERT`] rows (a
    /// small shard's whole report) is one statement fenced by the lease, without a transaction
    /// around it: on sqlx every statement is a hop to the connection's worker thread, and
    /// `BEGIN`, the lease check and `COMMIT` were three of a lease→report→complete cycle's
    /// seven. Larger batches: the lease check and the inserts share one transaction (SQLite
    /// serialises writers, so nothing can re-grant the lease in between).
    async fn insert_fenced<'a>(store: &'a SqliteStore, batch: &'a FencedBatch<'a>) -> Ingested {
        let (lease, context, predictions) = (batch.lease, &batch.context, batch.predictions);
        if predictions.len() <= ROWS_PER_INSERT {
            let inserted =
                SqliteStore::insert_chunk(&store.pool, context, predictions, Some(lease)).await?;
            if inserted == 0 {
                // Nothing new: every row was already there, or the lease is not current. An
                // epoch only grows, so a lease found current now was current at the insert.
                crate::sql_impl::check_lease!(store, &store.pool, lease);
            }
            return Ok(inserted);
        }
        let mut tx = store.pool.begin().await.during("begin ingest")?;
        crate::sql_impl::check_lease!(store, &mut *tx, lease);
        let inserted = SqliteStore::insert_predictions(&mut tx, context, predictions).await?;
        tx.commit().await.during("commit ingest")?;
        Ok(inserted)
    }
}

impl SqliteStore {
    /// Inserts one batch in multi-row statements of [`ROWS_PER_INSERT`] rows; re-delivered
    /// rows are ignored. Returns how many were new.
    pub(crate) async fn insert_predictions(
        tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
        context: &IngestContext<'_>,
        predictions: &[NewPrediction],
    ) -> Result<u64, StoreError> {
        let mut inserted = 0;
        for chunk in predictions.chunks(ROWS_PER_INSERT) {
            inserted += Self::insert_chunk(&mut **tx, context, chunk, None).await?;
        }
        Ok(inserted)
    }

    /// One multi-row insert of `chunk` with anonymous parameters (see `bulk::parameters`),
    /// writing nothing unless `fence` (when given) is the shard's current lease.
    async fn insert_chunk<'e, E>(
        executor: E,
        context: &IngestContext<'_>,
        chunk: &[NewPrediction],
        fence: Option<&LeaseRef>,
    ) -> Result<u64, StoreError>
    where
        E: sqlx::SqliteExecutor<'e>,
    {
        // `WHERE` also keeps SQLite from reading `ON CONFLICT` as a join constraint.
        let condition = match fence {
            Some(_) => {
                "EXISTS (SELECT 1 FROM shards WHERE id = ? AND lease_epoch = ? \
                 AND state = 'leased' AND lease_owner = ? AND lease_incarnation = ?)"
            }
            None => "true",
        };
        let sql = crate::queries::fill(
            crate::queries::INSERT_PREDICTIONS_ROWS_SQLITE,
            &[
                &crate::bulk::placeholders("sqlite", chunk.len(), 12),
                condition,
            ],
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for prediction in chunk {
            let (score, failure_kind, failure_message) = prediction.outcome.columns();
            query = query
                .bind(context.run_id)
                .bind(&prediction.detector)
                .bind(prediction.sample_id.0)
                .bind(context.perturbation)
                .bind(score)
                .bind(failure_kind)
                .bind(failure_message)
                .bind(&prediction.detector_fingerprint)
                .bind(context.worker_id)
                .bind(context.shard_id)
                .bind(context.epoch)
                .bind(prediction.latency_us);
        }
        if let Some(lease) = fence {
            query = query
                .bind(lease.shard_id.0)
                .bind(lease.epoch.0)
                .bind(&lease.owner.worker_id)
                .bind(lease.owner.incarnation_text());
        }
        Ok(query
            .execute(executor)
            .await
            .during("insert predictions")?
            .rows_affected())
    }
}
