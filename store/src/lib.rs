//! dfbench-store: the `Store` trait and its SQLite (embedded default) and PostgreSQL
//! implementations: runs, shards and their lease state machine, per-sample predictions, metrics.
//!
//! The lease state machine lives here in SQL: a grant bumps `lease_epoch`, and every write a
//! worker makes is accepted only while its (shard, epoch, owner) lease is current (fencing).
//! Must not know about gRPC or images: callers hand in plain values and a clock (`now_ms`).
//!
//! Layout: one store type, `SqlStore<DB>` (`backend`), for both backends; what differs between
//! them is the `Backend` trait, implemented in `sqlite` and `postgres` (name, SQL fragments,
//! migrations, pool setup, bulk prediction ingest: multi-row insert vs. UNNEST/COPY). The
//! shared implementation is generic code: `sql_impl` (the `Store` impl, writes), `sql_reads`
//! (reads), `history` (`HistoryStore`), with statement helpers in `sql_parts`, `bulk`, `clips`,
//! `reuse` and `reuse_index`. The SQL is in `store/queries/*.sql` (one statement a file, see
//! `queries`); rows are read with `sqlx::FromRow` into the model types or the row structs of
//! `rows`.

pub mod backend;
pub mod baseline;
mod bulk;
mod bundle_insert;
mod bundle_model;
mod bundle_order;
mod bundle_sql;
mod cache;
mod clips;
mod error;
pub mod error_class;
mod history;
mod history_model;
mod model;
mod pg_copy;
mod postgres;
mod queries;
mod reuse;
mod reuse_index;
mod rows;
mod sql_impl;
mod sql_parts;
mod sql_reads;
mod sqlite;
pub mod testing;

pub use backend::{Backend, SqlStore};
pub use bundle_model::*;
pub use error::StoreError;
pub use error_class::ErrorClass;
pub use history_model::*;
pub use model::*;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

use std::sync::Arc;

/// Persistent state of dfbench. One coordinator process is the only writer.
#[async_trait::async_trait]
pub trait Store: HistoryStore + Send + Sync {
    /// Which backend this is ("sqlite" or "postgres"), for logs.
    fn backend(&self) -> &'static str;

    /// Stores a planned run with its datasets, detectors, shards and samples in one transaction,
    /// without reusing stored predictions.
    async fn create_run(&self, plan: &RunPlan) -> Result<(), StoreError> {
        self.create_run_with(plan, &PlanOptions::default())
            .await
            .map(|_| ())
    }

    /// Stores a planned run in one transaction, with its history options, its shards' clips
    /// and their planned failures (see the `clips` module); with `reuse_predictions`, stored
    /// predictions and clip outcomes with the same identity are copied in that same
    /// transaction (see the `reuse` module) and shards that owe nothing more are created done.
    async fn create_run_with(
        &self,
        plan: &RunPlan,
        options: &PlanOptions,
    ) -> Result<CreatedRun, StoreError>;

    /// Registers a worker incarnation, replacing what was stored for its id: a worker that had
    /// left is registered (and alive) again.
    async fn register_worker(&self, worker: &WorkerRecord) -> Result<(), StoreError>;

    /// Records that `owner` is leaving (its process exits): from now on it reads back with
    /// `left_at_ms` set and is not counted alive by [`Store::cluster_stats`]. Leases it still
    /// holds are left to expire. Returns false, changing nothing, when the store does not know
    /// this incarnation (never registered, or a newer one registered since).
    async fn deregister_worker(&self, owner: &LeaseOwner, now_ms: i64) -> Result<bool, StoreError>;

