//! The store implementation shared by both backends. The SQL is the same text for SQLite and
//! PostgreSQL (both accept `$N` placeholders through sqlx); what differs is passed in as a
//! [`Dialect`]: row-locking clauses that only PostgreSQL has. SQLite needs none of them because
//! the coordinator is its only writer and its pool has a single connection.

use crate::StoreError;
/// Backend-specific SQL fragments.
use crate::error::QueryContext;
use crate::model::{DatasetRecord, NewPrediction, Outcome, RunId, RunRecord, RunStatus, ShardId};
use sqlx::Row;
use std::collections::HashSet;

pub(crate) struct Dialect {
    /// Appended to the ready-shard pick inside the acquire UPDATE.
    pub acquire_lock: &'static str,
    /// Appended to the lease check of worker writes.
    pub lease_check_lock: &'static str,
    /// Run after a run's rows are committed.
    pub after_plan: Option<&'static str>,
    /// A shard's samples (`id`, `rel_path`) by id, for shard `$1`.
    pub shard_refs: &'static str,
}

pub(crate) const LEASE_CHECK: &str = "SELECT run_id, perturbation, failures, max_attempts FROM shards \
     WHERE id = $1 AND lease_epoch = $2 AND state = 'leased' AND lease_owner = $3 AND lease_incarnation = $4";

/// Finishes run `$1` when none of its shards is ready or leased. Looks for the open shard with
/// the highest id: shards are leased in id order, so while a run is going that one is live at
/// once, where an `EXISTS` walked the run's completed shards from the lowest id first (their
/// index entries stay until vacuum; on Postgres ~1 ms per completion at 20,000 shards).
pub(crate) const FINISH_RUN_IF_COMPLETE: &str = "UPDATE runs SET status = 'done', finished_at_ms = $2 \
     WHERE id = $1 AND status = 'running' \
     AND (SELECT id FROM shards WHERE run_id = $1 AND state IN ('ready', 'leased') \
          ORDER BY id DESC LIMIT 1) IS NULL";

/// Finishes run `$run_id` when no shard of it is ready or leased any more. Runs AFTER the
/// transaction that ended a shard has committed, in a statement of its own: on Postgres (READ
/// COMMITTED) the last two shards of a run can end in concurrent transactions, and a check
/// inside either of them would still see the other shard as leased, so neither would finish
/// the run. A check after the commit starts a new snapshot; the check that follows the last
/// commit sees every shard ended. No row lock is taken, so completions of one run never queue
/// behind each other. If the coordinator dies between the commit and the check, the
/// supervisor's `finish_complete_runs` sweep finishes the run.
macro_rules! finish_run_if_complete {
    ($executor:expr, $run_id:expr, $now_ms:expr) => {{
        sqlx::query($crate::sql_impl::FINISH_RUN_IF_COMPLETE)
            .bind($run_id)
            .bind($now_ms)
            .execute($executor)
            .await
            .during("finish run")?
    }};
}
pub(crate) use finish_run_if_complete;

/// Finishes every running run with no ready or leased shard (the supervisor's sweep).
pub(crate) const FINISH_COMPLETE_RUNS: &str = "UPDATE runs SET status = 'done', finished_at_ms = $1 \
     WHERE status = 'running' \
     AND NOT EXISTS (SELECT 1 FROM shards WHERE run_id = runs.id AND state IN ('ready', 'leased')) \
     RETURNING id";

/// Marks a shard done in one statement if its lease (`$1` shard, `$2` epoch, `$3` owner, `$4`
/// incarnation) is current and every (sample, detector) pair has a prediction; returns its
/// run. Every prediction of the shard's (sample, perturbation) pairs carries its shard id
/// (ingest checks membership; failures and reused rows are written with it), so the
/// `predictions_shard` index counts them without a scan of the run. (No `run_id` filter on the
/// count: shard ids are global, and with one Postgres chose the primary key's run prefix and
/// filtered the run's rows, 0.6 ms per completion.) One statement instead of a transaction
/// of four: a completion is one round trip.
pub(crate) const COMPLETE_SHARD: &str = "UPDATE shards SET state = 'done', lease_expires_at_ms = NULL \
     WHERE id = $1 AND lease_epoch = $2 AND state = 'leased' AND lease_owner = $3 \
     AND lease_incarnation = $4 \
     AND (SELECT COUNT(*) FROM predictions WHERE shard_id = $1) \
         >= n_samples * (SELECT COUNT(*) FROM run_detectors d WHERE d.run_id = shards.run_id) \
     RETURNING run_id";

/// (sample, detector) pairs of shard `$1` (of run `$2`) without a prediction.
pub(crate) const MISSING_PREDICTIONS: &str = "SELECT \
     (SELECT n_samples FROM shards WHERE id = $1) * (SELECT COUNT(*) FROM run_detectors WHERE run_id = $2) \
     - (SELECT COUNT(*) FROM predictions WHERE shard_id = $1)";

/// Records a failure for every (sample, detector) pair of a shard that has no prediction yet.
pub(crate) const FILL_MISSING_AS_FAILED: &str = "INSERT INTO predictions \
     (run_id, detector, sample_id, perturbation, score, failure_kind, failure_message, \
      detector_fingerprint, worker_id, shard_id, epoch, latency_us) \
     SELECT sh.run_id, d.name, ss.sample_id, sh.perturbation, CAST(NULL AS DOUBLE PRECISION), $2, $3, \
            COALESCE(d.fingerprint, ''), $4, sh.id, sh.lease_epoch, 0 \
     FROM shards sh \
     JOIN shard_samples ss ON ss.shard_id = sh.id \
     JOIN run_detectors d ON d.run_id = sh.run_id \
     WHERE sh.id = $1 \
     ON CONFLICT DO NOTHING";

pub(crate) const SELECT_RUN: &str = "SELECT id, name, suite_name, suite_toml, suite_hash, data_root, \
     dfbench_version, status, error, created_at_ms, finished_at_ms, needs_torch FROM runs";

