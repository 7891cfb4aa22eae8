//! PostgreSQL store for shared deployments: ready shards are picked with
//! `FOR UPDATE SKIP LOCKED`, and worker writes lock their lease row (`FOR SHARE`) so a lease
//! cannot be re-granted between the fencing check and the commit.

use crate::StoreError;
use crate::cache::StoreCache;
use crate::error::QueryContext;
use crate::model::NewPrediction;
use crate::sql_impl::{Dialect, IngestContext, impl_sql_store};
use sqlx::postgres::PgPoolOptions;
use std::time::Duration;

pub struct PostgresStore {
    pool: sqlx::PgPool,
    dialect: Dialect,
    cache: StoreCache,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://…`) and migrates the schema.
    pub async fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(|source| StoreError::Connect { source })?;
        sqlx::migrate!("../migrations/postgres")
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate { source })?;
        Ok(PostgresStore {
            pool,
            dialect: Dialect {
                acquire_lock: "FOR UPDATE OF s SKIP LOCKED",
                lease_check_lock: "FOR SHARE",
            },
            cache: StoreCache::default(),
        })
    }
}

impl_sql_store!(PostgresStore, "postgres");

impl PostgresStore {
    /// Inserts one batch: by `COPY` ([`crate::pg_copy`]), or when some row already exists, in
    /// a single statement from arrays (`UNNEST`) that ignores re-delivered rows. Returns how
    /// many were new.
    async fn insert_predictions(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        context: &IngestContext<'_>,
        predictions: &[NewPrediction],
    ) -> Result<u64, StoreError> {
        if let Some(copied) = crate::pg_copy::copy_predictions(tx, context, predictions).await? {
            return Ok(copied);
        }
        let mut sample_ids = Vec::with_capacity(predictions.len());
        let mut detectors = Vec::with_capacity(predictions.len());
        let mut scores = Vec::with_capacity(predictions.len());
        let mut kinds = Vec::with_capacity(predictions.len());
        let mut messages = Vec::with_capacity(predictions.len());
        let mut fingerprints = Vec::with_capacity(predictions.len());
        let mut latencies = Vec::with_capacity(predictions.len());
        for prediction in predictions {
            let (score, kind, message) = prediction.outcome.columns();
            sample_ids.push(prediction.sample_id.0);
            detectors.push(prediction.detector.as_str());
            scores.push(score);
            kinds.push(kind);
            messages.push(message);
            fingerprints.push(prediction.detector_fingerprint.as_str());
            latencies.push(prediction.latency_us);
        }
        let result = sqlx::query(
            "INSERT INTO predictions (run_id, detector, sample_id, perturbation, score, failure_kind, \
             failure_message, detector_fingerprint, worker_id, shard_id, epoch, latency_us) \
             SELECT $1, t.detector, t.sample_id, $2, t.score, t.kind, t.message, t.fingerprint, $3, $4, $5, t.latency \
             FROM UNNEST($6::bigint[], $7::text[], $8::float8[], $9::text[], $10::text[], $11::text[], $12::bigint[]) \
               AS t(sample_id, detector, score, kind, message, fingerprint, latency) \
             ON CONFLICT DO NOTHING",
        )
        .bind(context.run_id)
        .bind(context.perturbation)
        .bind(context.worker_id)
        .bind(context.shard_id)
        .bind(context.epoch)
        .bind(sample_ids)
        .bind(detectors)
        .bind(scores)
        .bind(kinds)
        .bind(messages)
        .bind(fingerprints)
        .bind(latencies)
        .execute(&mut **tx)
        .await
        .during("insert predictions")?;
        Ok(result.rows_affected())
    }
}
