//! SQLite store, the embedded default: one file, WAL, a busy timeout, and a single pooled
//! connection so the coordinator is the only writer and transactions never contend.

use crate::StoreError;
use crate::cache::StoreCache;
use crate::error::QueryContext;
use crate::model::{LeaseRef, NewPrediction};
use crate::sql_impl::{Dialect, IngestContext, impl_sql_store};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

pub struct SqliteStore {
    pool: sqlx::SqlitePool,
    dialect: Dialect,
    cache: StoreCache,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` (`sqlite:PATH`) and migrates it.
    pub async fn connect(url: &str) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|source| StoreError::Connect { source })?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        // No ping before each use (sqlx's default): a local file cannot hang up.
        let pool = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Connect { source })?;
        sqlx::migrate!("../migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate { source })?;
        Ok(SqliteStore {
            pool,
            dialect: Dialect {
                acquire_lock: "",
                lease_check_lock: "",
                after_plan: None,
                shard_refs: "SELECT s.id, s.rel_path FROM shard_samples ss \
                     JOIN samples s ON s.id = ss.sample_id WHERE ss.shard_id = $1 ORDER BY s.id",
            },
            cache: StoreCache::default(),
        })
    }
}

impl_sql_store!(SqliteStore, "sqlite");

impl SqliteStore {
    /// Inserts one batch if `lease` is current: the fencing check and the insert share a
    /// transaction (SQLite serialises writers, so nothing can re-grant the lease in between).
    async fn insert_fenced(
        &self,
        lease: &LeaseRef,
        context: &IngestContext<'_>,
        predictions: &[NewPrediction],
    ) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await.during("begin ingest")?;
        crate::sql_impl::check_lease!(self, &mut *tx, lease);
        let inserted = Self::insert_predictions(&mut tx, context, predictions).await?;
        tx.commit().await.during("commit ingest")?;
        Ok(inserted)
    }

    /// Inserts one batch row by row through one prepared statement (SQLite's fastest path);
    /// re-delivered rows are ignored. Returns how many were new.
    async fn insert_predictions(
        tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
        context: &IngestContext<'_>,
        predictions: &[NewPrediction],
    ) -> Result<u64, StoreError> {
        let mut inserted = 0;
        for prediction in predictions {
            let (score, failure_kind, failure_message) = prediction.outcome.columns();
            let result = sqlx::query(
                "INSERT INTO predictions (run_id, detector, sample_id, perturbation, score, \
                 failure_kind, failure_message, detector_fingerprint, worker_id, shard_id, epoch, \
                 latency_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                 ON CONFLICT DO NOTHING",
            )
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
            .bind(prediction.latency_us)
            .execute(&mut **tx)
            .await
            .during("insert prediction")?;
            inserted += result.rows_affected();
        }
        Ok(inserted)
    }
}