/// Rejects a batch that names samples outside the shard, unknown detectors, or invalid scores.
/// Where a batch of predictions goes; shared by both backends' bulk inserts.
pub(crate) struct IngestContext<'a> {
    pub run_id: &'a str,
    pub perturbation: &'a str,
    pub worker_id: &'a str,
    pub shard_id: i64,
    pub epoch: i64,
}

/// The run's datasets and detectors, from the cache or read once.
macro_rules! run_meta {
    ($self:ident, $executor:expr, $run_id:expr) => {{
        match $self.cache.run($run_id) {
            Some(meta) => meta,
            None => {
                let dataset_rows = sqlx::query(
                    "SELECT name, format, root, fingerprint, samples FROM run_datasets \
                     WHERE run_id = $1 ORDER BY name",
                )
                .bind($run_id)
                .fetch_all(&mut *$executor)
                .await
                .during("read run datasets")?;
                let datasets = dataset_rows
                    .iter()
                    .map($crate::sql_impl::dataset_from_row)
                    .collect::<Result<Vec<_>, _>>()?;
                let detectors = $crate::sql_impl::read_detectors!(&mut *$executor, $run_id);
                $self.cache.put_run($run_id, datasets, detectors)
            }
        }
    }};
}
pub(crate) use run_meta;

/// A shard's samples as (id, relative path), by id.
macro_rules! read_shard_refs {
    ($self:ident, $executor:expr, $shard_id:expr) => {{
        use sqlx::Row;
        let rows = sqlx::query($self.dialect.shard_refs)
            .bind($shard_id)
            .fetch_all(&mut *$executor)
            .await
            .during("read the shard's samples")?;
        let mut refs = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: i64 = row.try_get("id").during("read sample")?;
            let path: String = row.try_get("rel_path").during("read sample")?;
            refs.push(($crate::SampleId(id), path));
        }
        refs
    }};
}
pub(crate) use read_shard_refs;

/// A shard's run, perturbation and samples, from the cache or read once.
macro_rules! shard_samples {
    ($self:ident, $executor:expr, $shard_id:expr) => {{
        match $self.cache.shard($shard_id) {
            Some(samples) => samples,
            None => {
                use sqlx::Row;
                let shard = sqlx::query("SELECT run_id, perturbation FROM shards WHERE id = $1")
                    .bind($shard_id)
                    .fetch_optional(&mut *$executor)
                    .await
                    .during("read the shard")?
                    .ok_or_else(|| $crate::StoreError::InvalidPrediction {
                        shard_id: $crate::ShardId($shard_id),
                        message: "no such shard".to_string(),
                    })?;
                let run_id: String = shard.try_get("run_id").during("read the shard")?;
                let perturbation: String =
                    shard.try_get("perturbation").during("read the shard")?;
                let refs = $crate::sql_impl::read_shard_refs!($self, $executor, $shard_id);
                $self.cache.put_shard($shard_id, run_id, perturbation, refs)
            }
        }
    }};
}
pub(crate) use shard_samples;

