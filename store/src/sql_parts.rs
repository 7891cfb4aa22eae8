//! Helper macros of the store shared by both backends (their SQL is in `queries`) and used by the
//! `Store` implementation in `sql_impl`: running the lease, completion and run-finishing statements,
//! the shard/run metadata caches' loaders, fencing checks, give-backs, and row conversions.
//! Re-exported from `sql_impl`, so macros refer to them as `$crate::sql_impl::…`.

use crate::StoreError;
use crate::model::{NewPrediction, Outcome, ShardId};
use std::collections::HashSet;

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
        sqlx::query($crate::queries::FINISH_RUN_IF_COMPLETE)
            .bind($run_id)
            .bind($now_ms)
            .execute($executor)
            .await
            .during("finish run")?
    }};
}
pub(crate) use finish_run_if_complete;

/// Records a failure (`$kind`, `$message`, `$worker_id`) for every prediction and clip outcome
/// shard `$shard_id` still misses.
macro_rules! fill_missing {
    ($executor:expr, $shard_id:expr, $kind:expr, $message:expr, $worker_id:expr) => {{
        for (statement, action) in [
            (
                $crate::queries::FILL_MISSING_AS_FAILED,
                "record the shard's missing predictions as failures",
            ),
            (
                $crate::queries::FILL_MISSING_CLIPS_AS_FAILED,
                "record the shard's missing clips as failures",
            ),
        ] {
            sqlx::query(statement)
                .bind($shard_id)
                .bind($kind)
                .bind($message)
                .bind($worker_id)
                .execute(&mut *$executor)
                .await
                .during(action)?;
        }
    }};
}
pub(crate) use fill_missing;

/// Rejects a batch that names samples outside the shard, unknown or clip detectors, or invalid
/// scores.
/// Where a batch of predictions goes; shared by both backends' bulk inserts.
pub(crate) struct IngestContext<'a> {
    pub run_id: &'a str,
    pub perturbation: &'a str,
    pub worker_id: &'a str,
    pub shard_id: i64,
    pub epoch: i64,
}

/// Records each named detector's fingerprint (`$reports`: (detector, fingerprint) pairs) the
/// first time run `$run_id` reports it, where planning did not know it yet.
macro_rules! record_fingerprints {
    ($self:ident, $run_id:expr, $reports:expr) => {{
        let mut seen = std::collections::BTreeSet::new();
        for (detector, fingerprint) in $reports {
            if seen.insert(detector) && $self.cache.first_fingerprint($run_id, detector) {
                sqlx::query($crate::queries::RECORD_DETECTOR_FINGERPRINT)
                    .bind($run_id)
                    .bind(detector)
                    .bind(fingerprint)
                    .execute(&$self.pool)
                    .await
                    .during("record detector fingerprint")?;
            }
        }
    }};
}
pub(crate) use record_fingerprints;

/// The run's datasets and detectors, from the cache or read once.
macro_rules! run_meta {
    ($self:ident, $executor:expr, $run_id:expr) => {{
        match $self.cache.run($run_id) {
            Some(meta) => meta,
            None => {
                let (datasets, detectors) =
                    $crate::sql_impl::read_run_parts!(&mut *$executor, $run_id);
                $self.cache.put_run($run_id, datasets, detectors)
            }
        }
    }};
}
pub(crate) use run_meta;

/// A shard's samples as (id, relative path), by id, and the ids of its clip-only samples.
macro_rules! read_shard_refs {
    ($self:ident, $executor:expr, $shard_id:expr) => {{
        let (json,): (String,) = sqlx::query_as($self.dialect.shard_refs)
            .bind($shard_id)
            .fetch_one(&mut *$executor)
            .await
            .during("read the shard's samples")?;
        let rows: Vec<(i64, String, u8)> = $crate::error::stored_json(
            &json,
            format_args!("the samples of shard {} as JSON", $shard_id),
        )?;
        let mut refs = Vec::with_capacity(rows.len());
        let mut clip_only = std::collections::HashSet::new();
        for (id, path, only_clips) in rows {
            if only_clips != 0 {
                clip_only.insert(id);
            }
            refs.push(($crate::SampleId(id), path));
        }
        (refs, clip_only)
    }};
}
pub(crate) use read_shard_refs;