    /// Leases the oldest ready shard of a running run to `owner`, bumping its epoch.
    async fn acquire_shard(
        &self,
        owner: &LeaseOwner,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<Option<ShardAssignment>, StoreError>;

    /// Extends every listed lease `owner` still holds; reports the ones it lost.
    async fn heartbeat(
        &self,
        owner: &LeaseOwner,
        leases: &[(ShardId, LeaseEpoch)],
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<HeartbeatOutcome, StoreError>;

    /// Stores predictions of one shard while the lease is current. Re-delivered rows are ignored.
    /// Returns how many rows were new.
    async fn ingest_predictions(
        &self,
        lease: &LeaseRef,
        predictions: &[NewPrediction],
    ) -> Result<u64, StoreError>;

    /// Stores clip outcomes (clip and thumbnail detectors) of one shard while the lease is
    /// current, fenced like [`Store::ingest_predictions`]. Rejects, naming the clip, an unknown
    /// detector, a detector that scores images, a (detector, video, clip index) the shard does
    /// not owe, a score that is not a finite probability in [0, 1], and a failure without kind.
    /// Re-delivered outcomes are ignored. Returns how many were new.
    async fn ingest_clip_predictions(
        &self,
        lease: &LeaseRef,
        clips: &[NewClipPrediction],
    ) -> Result<u64, StoreError>;

    /// Marks a shard done; every (sample, image detector) pair must have a prediction and
    /// every clip the shard owes an outcome.
    async fn complete_shard(&self, lease: &LeaseRef, now_ms: i64) -> Result<(), StoreError> {
        self.complete_shard_with(lease, now_ms, None).await
    }

    /// [`Store::complete_shard`] that also records where the shard was computed (worker,
    /// device, libtorch, CUDA, batch size), in the same fenced statement.
    async fn complete_shard_with(
        &self,
        lease: &LeaseRef,
        now_ms: i64,
        provenance: Option<&ShardProvenance>,
    ) -> Result<(), StoreError>;

    /// Gives a shard back: retried later when `retryable` and attempts remain, else failed, in
    /// which case every missing prediction and clip outcome is recorded as a failure with this
    /// reason.
    async fn fail_shard(
        &self,
        lease: &LeaseRef,
        failure: &ShardFailure,
        now_ms: i64,
    ) -> Result<(), StoreError>;

    /// Hands a leased shard back because its worker is stopping (preempted, signalled): ready
    /// again at once for any worker, counting neither a failure nor a loss, since it is not the
    /// shard's fault. Predictions already stored stay. A lease that is not current is
    /// `StaleLease`.
    async fn release_shard(&self, lease: &LeaseRef, now_ms: i64) -> Result<(), StoreError>;

    /// Returns expired leases to ready (or fails them at max losses). Returns how many.
    async fn reap_expired_leases(&self, now_ms: i64) -> Result<u64, StoreError>;

    /// Finishes every running run none of whose shards is ready or leased; returns them.
    /// Shard completions finish their run themselves right after committing; this sweep only
    /// catches a run whose last completion's coordinator died between commit and check.
    async fn finish_complete_runs(&self, now_ms: i64) -> Result<Vec<RunId>, StoreError>;

    /// Adds the predictions of every ended run not indexed yet to the reuse index
    /// (`reuse_index`). Called when a run's last shard completes and by the supervisor, so
    /// planning rarely has any left to do itself.
    async fn index_ended_runs(&self) -> Result<(), StoreError>;

    /// Fails every running run created before `since_ms` when no worker has been seen since
    /// `since_ms`; their missing predictions and clip outcomes are recorded as failures. Returns
    /// the failed runs.
    async fn fail_runs_without_workers(
        &self,
        since_ms: i64,
        now_ms: i64,
        message: &str,
    ) -> Result<Vec<RunId>, StoreError>;

    async fn run_progress(&self, run_id: &RunId) -> Result<RunProgress, StoreError>;

    async fn cancel_run(&self, run_id: &RunId, now_ms: i64) -> Result<(), StoreError>;

    /// Marks a running run `failed` with `message` as its error (the coordinator's fatal
    /// database path: the cause a write hit). Touches only the run's row, so it needs no new
    /// space; its shards are no longer leased because the run is not running. Returns whether
    /// the run was running.
    async fn fail_run(
        &self,
        run_id: &RunId,
        message: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError>;

    async fn list_runs(&self, limit: i64) -> Result<Vec<RunRecord>, StoreError>;

    async fn run(&self, run_id: &RunId) -> Result<RunDetails, StoreError>;

    /// Every prediction of a run joined with its sample, sorted by detector, dataset, path.
    async fn predictions(&self, run_id: &RunId) -> Result<Vec<PredictionRow>, StoreError>;

    /// Every clip outcome of a run with its video's labels (those of the video's first sample),
    /// sorted by detector, dataset, video key, perturbation, clip index.
    async fn clip_predictions(&self, run_id: &RunId) -> Result<Vec<ClipPredictionRow>, StoreError>;

    /// Replaces the stored metrics of a run.
    async fn replace_metrics(
        &self,
        run_id: &RunId,
        rows: &[MetricRecord],
    ) -> Result<(), StoreError>;

    async fn metrics(&self, run_id: &RunId) -> Result<Vec<MetricRecord>, StoreError>;

    /// Counts for monitoring: workers seen since `alive_since_ms` that have not left, shards by
    /// state, running runs.
    async fn cluster_stats(&self, alive_since_ms: i64) -> Result<ClusterStats, StoreError>;

    /// Registered workers, most recently seen first.
    async fn workers(&self) -> Result<Vec<WorkerRecord>, StoreError>;

    /// The last content identity stored for each of `paths` (absolute file paths) that has one.
    async fn known_contents(
        &self,
        paths: &[String],
    ) -> Result<std::collections::HashMap<String, FileContent>, StoreError>;

    /// Every row of a run, store ids replaced by positions, in a fixed order: the same run
    /// gives equal [`RunRows`] from any store (`bundle_model`). `RunNotFound` without it.
    async fn export_run(&self, run_id: &RunId) -> Result<RunRows, StoreError>;

    /// Stores an exported run, with its metrics as they are, in one transaction.
    /// `AlreadyImported`, writing nothing, when the store holds this run id with the same
    /// content ([`RunRows::differences`]); `RunConflict` when it holds it with other content;
    /// `FingerprintConflict` when a detector or dataset name of the run is known here only
    /// under other fingerprints. Workers the store does not know are added, as left.
    async fn import_run(&self, rows: &RunRows) -> Result<ImportOutcome, StoreError>;
}

/// Run history (issue 7): a supertrait of [`Store`], so `&dyn Store` has these methods once
/// this trait is in scope. Implemented in `history.rs` for both backends.
#[async_trait::async_trait]
pub trait HistoryStore: Send + Sync {
    /// Partial flag, sampling, promotion, tags and excluded workers of a run.
    async fn run_history(&self, run_id: &RunId) -> Result<RunHistory, StoreError>;

    /// Marks a finished, complete (not partial) run promoted: the newest is `latest-good`.
    async fn promote_run(&self, run_id: &RunId, now_ms: i64) -> Result<(), StoreError>;

    /// Runs matching every set field of `filter`, newest first (newest promotion first with
    /// `promoted_only`).
    async fn find_runs(&self, filter: &RunFilter) -> Result<Vec<FoundRun>, StoreError>;

    /// Distinct provenances of a run's finished shards with their shard counts.
    async fn shard_provenance(&self, run_id: &RunId) -> Result<Vec<ProvenanceSummary>, StoreError>;
}

/// Opens a store from a URL: `sqlite:PATH`, `sqlite://PATH`, `postgres://…`, `postgresql://…`.
/// Runs the migrations before returning.
pub async fn open_store(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::connect(url).await?))
    } else if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    } else {
        Err(StoreError::BadUrl {
            url: url.to_string(),
        })
    }
}

/// Wall-clock time in unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or(0)
}

/// Backoff before a shard given back after `attempt` attempts may be leased again.
pub fn retry_backoff_ms(attempt: i64) -> i64 {
    let exponent = (attempt - 1).clamp(0, 5) as u32;
    250 * 2i64.pow(exponent)
}
