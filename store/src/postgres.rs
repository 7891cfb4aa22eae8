//! PostgreSQL store for shared deployments: ready shards are picked with
//! `FOR UPDATE SKIP LOCKED`, and worker writes lock their lease row (`FOR SHARE`) so a lease
//! cannot be re-granted between the fencing check and the commit.

use crate::StoreError;
use crate::backend::{Backend, BulkIngest, Dialect, FencedBatch, Ingested, SqlStore};
use crate::error::QueryContext;
use crate::model::{LeaseRef, NewPrediction};
use crate::sql_impl::IngestContext;
use sqlx::Postgres;
use sqlx::Row;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

/// The store on PostgreSQL.
pub type PostgresStore = SqlStore<Postgres>;

impl Backend for Postgres {
    const BACKEND: &'static str = "postgres";
    const MIGRATOR: Migrator = sqlx::migrate!("../migrations/postgres");
    const DIALECT: Dialect = Dialect {
        acquire_lock: "FOR UPDATE OF s SKIP LOCKED",
        lease_check_lock: "FOR SHARE",
        // Fresh statistics for the new rows: with none (autovacuum analyzes a minute later at
        // the earliest), Postgres picks the queue head by sorting every ready shard of the run
        // and reads a shard's samples by hashing the whole samples table.
        after_plan: Some("ANALYZE shards, shard_samples, samples"),
        // Costed as a join, Postgres hashes the whole samples table to read one shard's
        // samples; by id list it probes the primary key.
        shard_refs: crate::queries::SHARD_REFS_POSTGRES,
        known_contents: crate::queries::KNOWN_CONTENTS_POSTGRES,
        complete_shard: crate::queries::COMPLETE_SHARD_POSTGRES,
    };
}

impl PostgresStore {
    /// Connects to `url` (`postgres://…`) and migrates the schema.
    pub async fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        // No parallel query: the store's statements touch a few rows each, and starting a
        // parallel worker costs far more than reading one shard's samples.
        let options = PgConnectOptions::from_str(url)
            .map_err(|cause| StoreError::Connect { cause })?
            .options([("max_parallel_workers_per_gather", "0")]);
        dial_once(&options).await?;
        // sqlx pings every connection it hands out by default: a round trip per query. Only
        // connections idle for a while (e.g. across a Postgres restart) are checked.
        let pool = PgPoolOptions::new()
            .test_before_acquire(false)
            .before_acquire(|connection, meta| {
                Box::pin(async move {
                    if meta.idle_for > Duration::from_secs(1) {
                        sqlx::Connection::ping(connection).await?;
                    }
                    Ok(true)
                })
            })
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|cause| StoreError::Connect { cause })?;
        PostgresStore::open(pool).await
    }
}

/// How long the first connection may take before the server is called unreachable.
const DIAL_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens (and closes) one connection before the pool is built. The pool retries a refused
/// connection until its acquire timeout and then says only "pool timed out": a wrong port or
/// a server that is down would cost seconds and hide its cause. Here it fails at once, naming
/// the address and the cause (connection refused, unknown host, no answer).
async fn dial_once(options: &PgConnectOptions) -> Result<(), StoreError> {
    let address = match options.get_socket() {
        Some(socket) => socket.display().to_string(),
        None => format!("{}:{}", options.get_host(), options.get_port()),
    };
    let dialled = tokio::time::timeout(
        DIAL_TIMEOUT,
        <sqlx::PgConnection as sqlx::Connection>::connect_with(options),
    )
    .await;
    match dialled {
        Ok(Ok(connection)) => {
            if let Err(error) = sqlx::Connection::close(connection).await {
                tracing::debug!(%error, "closing the first connection failed");
            }
            Ok(())
        }
        Ok(Err(sqlx::Error::Io(io))) => Err(StoreError::Unreachable {
            address,
            cause: if io.kind() == std::io::ErrorKind::ConnectionRefused {
                "connection refused (nothing listens there)".to_string()
            } else {
                crate::error::innermost(&io)
            },
        }),
        Ok(Err(cause)) => Err(StoreError::Connect { cause }),
        Err(_) => Err(StoreError::Unreachable {
            address,
            cause: format!("no answer within {DIAL_TIMEOUT:?}"),
        }),
    }
}

impl BulkIngest for Postgres {
    /// Inserts one batch if `lease` is current, atomically with the fencing check; returns
    /// how many rows were new. Large batches: a transaction that locks the lease row, then
    /// COPY ([`crate::pg_copy`]), or the fenced insert when some row already exists.
    async fn insert_fenced<'a>(store: &'a PostgresStore, batch: &'a FencedBatch<'a>) -> Ingested {
        let (lease, context, predictions) = (batch.lease, &batch.context, batch.predictions);
        if predictions.len() < COPY_MIN_ROWS {
            return PostgresStore::insert_unnest(&store.pool, lease, context, predictions).await;
        }
        let mut tx = store.pool.begin().await.during("begin ingest")?;
        crate::sql_impl::check_lease!(store, &mut *tx, lease);
        let copied = crate::pg_copy::copy_predictions(&mut tx, context, predictions).await?;
        let inserted = match copied {
            Some(copied) => copied,
            None => PostgresStore::insert_unnest(&mut *tx, lease, context, predictions).await?,
        };
        tx.commit().await.during("commit ingest")?;
        Ok(inserted)
    }
}

/// Batches of at least this many rows go in by COPY; smaller ones by one fenced `UNNEST`
/// statement (one round trip, where COPY under a savepoint takes six).
const COPY_MIN_ROWS: usize = 256;

impl PostgresStore {
    /// `INSERT_FENCED_POSTGRES`: one statement; `StaleLease` when the lease is not current.
    async fn insert_unnest<'e, E>(
        executor: E,
        lease: &LeaseRef,
        context: &IngestContext<'_>,
        predictions: &[NewPrediction],
    ) -> Result<u64, StoreError>
    where
        E: sqlx::PgExecutor<'e>,
    {
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
        let row = sqlx::query(crate::queries::INSERT_FENCED_POSTGRES)
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
            .bind(lease.owner.incarnation_text())
            .fetch_one(executor)
            .await
            .during("insert predictions")?;
        let leased: i64 = row.try_get("leased").during("insert predictions")?;
        if leased == 0 {
            return Err(StoreError::StaleLease {
                shard_id: lease.shard_id.clone(),
                epoch: lease.epoch.clone(),
            });
        }
        let inserted: i64 = row.try_get("inserted").during("insert predictions")?;
        Ok(inserted as u64)
    }
}