/// A shard's run, perturbation and samples, from the cache or read once.
macro_rules! shard_samples {
    ($self:ident, $executor:expr, $shard_id:expr) => {{
        match $self.cache.shard($shard_id) {
            Some(samples) => samples,
            None => {
                let (run_id, perturbation): (String, String) =
                    sqlx::query_as($crate::queries::READ_SHARD)
                        .bind($shard_id)
                        .fetch_optional(&mut *$executor)
                        .await
                        .during("read the shard")?
                        .ok_or_else(|| $crate::StoreError::InvalidPrediction {
                            shard_id: $crate::ShardId($shard_id),
                            message: "no such shard".to_string(),
                        })?;
                let (refs, clip_only) =
                    $crate::sql_impl::read_shard_refs!($self, $executor, $shard_id);
                $self
                    .cache
                    .put_shard($shard_id, run_id, perturbation, refs, clip_only)
            }
        }
    }};
}
pub(crate) use shard_samples;

/// A shard's samples and its run's datasets and detectors, for a worker write to it. A pooled
/// connection only on a cache miss: SQLite has one, and every batch queued for it twice more
/// just to find both in the cache.
macro_rules! shard_and_run {
    ($self:ident, $shard_id:expr) => {{
        let shard = match $self.cache.shard($shard_id) {
            Some(cached) => cached,
            None => {
                let mut conn = $self.pool.acquire().await.during("begin ingest")?;
                $crate::sql_impl::shard_samples!($self, &mut *conn, $shard_id)
            }
        };
        let meta = match $self.cache.run(&shard.run_id) {
            Some(cached) => cached,
            None => {
                let mut conn = $self.pool.acquire().await.during("begin ingest")?;
                $crate::sql_impl::run_meta!($self, &mut *conn, &shard.run_id)
            }
        };
        (shard, meta)
    }};
}
pub(crate) use shard_and_run;

pub(crate) fn validate_predictions(
    shard_id: &ShardId,
    predictions: &[NewPrediction],
    sample_ids: &HashSet<i64>,
    clip_only: &HashSet<i64>,
    detectors: &HashSet<String>,
    clip_detectors: &HashSet<String>,
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
        if clip_only.contains(&prediction.sample_id.0) {
            return Err(invalid(format!(
                "sample {} is read only by clip detectors (a frame among the first N but not \
                 among the evenly spaced picks of `uniform:N`); it owes no prediction of \
                 detector `{}`",
                prediction.sample_id, prediction.detector
            )));
        }
        if clip_detectors.contains(&prediction.detector) {
            return Err(invalid(format!(
                "detector `{}` scores clips, not samples (sample {}); report its outcomes as \
                 clip predictions",
                prediction.detector, prediction.sample_id
            )));
        }
        match &prediction.outcome {
            Outcome::Score(score) if !(0.0..=1.0).contains(score) => {
                return Err(invalid(format!(
                    "score {score} of detector `{}` for sample {} is not a probability in [0, 1]",
                    prediction.detector, prediction.sample_id
                )));
            }
            Outcome::Failure { kind, .. } if kind.as_str().is_empty() => {
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

/// Fetches the lease row of `$lease` if it is still current, else returns `StaleLease`.
macro_rules! check_lease {
    ($self:ident, $executor:expr, $lease:expr) => {{
        let sql = format!(
            "{} {}",
            $crate::queries::LEASE_CHECK,
            $self.dialect.lease_check_lock
        );
        match sqlx::query_as::<_, $crate::rows::LeaseRow>(sqlx::AssertSqlSafe(sql))
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

/// A run's datasets and detectors (each sorted by name), as `(Vec<DatasetRecord>,
/// Vec<DetectorRecord>)`.
macro_rules! read_run_parts {
    ($executor:expr, $run_id:expr) => {{
        let datasets: Vec<$crate::DatasetRecord> =
            sqlx::query_as($crate::queries::SELECT_RUN_DATASETS)
                .bind($run_id)
                .fetch_all($executor)
                .await
                .during("read run datasets")?;
        let detectors: Vec<$crate::rows::DetectorRow> =
            sqlx::query_as($crate::queries::SELECT_RUN_DETECTORS)
                .bind($run_id)
                .fetch_all($executor)
                .await
                .during("read run detectors")?;
        (datasets, $crate::rows::convert(detectors)?)
    }};
}
pub(crate) use read_run_parts;

/// Returns a leased shard to ready (retry, with backoff) or fails it for good, recording a
/// failure for each of its missing predictions and clip outcomes. The caller finishes the run after its commit
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
            $crate::sql_impl::fill_missing!($executor, $shard_id, $kind, $message, $worker_id);
        }
    }};
}
pub(crate) use give_back;