pub(crate) fn validate_predictions(
    shard_id: &ShardId,
    predictions: &[NewPrediction],
    sample_ids: &HashSet<i64>,
    detectors: &HashSet<String>,
) -> Result<(), StoreError> {
    let invalid = |message: String| StoreError::InvalidPrediction {
        shard_id: shard_id.clone(),
        message,
    };
    for prediction in predictions {
        if !sample_ids.contains(&prediction.sample_id.0) {
            return Err(invalid(format!(
                "sample {} is not part of this shard",
                prediction.sample_id
            )));
        }
        if !detectors.contains(&prediction.detector) {
            return Err(invalid(format!(
                "detector `{}` is not part of this run",
                prediction.detector
            )));
        }
        match &prediction.outcome {
            Outcome::Score(score) if !(0.0..=1.0).contains(score) => {
                return Err(invalid(format!(
                    "score {score} of detector `{}` for sample {} is not a probability in [0, 1]",
                    prediction.detector, prediction.sample_id
                )));
            }
            Outcome::Failure { kind, .. } if kind.is_empty() => {
                return Err(invalid(format!(
                    "failure of detector `{}` for sample {} has no kind",
                    prediction.detector, prediction.sample_id
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

pub(crate) fn dataset_from_row<R>(row: &R) -> Result<DatasetRecord, StoreError>
where
    R: Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let action = "read dataset";
    Ok(DatasetRecord {
        name: row.try_get("name").during(action)?,
        format: row.try_get("format").during(action)?,
        root: row.try_get("root").during(action)?,
        fingerprint: row.try_get("fingerprint").during(action)?,
        samples: row.try_get("samples").during(action)?,
    })
}

pub(crate) fn run_from_row<R>(row: &R) -> Result<RunRecord, StoreError>
where
    R: Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let action = "read run";
    let status: String = row.try_get("status").during(action)?;
    Ok(RunRecord {
        id: RunId(row.try_get("id").during(action)?),
        name: row.try_get("name").during(action)?,
        suite_name: row.try_get("suite_name").during(action)?,
        suite_toml: row.try_get("suite_toml").during(action)?,
        suite_hash: row.try_get("suite_hash").during(action)?,
        data_root: row.try_get("data_root").during(action)?,
        dfbench_version: row.try_get("dfbench_version").during(action)?,
        status: RunStatus::parse(&status),
        error: row.try_get("error").during(action)?,
        created_at_ms: row.try_get("created_at_ms").during(action)?,
        finished_at_ms: row.try_get("finished_at_ms").during(action)?,
        needs_torch: row.try_get::<i64, _>("needs_torch").during(action)? != 0,
    })
}

/// Fetches the lease row of `$lease` if it is still current, else returns `StaleLease`.
macro_rules! check_lease {
    ($self:ident, $executor:expr, $lease:expr) => {{
        let sql = format!(
            "{} {}",
            $crate::sql_impl::LEASE_CHECK,
            $self.dialect.lease_check_lock
        );
        match sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind($lease.shard_id.0)
            .bind($lease.epoch.0)
            .bind(&$lease.owner.worker_id)
            .bind($lease.owner.incarnation_text())
            .fetch_optional($executor)
            .await
            .during("check lease")?
        {
            Some(row) => row,
            None => {
                return Err($crate::StoreError::StaleLease {
                    shard_id: $lease.shard_id.clone(),
                    epoch: $lease.epoch.clone(),
                });
            }
        }
    }};
}
pub(crate) use check_lease;

/// The detectors of a run, sorted by name.
macro_rules! read_detectors {
    ($executor:expr, $run_id:expr) => {{
        use sqlx::Row;
        let rows = sqlx::query(
            "SELECT name, kind, builtin, card, fingerprint FROM run_detectors WHERE run_id = $1 ORDER BY name",
        )
        .bind($run_id)
        .fetch_all($executor)
        .await
        .during("read run detectors")?;
        let mut detectors = Vec::with_capacity(rows.len());
        for row in &rows {
            detectors.push($crate::DetectorRecord {
                name: row.try_get("name").during("read detector")?,
                kind: row.try_get("kind").during("read detector")?,
                builtin: row.try_get("builtin").during("read detector")?,
                card: row.try_get("card").during("read detector")?,
                fingerprint: row.try_get("fingerprint").during("read detector")?,
            });
        }
        detectors
    }};
}
pub(crate) use read_detectors;

/// Returns a leased shard to ready (retry, with backoff) or fails it for good, recording a
/// failure for each of its missing predictions. The caller finishes the run after its commit
/// (`finish_run_if_complete!`) when the shard failed for good.
/// `$counter` is the column the give-back counts against (`failures` or `losses`) and
/// `$count` its new value.
macro_rules! give_back {
    ($executor:expr, $shard_id:expr, $retry:expr, $counter:literal, $count:expr,
     $kind:expr, $message:expr, $worker_id:expr, $now_ms:expr) => {{
        let last_error = format!("{}: {}", $kind, $message);
        if $retry {
            sqlx::query(concat!(
                "UPDATE shards SET state = 'ready', lease_expires_at_ms = NULL, ",
                "not_before_ms = $2, last_error = $3, ",
                $counter,
                " = $4 WHERE id = $1"
            ))
            .bind($shard_id)
            .bind($now_ms + $crate::retry_backoff_ms($count))
            .bind(&last_error)
            .bind($count)
            .execute(&mut *$executor)
            .await
            .during("return shard to ready")?;
        } else {
            sqlx::query(concat!(
                "UPDATE shards SET state = 'failed', lease_expires_at_ms = NULL, last_error = $2, ",
                $counter,
                " = $3 WHERE id = $1"
            ))
            .bind($shard_id)
            .bind(&last_error)
            .bind($count)
            .execute(&mut *$executor)
            .await
            .during("mark shard failed")?;
            sqlx::query($crate::sql_impl::FILL_MISSING_AS_FAILED)
                .bind($shard_id)
                .bind($kind)
                .bind($message)
                .bind($worker_id)
                .execute(&mut *$executor)
                .await
                .during("record the failed shard's predictions as failures")?;
        }
    }};
}
pub(crate) use give_back;

/// Implements `Store` for `$store` (a struct with a `pool: sqlx::Pool<$db>` and a
/// `dialect: Dialect`). A macro rather than generics because sqlx's per-backend executor bounds
/// would otherwise dominate every signature.
macro_rules! impl_sql_store {
    ($store:ident, $backend:literal) => {
        $crate::history::impl_history_store!($store);

        #[async_trait::async_trait]
        impl $crate::Store for $store {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn create_run_with(
                &self,
                plan: &$crate::RunPlan,
                options: &$crate::PlanOptions,
            ) -> Result<$crate::CreatedRun, $crate::StoreError> {
                use $crate::error::QueryContext;
                let mut tx = self.pool.begin().await.during("begin run creation")?;
                let run = &plan.run;
                sqlx::query(
                    "INSERT INTO runs (id, name, suite_name, suite_toml, suite_hash, data_root, \
                     dfbench_version, status, error, created_at_ms, finished_at_ms, needs_torch) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(&run.id.0)
                .bind(&run.name)
                .bind(&run.suite_name)
                .bind(&run.suite_toml)
                .bind(&run.suite_hash)
                .bind(&run.data_root)
                .bind(&run.dfbench_version)
                .bind(run.status.as_str())
                .bind(&run.error)
                .bind(run.created_at_ms)
                .bind(run.finished_at_ms)
                .bind(i64::from(run.needs_torch))
                .execute(&mut *tx)
                .await
                .during("insert run")?;
                for dataset in &plan.datasets {
                    sqlx::query(
                        "INSERT INTO run_datasets (run_id, name, format, root, fingerprint, samples) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(&run.id.0)
                    .bind(&dataset.name)
                    .bind(&dataset.format)
                    .bind(&dataset.root)
                    .bind(&dataset.fingerprint)
                    .bind(dataset.samples)
                    .execute(&mut *tx)
                    .await
                    .during("insert run dataset")?;
                }
                for detector in &plan.detectors {
                    sqlx::query(
                        "INSERT INTO run_detectors (run_id, name, kind, builtin, card, fingerprint) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(&run.id.0)
                    .bind(&detector.name)
                    .bind(&detector.kind)
                    .bind(&detector.builtin)
                    .bind(&detector.card)
                    .bind(&detector.fingerprint)
                    .execute(&mut *tx)
                    .await
                    .during("insert run detector")?;
                }
                let sample_ids = $crate::bulk::insert_samples!(&mut *tx, $backend, plan);
                let mut memberships: Vec<(i64, i64)> = Vec::new();
                for shard in &plan.shards {
                    let shard_id: i64 = sqlx::query_scalar(
                        "INSERT INTO shards (run_id, dataset, perturbation, state, max_attempts, max_losses, \
                         n_samples) VALUES ($1, $2, $3, 'ready', $4, $5, $6) RETURNING id",
                    )
                    .bind(&run.id.0)
                    .bind(&shard.dataset)
                    .bind(&shard.perturbation)
                    .bind(plan.max_attempts)
                    .bind(plan.max_losses)
                    .bind(shard.sample_indices.len() as i64)
                    .fetch_one(&mut *tx)
                    .await
                    .during("insert shard")?;
                    for index in &shard.sample_indices {
                        let sample_id = sample_ids.get(*index).copied().ok_or_else(|| {
                            $crate::StoreError::InvalidPrediction {
                                shard_id: $crate::ShardId(shard_id),
                                message: format!("planned sample index {index} is out of range"),
                            }
                        })?;
                        memberships.push((shard_id, sample_id));
                    }
                }
                $crate::bulk::insert_shard_samples!(&mut *tx, $backend, memberships);
                let created = $crate::reuse::plan_history!(&mut *tx, $backend, plan, options);
                tx.commit().await.during("commit run creation")?;
                if let Some(analyze) = self.dialect.after_plan {
                    sqlx::query(analyze)
                        .execute(&self.pool)
                        .await
                        .during("refresh the planner's statistics of shards")?;
                }
                Ok(created)
            }

            async fn register_worker(
                &self,
                worker: &$crate::WorkerRecord,
            ) -> Result<(), $crate::StoreError> {
                use $crate::error::QueryContext;
                sqlx::query(
                    "INSERT INTO workers (id, incarnation, hostname, dfbench_version, capabilities, \
                     devices, registered_at_ms, last_seen_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
                     ON CONFLICT (id) DO UPDATE SET incarnation = excluded.incarnation, \
                     hostname = excluded.hostname, dfbench_version = excluded.dfbench_version, \
                     capabilities = excluded.capabilities, devices = excluded.devices, \
                     registered_at_ms = excluded.registered_at_ms, last_seen_ms = excluded.last_seen_ms",
                )
                .bind(&worker.worker_id)
                .bind(worker.incarnation.to_string())
                .bind(&worker.hostname)
                .bind(&worker.dfbench_version)
                .bind(worker.capabilities.join(","))
                .bind(worker.devices.join(","))
                .bind(worker.now_ms)
                .execute(&self.pool)
                .await
                .during("register worker")?;
                Ok(())
            }

            async fn acquire_shard(
                &self,
                owner: &$crate::LeaseOwner,
                now_ms: i64,
                ttl_ms: i64,
            ) -> Result<Option<$crate::ShardAssignment>, $crate::StoreError> {
                use $crate::error::QueryContext;
                use sqlx::Row;
                // No transaction: the UPDATE is atomic on its own, and what is read after it
                // (the run's datasets and detectors, the shard's samples) never changes.
                let mut conn = self.pool.acquire().await.during("begin acquire")?;
                let sql = format!(
                    "UPDATE shards SET state = 'leased', lease_owner = $2, lease_incarnation = $3, \
                     lease_epoch = lease_epoch + 1, lease_expires_at_ms = $4, attempt = attempt + 1 \
                     WHERE id = (SELECT s.id FROM shards s \
                       WHERE s.state = 'ready' AND s.not_before_ms <= $1 \
                       AND EXISTS (SELECT 1 FROM runs r WHERE r.id = s.run_id AND r.status = 'running' \
                         AND (r.needs_torch = 0 OR EXISTS (SELECT 1 FROM workers w WHERE w.id = $2 \
                           AND w.incarnation = $3 AND (',' || w.capabilities || ',') LIKE '%,torch,%')) \
                         AND NOT EXISTS (SELECT 1 FROM run_excluded_workers x \
                           WHERE x.run_id = r.id AND x.worker_id = $2)) \
                       ORDER BY s.id LIMIT 1 {}) \
                     RETURNING id, lease_epoch, run_id, dataset, perturbation, detectors",
                    self.dialect.acquire_lock
                );
                let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(now_ms)
                    .bind(&owner.worker_id)
                    .bind(owner.incarnation_text())
                    .bind(now_ms + ttl_ms)
                    .fetch_optional(&mut *conn)
                    .await
                    .during("lease a ready shard")?
                else {
                    return Ok(None);
                };
                let shard_id: i64 = row.try_get("id").during("read leased shard")?;
                let epoch: i64 = row.try_get("lease_epoch").during("read leased shard")?;
                let run_id: String = row.try_get("run_id").during("read leased shard")?;
                let dataset_name: String = row.try_get("dataset").during("read leased shard")?;
                let perturbation: String = row.try_get("perturbation").during("read leased shard")?;
                let meta = $crate::sql_impl::run_meta!(self, &mut *conn, &run_id);
                let dataset = meta
                    .datasets
                    .iter()
                    .find(|dataset| dataset.name == dataset_name)
                    .cloned()
                    .ok_or_else(|| $crate::StoreError::InvalidPrediction {
                        shard_id: $crate::ShardId(shard_id),
                        message: format!("dataset `{dataset_name}` of this shard is not part of run {run_id}"),
                    })?;
                let subset: Option<String> = row.try_get("detectors").during("read leased shard")?;
                let detectors = $crate::reuse::shard_detectors(&meta.detectors, subset.as_deref())?;
                let samples = match self.cache.shard(shard_id) {
                    Some(cached) => cached.refs.clone(),
                    None => {
                        let refs = $crate::sql_impl::read_shard_refs!(self, &mut *conn, shard_id);
                        self.cache
                            .put_shard(shard_id, run_id.clone(), perturbation.clone(), refs)
                            .refs
                            .clone()
                    }
                };
                Ok(Some($crate::ShardAssignment {
                    shard_id: $crate::ShardId(shard_id),
                    epoch: $crate::LeaseEpoch(epoch),
                    run_id: $crate::RunId(run_id),
                    dataset,
                    perturbation,
                    detectors,
                    samples,
                }))
            }

            async fn heartbeat(
                &self,
                owner: &$crate::LeaseOwner,
                leases: &[($crate::ShardId, $crate::LeaseEpoch)],
                now_ms: i64,
                ttl_ms: i64,
            ) -> Result<$crate::HeartbeatOutcome, $crate::StoreError> {
                use $crate::error::QueryContext;
                let mut tx = self.pool.begin().await.during("begin heartbeat")?;
                let seen = sqlx::query(
                    "UPDATE workers SET last_seen_ms = $3 WHERE id = $1 AND incarnation = $2",
                )
                .bind(&owner.worker_id)
                .bind(owner.incarnation_text())
                .bind(now_ms)
                .execute(&mut *tx)
                .await
                .during("record worker heartbeat")?;
                let mut revoked = Vec::new();
                for (shard_id, epoch) in leases {
                    let extended = sqlx::query(
                        "UPDATE shards SET lease_expires_at_ms = $5 WHERE id = $1 AND lease_epoch = $2 \
                         AND state = 'leased' AND lease_owner = $3 AND lease_incarnation = $4",
                    )
                    .bind(shard_id.0)
                    .bind(epoch.0)
                    .bind(&owner.worker_id)
                    .bind(owner.incarnation_text())
                    .bind(now_ms + ttl_ms)
                    .execute(&mut *tx)
                    .await
                    .during("extend a lease")?;
                    if extended.rows_affected() == 0 {
                        revoked.push(shard_id.clone());
                    }
                }
                tx.commit().await.during("commit heartbeat")?;
                Ok($crate::HeartbeatOutcome {
                    revoked,
                    unknown_worker: seen.rows_affected() == 0,
                })
            }

            async fn ingest_predictions(
                &self,
                lease: &$crate::LeaseRef,
                predictions: &[$crate::NewPrediction],
            ) -> Result<u64, $crate::StoreError> {
                use $crate::error::QueryContext;
                let shard = {
                    let mut conn = self.pool.acquire().await.during("begin ingest")?;
                    $crate::sql_impl::shard_samples!(self, &mut *conn, lease.shard_id.0)
                };
                let meta = {
                    let mut conn = self.pool.acquire().await.during("begin ingest")?;
                    $crate::sql_impl::run_meta!(self, &mut *conn, &shard.run_id)
                };
                $crate::sql_impl::validate_predictions(
                    &lease.shard_id,
                    predictions,
                    &shard.ids,
                    &meta.detector_names,
                )?;
                let context = $crate::sql_impl::IngestContext {
                    run_id: &shard.run_id,
                    perturbation: &shard.perturbation,
                    worker_id: &lease.owner.worker_id,
                    shard_id: lease.shard_id.0,
                    epoch: lease.epoch.0,
                };
                // Fencing and insert are atomic inside: a stale lease writes nothing.
                let inserted = self.insert_fenced(lease, &context, predictions).await?;
                let mut fingerprinted = std::collections::BTreeSet::new();
                for prediction in predictions {
                    if fingerprinted.insert(&prediction.detector)
                        && self.cache.first_fingerprint(&shard.run_id, &prediction.detector)
                    {
                        sqlx::query(
                            "UPDATE run_detectors SET fingerprint = $3 \
                             WHERE run_id = $1 AND name = $2 AND fingerprint IS NULL",
                        )
                        .bind(&shard.run_id)
                        .bind(&prediction.detector)
                        .bind(&prediction.detector_fingerprint)
                        .execute(&self.pool)
                        .await
                        .during("record detector fingerprint")?;
                    }
                }
                Ok(inserted)
            }

            async fn complete_shard(
                &self,
                lease: &$crate::LeaseRef,
                now_ms: i64,
            ) -> Result<(), $crate::StoreError> {
                use $crate::error::QueryContext;
                use sqlx::Row;
                let completed: Option<String> =
                    sqlx::query_scalar($crate::sql_impl::COMPLETE_SHARD)
                        .bind(lease.shard_id.0)
                        .bind(lease.epoch.0)
                        .bind(&lease.owner.worker_id)
                        .bind(lease.owner.incarnation_text())
                        .fetch_optional(&self.pool)
                        .await
                        .during("complete shard")?;
                let Some(run_id) = completed else {
                    // Not completed: say why (a stale lease, or predictions still missing).
                    let current = $crate::sql_impl::check_lease!(self, &self.pool, lease);
                    let run_id: String = current.try_get("run_id").during("read lease")?;
                    let missing: i64 = sqlx::query_scalar($crate::sql_impl::MISSING_PREDICTIONS)
                        .bind(lease.shard_id.0)
                        .bind(&run_id)
                        .fetch_one(&self.pool)
                        .await
                        .during("count missing predictions")?;
                    return Err($crate::StoreError::IncompleteShard {
                        shard_id: lease.shard_id.clone(),
                        missing,
                    });
                };
                self.cache.forget_shard(lease.shard_id.0);
                let finished =
                    $crate::sql_impl::finish_run_if_complete!(&self.pool, &run_id, now_ms);
                if finished.rows_affected() > 0 {
                    // The run's last shard: index its predictions for reuse now, once, so the
                    // next run's planning does not pay for it. A failure here loses nothing:
                    // the next planning indexes every ended run still missing.
                    if let Err(error) = self.index_ended_runs().await {
                        tracing::warn!(%error, run_id = %run_id, "could not index the finished run for reuse");
                    }
                }
                Ok(())
            }

            async fn index_ended_runs(&self) -> Result<(), $crate::StoreError> {
                use $crate::error::QueryContext;
                let mut tx = self.pool.begin().await.during("begin reuse indexing")?;
                $crate::reuse_index::index_ended_runs!(&mut *tx);
                tx.commit().await.during("commit reuse indexing")?;
                Ok(())
            }

            async fn fail_shard(
                &self,
                lease: &$crate::LeaseRef,
                failure: &$crate::ShardFailure,
                now_ms: i64,
            ) -> Result<(), $crate::StoreError> {
                use $crate::error::QueryContext;
                use sqlx::Row;
                let mut tx = self.pool.begin().await.during("begin shard failure")?;
                let current = $crate::sql_impl::check_lease!(self, &mut *tx, lease);
                let run_id: String = current.try_get("run_id").during("read lease")?;
                let failures: i64 = current.try_get("failures").during("read lease")?;
                let max_attempts: i64 = current.try_get("max_attempts").during("read lease")?;
                let failures = failures + 1;
                let retry = failure.retryable && failures < max_attempts;
                if !retry {
                    self.cache.forget_shard(lease.shard_id.0);
                }
                $crate::sql_impl::give_back!(
                    &mut *tx,
                    lease.shard_id.0,
                    retry,
                    "failures",
                    failures,
                    &failure.kind,
                    &failure.message,
                    &lease.owner.worker_id,
                    now_ms
                );
                tx.commit().await.during("commit shard failure")?;
                if !retry {
                    $crate::sql_impl::finish_run_if_complete!(&self.pool, &run_id, now_ms);
                }
                Ok(())
            }

            async fn reap_expired_leases(&self, now_ms: i64) -> Result<u64, $crate::StoreError> {
                use $crate::error::QueryContext;
                use sqlx::Row;
                let mut tx = self.pool.begin().await.during("begin reaping")?;
                let expired = sqlx::query(
                    "SELECT id, run_id, losses, max_losses, lease_owner FROM shards \
                     WHERE state = 'leased' AND lease_expires_at_ms < $1",
                )
                .bind(now_ms)
                .fetch_all(&mut *tx)
                .await
                .during("find expired leases")?;
                let mut ended_runs = std::collections::BTreeSet::new();
                for row in &expired {
                    let shard_id: i64 = row.try_get("id").during("read expired lease")?;
                    let run_id: String = row.try_get("run_id").during("read expired lease")?;
                    let losses: i64 = row.try_get("losses").during("read expired lease")?;
                    let max_losses: i64 = row.try_get("max_losses").during("read expired lease")?;
                    let losses = losses + 1;
                    let owner: Option<String> =
                        row.try_get("lease_owner").during("read expired lease")?;
                    let owner = owner.unwrap_or_default();
                    let message = format!("worker {owner} stopped renewing its lease");
                    tracing::warn!(shard_id, worker_id = %owner, losses, "lease expired");
                    if losses >= max_losses {
                        self.cache.forget_shard(shard_id);
                        ended_runs.insert(run_id.clone());
                    }
                    $crate::sql_impl::give_back!(
                        &mut *tx,
                        shard_id,
                        losses < max_losses,
                        "losses",
                        losses,
                        "lease_expired",
                        &message,
                        &owner,
                        now_ms
                    );
                }
                tx.commit().await.during("commit reaping")?;
                for run_id in &ended_runs {
                    $crate::sql_impl::finish_run_if_complete!(&self.pool, run_id, now_ms);
                }
                Ok(expired.len() as u64)
            }

            async fn finish_complete_runs(
                &self,
                now_ms: i64,
            ) -> Result<Vec<$crate::RunId>, $crate::StoreError> {
                use $crate::error::QueryContext;
                let finished: Vec<String> =
                    sqlx::query_scalar($crate::sql_impl::FINISH_COMPLETE_RUNS)
                        .bind(now_ms)
                        .fetch_all(&self.pool)
                        .await
                        .during("finish complete runs")?;
                Ok(finished.into_iter().map($crate::RunId).collect())
            }

            async fn fail_runs_without_workers(
                &self,
                since_ms: i64,
                now_ms: i64,
                message: &str,
            ) -> Result<Vec<$crate::RunId>, $crate::StoreError> {
                use $crate::error::QueryContext;
                let mut tx = self.pool.begin().await.during("begin failing stalled runs")?;
                let stalled: Vec<String> = sqlx::query_scalar(
                    "SELECT id FROM runs WHERE status = 'running' AND created_at_ms < $1 \
                     AND NOT EXISTS (SELECT 1 FROM workers WHERE last_seen_ms >= $1) ORDER BY id",
                )
                .bind(since_ms)
                .fetch_all(&mut *tx)
                .await
                .during("find runs without workers")?;
                for run_id in &stalled {
                    let open: Vec<i64> = sqlx::query_scalar(
                        "SELECT id FROM shards WHERE run_id = $1 AND state IN ('ready', 'leased')",
                    )
                    .bind(run_id)
                    .fetch_all(&mut *tx)
                    .await
                    .during("find the stalled run's open shards")?;
                    for shard_id in open {
                        sqlx::query(
                            "UPDATE shards SET state = 'failed', lease_expires_at_ms = NULL, \
                             last_error = $2 WHERE id = $1",
                        )
                        .bind(shard_id)
                        .bind(format!("no_workers: {message}"))
                        .execute(&mut *tx)
                        .await
                        .during("fail a stalled shard")?;
                        sqlx::query($crate::sql_impl::FILL_MISSING_AS_FAILED)
                            .bind(shard_id)
                            .bind("no_workers")
                            .bind(message)
                            .bind("")
                            .execute(&mut *tx)
                            .await
                            .during("record a stalled shard's predictions as failures")?;
                    }
                    sqlx::query(
                        "UPDATE runs SET status = 'failed', error = $2, finished_at_ms = $3 \
                         WHERE id = $1",
                    )
                    .bind(run_id)
                    .bind(message)
                    .bind(now_ms)
                    .execute(&mut *tx)
                    .await
                    .during("fail a run without workers")?;
                }
                tx.commit().await.during("commit failing stalled runs")?;
                Ok(stalled.into_iter().map($crate::RunId).collect())
            }

            async fn run_progress(
                &self,
                run_id: &$crate::RunId,
            ) -> Result<$crate::RunProgress, $crate::StoreError> {
                use $crate::error::QueryContext;
                use sqlx::Row;
                let Some(run) = sqlx::query("SELECT status, error FROM runs WHERE id = $1")
                    .bind(&run_id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .during("read run status")?
                else {
                    return Err($crate::StoreError::RunNotFound(run_id.clone()));
                };
                // One pass over the run's predictions and one over its shards.
                let counts = sqlx::query(
                    "SELECT sh.shards_total, sh.shards_done, sh.shards_failed, \
                       p.predictions, p.failures, p.reused, \
                       sh.samples * (SELECT COUNT(*) FROM run_detectors WHERE run_id = $1) AS expected \
                     FROM (SELECT COUNT(*) AS shards_total, \
                             COUNT(CASE WHEN state = 'done' THEN 1 END) AS shards_done, \
                             COUNT(CASE WHEN state = 'failed' THEN 1 END) AS shards_failed, \
                             CAST(COALESCE(SUM(n_samples), 0) AS BIGINT) AS samples \
                           FROM shards WHERE run_id = $1) sh, \
                          (SELECT COUNT(*) AS predictions, \
                             COUNT(failure_kind) AS failures, \
                             COUNT(reused_from) AS reused \
                           FROM predictions WHERE run_id = $1) p",
                )
                .bind(&run_id.0)
                .fetch_one(&self.pool)
                .await
                .during("count run progress")?;
                Ok($crate::RunProgress {
                    status: run.try_get("status").during("read run status")?,
                    error: run.try_get("error").during("read run status")?,
                    shards_total: counts.try_get("shards_total").during("read progress")?,
                    shards_done: counts.try_get("shards_done").during("read progress")?,
                    shards_failed: counts.try_get("shards_failed").during("read progress")?,
                    predictions: counts.try_get("predictions").during("read progress")?,
                    prediction_failures: counts.try_get("failures").during("read progress")?,
                    predictions_reused: counts.try_get("reused").during("read progress")?,
                    predictions_expected: counts.try_get("expected").during("read progress")?,
                })
            }

            async fn cancel_run(
                &self,
                run_id: &$crate::RunId,
                now_ms: i64,
            ) -> Result<(), $crate::StoreError> {
                use $crate::error::QueryContext;
                let mut tx = self.pool.begin().await.during("begin cancel")?;
                let updated = sqlx::query(
                    "UPDATE runs SET status = 'cancelled', finished_at_ms = $2 \
                     WHERE id = $1 AND status = 'running'",
                )
                .bind(&run_id.0)
                .bind(now_ms)
                .execute(&mut *tx)
                .await
                .during("cancel run")?;
                if updated.rows_affected() > 0 {
                    sqlx::query(
                        "UPDATE shards SET state = 'cancelled' WHERE run_id = $1 \
                         AND state IN ('ready', 'leased')",
                    )
                    .bind(&run_id.0)
                    .execute(&mut *tx)
                    .await
                    .during("cancel shards")?;
                }
                tx.commit().await.during("commit cancel")?;
                Ok(())
            }

            async fn list_runs(
                &self,
                limit: i64,
            ) -> Result<Vec<$crate::RunRecord>, $crate::StoreError> {
                use $crate::error::QueryContext;
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{} ORDER BY created_at_ms DESC, id LIMIT $1",
                    $crate::sql_impl::SELECT_RUN
                )))
                .bind(limit)
                .fetch_all(&self.pool)
                .await
                .during("list runs")?;
                rows.iter().map($crate::sql_impl::run_from_row).collect()
            }

            async fn run(
                &self,
                run_id: &$crate::RunId,
            ) -> Result<$crate::RunDetails, $crate::StoreError> {
                use $crate::error::QueryContext;
                let Some(row) =
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "{} WHERE id = $1",
                        $crate::sql_impl::SELECT_RUN
                    )))
                        .bind(&run_id.0)
                        .fetch_optional(&self.pool)
                        .await
                        .during("read run")?
                else {
                    return Err($crate::StoreError::RunNotFound(run_id.clone()));
                };
                let run = $crate::sql_impl::run_from_row(&row)?;
                let dataset_rows = sqlx::query(
                    "SELECT name, format, root, fingerprint, samples FROM run_datasets \
                     WHERE run_id = $1 ORDER BY name",
                )
                .bind(&run_id.0)
                .fetch_all(&self.pool)
                .await
                .during("read run datasets")?;
                let datasets = dataset_rows
                    .iter()
                    .map($crate::sql_impl::dataset_from_row)
                    .collect::<Result<Vec<_>, _>>()?;
                let detectors = $crate::sql_impl::read_detectors!(&self.pool, &run_id.0);
                Ok($crate::RunDetails {
                    run,
                    datasets,
                    detectors,
                })
            }

            async fn predictions(
                &self,
                run_id: &$crate::RunId,
            ) -> Result<Vec<$crate::PredictionRow>, $crate::StoreError> {
                use $crate::error::QueryContext;
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT p.detector, p.detector_fingerprint, s.dataset, s.subset, p.perturbation, \
                     s.rel_path, s.video_key, s.label, s.method, s.label_group, s.split, \
                     s.compression, p.score, p.failure_kind, \
                     p.failure_message, p.worker_id \
                     FROM predictions p JOIN samples s ON s.id = p.sample_id WHERE p.run_id = $1",
                )
                .bind(&run_id.0)
                .fetch_all(&self.pool)
                .await
                .during("read predictions")?;
                let mut predictions = Vec::with_capacity(rows.len());
                for row in &rows {
                    predictions.push($crate::PredictionRow {
                        detector: row.try_get("detector").during("read prediction")?,
                        detector_fingerprint: row
                            .try_get("detector_fingerprint")
                            .during("read prediction")?,
                        dataset: row.try_get("dataset").during("read prediction")?,
                        subset: row.try_get("subset").during("read prediction")?,
                        perturbation: row.try_get("perturbation").during("read prediction")?,
                        rel_path: row.try_get("rel_path").during("read prediction")?,
                        video_key: row.try_get("video_key").during("read prediction")?,
                        label: row.try_get("label").during("read prediction")?,
                        method: row.try_get("method").during("read prediction")?,
                        label_group: row.try_get("label_group").during("read prediction")?,
                        split: row.try_get("split").during("read prediction")?,
                        compression: row.try_get("compression").during("read prediction")?,
                        score: row.try_get("score").during("read prediction")?,
                        failure_kind: row.try_get("failure_kind").during("read prediction")?,
                        failure_message: row.try_get("failure_message").during("read prediction")?,
                        worker_id: row.try_get("worker_id").during("read prediction")?,
                    });
                }
                predictions.sort_by(|a, b| {
                    (&a.detector, &a.dataset, &a.perturbation, &a.rel_path).cmp(&(
                        &b.detector,
                        &b.dataset,
                        &b.perturbation,
                        &b.rel_path,
                    ))
                });
                Ok(predictions)
            }

            async fn replace_metrics(
                &self,
                run_id: &$crate::RunId,
                rows: &[$crate::MetricRecord],
            ) -> Result<(), $crate::StoreError> {
                use $crate::error::QueryContext;
                let mut tx = self.pool.begin().await.during("begin metrics")?;
                sqlx::query("DELETE FROM metrics WHERE run_id = $1")
                    .bind(&run_id.0)
                    .execute(&mut *tx)
                    .await
                    .during("delete old metrics")?;
                for metric in rows {
                    sqlx::query(
                        "INSERT INTO metrics (run_id, detector, dataset, perturbation, slice, level, \
                         metric, value, undefined_reason, n_real, n_fake) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    )
                    .bind(&run_id.0)
                    .bind(&metric.detector)
                    .bind(&metric.dataset)
                    .bind(&metric.perturbation)
                    .bind(&metric.slice)
                    .bind(&metric.level)
                    .bind(&metric.metric)
                    .bind(metric.value)
                    .bind(&metric.undefined_reason)
                    .bind(metric.n_real)
                    .bind(metric.n_fake)
                    .execute(&mut *tx)
                    .await
                    .during("insert metric")?;
                }
                tx.commit().await.during("commit metrics")?;
                Ok(())
            }

            async fn metrics(
                &self,
                run_id: &$crate::RunId,
            ) -> Result<Vec<$crate::MetricRecord>, $crate::StoreError> {
                use $crate::error::QueryContext;
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT detector, dataset, perturbation, slice, level, metric, value, \
                     undefined_reason, n_real, n_fake FROM metrics WHERE run_id = $1",
                )
                .bind(&run_id.0)
                .fetch_all(&self.pool)
                .await
                .during("read metrics")?;
                let mut metrics = Vec::with_capacity(rows.len());
                for row in &rows {
                    metrics.push($crate::MetricRecord {
                        detector: row.try_get("detector").during("read metric")?,
                        dataset: row.try_get("dataset").during("read metric")?,
                        perturbation: row.try_get("perturbation").during("read metric")?,
                        slice: row.try_get("slice").during("read metric")?,
                        level: row.try_get("level").during("read metric")?,
                        metric: row.try_get("metric").during("read metric")?,
                        value: row.try_get("value").during("read metric")?,
                        undefined_reason: row.try_get("undefined_reason").during("read metric")?,
                        n_real: row.try_get("n_real").during("read metric")?,
                        n_fake: row.try_get("n_fake").during("read metric")?,
                    });
                }
                metrics.sort_by(|a, b| {
                    (&a.detector, &a.dataset, &a.perturbation, &a.slice, &a.level, &a.metric).cmp(&(
                        &b.detector,
                        &b.dataset,
                        &b.perturbation,
                        &b.slice,
                        &b.level,
                        &b.metric,
                    ))
                });
                Ok(metrics)
            }

            async fn cluster_stats(
                &self,
                alive_since_ms: i64,
            ) -> Result<$crate::ClusterStats, $crate::StoreError> {
                use $crate::error::QueryContext;
                use sqlx::Row;
                let workers_alive: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM workers WHERE last_seen_ms >= $1")
                        .bind(alive_since_ms)
                        .fetch_one(&self.pool)
                        .await
                        .during("count live workers")?;
                let runs_running: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM runs WHERE status = 'running'")
                        .fetch_one(&self.pool)
                        .await
                        .during("count running runs")?;
                let rows = sqlx::query(
                    "SELECT state, COUNT(*) AS n FROM shards GROUP BY state ORDER BY state",
                )
                .fetch_all(&self.pool)
                .await
                .during("count shards by state")?;
                let mut shards_by_state = Vec::with_capacity(rows.len());
                for row in &rows {
                    shards_by_state.push((
                        row.try_get("state").during("read shard counts")?,
                        row.try_get("n").during("read shard counts")?,
                    ));
                }
                Ok($crate::ClusterStats {
                    workers_alive,
                    runs_running,
                    shards_by_state,
                })
            }

            async fn workers(&self) -> Result<Vec<$crate::WorkerRecord>, $crate::StoreError> {
                use $crate::error::QueryContext;
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT id, incarnation, hostname, dfbench_version, capabilities, devices, \
                     last_seen_ms FROM workers ORDER BY last_seen_ms DESC, id",
                )
                .fetch_all(&self.pool)
                .await
                .during("read workers")?;
                let split = |text: String| -> Vec<String> {
                    text.split(',').filter(|part| !part.is_empty()).map(str::to_string).collect()
                };
                let mut workers = Vec::with_capacity(rows.len());
                for row in &rows {
                    let incarnation: String = row.try_get("incarnation").during("read worker")?;
                    workers.push($crate::WorkerRecord {
                        worker_id: row.try_get("id").during("read worker")?,
                        incarnation: incarnation.parse().unwrap_or_default(),
                        hostname: row.try_get("hostname").during("read worker")?,
                        dfbench_version: row.try_get("dfbench_version").during("read worker")?,
                        capabilities: split(row.try_get("capabilities").during("read worker")?),
                        devices: split(row.try_get("devices").during("read worker")?),
                        now_ms: row.try_get("last_seen_ms").during("read worker")?,
                    });
                }
                Ok(workers)
            }
        }
    };
}
pub(crate) use impl_sql_store;
