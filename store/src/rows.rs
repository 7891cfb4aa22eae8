//! Rows as the store reads them. A model type whose fields are its columns derives
//! `sqlx::FromRow` itself (`model.rs`, `history_model.rs`; a column that needs parsing is
//! `#[sqlx(skip)]` there); the row structs here carry the columns that are parsed (a run
//! status, a detector's input kind, a failure kind, a comma-joined set) and convert, once
//! each, into their model type. So a column is named once: in its query and in one field.

use crate::StoreError;
use crate::model::{ClipPredictionRow, DetectorRecord, PredictionRow, RunRecord, WorkerRecord};
use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::card::clip::InputKind;

/// `queries::SELECT_RUN`: the run's columns and its requirements.
#[derive(sqlx::FromRow)]
pub(crate) struct RunRow {
    #[sqlx(flatten)]
    run: RunRecord,
    /// Sorted, comma-joined (`string_agg`); NULL without any.
    requires: Option<String>,
}

impl TryFrom<RunRow> for RunRecord {
    type Error = StoreError;

    fn try_from(row: RunRow) -> Result<RunRecord, StoreError> {
        Ok(RunRecord {
            requires: split_set(row.requires),
            ..row.run
        })
    }
}

/// `queries::SELECT_RUN_DETECTORS`.
#[derive(sqlx::FromRow)]
pub(crate) struct DetectorRow {
    #[sqlx(flatten)]
    detector: DetectorRecord,
    input: String,
}

impl TryFrom<DetectorRow> for DetectorRecord {
    type Error = StoreError;

    fn try_from(row: DetectorRow) -> Result<DetectorRecord, StoreError> {
        let input = InputKind::parse(&row.input).ok_or_else(|| StoreError::Corrupt {
            what: format!(
                "run_detectors.input `{}` (image, clip or thumbnail)",
                row.input
            ),
        })?;
        Ok(DetectorRecord {
            input,
            ..row.detector
        })
    }
}

/// `queries::SELECT_PREDICTIONS`.
#[derive(sqlx::FromRow)]
pub(crate) struct PredictionRead {
    #[sqlx(flatten)]
    prediction: PredictionRow,
    failure_kind: Option<String>,
}

impl From<PredictionRead> for PredictionRow {
    fn from(row: PredictionRead) -> PredictionRow {
        let mut prediction = row.prediction;
        prediction.outcome.failure_kind = row.failure_kind.map(FailureKind::from);
        prediction
    }
}

/// `queries::SELECT_CLIP_PREDICTIONS`.
#[derive(sqlx::FromRow)]
pub(crate) struct ClipPredictionRead {
    #[sqlx(flatten)]
    clip: ClipPredictionRow,
    failure_kind: Option<String>,
}

impl From<ClipPredictionRead> for ClipPredictionRow {
    fn from(row: ClipPredictionRead) -> ClipPredictionRow {
        let mut clip = row.clip;
        clip.outcome.failure_kind = row.failure_kind.map(FailureKind::from);
        clip
    }
}

/// `queries::SELECT_WORKERS`.
#[derive(sqlx::FromRow)]
pub(crate) struct WorkerRow {
    id: String,
    /// A u64 as text (Postgres has no unsigned column).
    incarnation: String,
    hostname: String,
    dfbench_version: String,
    capabilities: Option<String>,
    devices: String,
    last_seen_ms: i64,
    left_at_ms: Option<i64>,
}

impl From<WorkerRow> for WorkerRecord {
    fn from(row: WorkerRow) -> WorkerRecord {
        WorkerRecord {
            worker_id: row.id,
            incarnation: row.incarnation.parse().unwrap_or_default(),
            hostname: row.hostname,
            dfbench_version: row.dfbench_version,
            capabilities: split_set(row.capabilities),
            devices: split_set(Some(row.devices)),
            now_ms: row.last_seen_ms,
            left_at_ms: row.left_at_ms,
        }
    }
}

/// A comma-joined set as stored (`string_agg`, `devices`); NULL or empty is none.
pub(crate) fn split_set(joined: Option<String>) -> Vec<String> {
    joined
        .unwrap_or_default()
        .split(',')
        .filter(|part| !part.is_empty())
        .map(str::to_string)
        .collect()
}

/// Converts each row of a `query_as` read into its model type.
pub(crate) fn convert<R, T>(rows: Vec<R>) -> Result<Vec<T>, StoreError>
where
    T: TryFrom<R, Error = StoreError>,
{
    rows.into_iter().map(T::try_from).collect()
}

/// `queries::LEASE_CHECK`: the current lease of a shard.
#[derive(sqlx::FromRow)]
pub(crate) struct LeaseRow {
    pub run_id: String,
    pub failures: i64,
    pub max_attempts: i64,
}

/// `queries::ACQUIRE_SHARD`: the shard just leased.
#[derive(sqlx::FromRow)]
pub(crate) struct LeasedShard {
    pub id: i64,
    pub lease_epoch: i64,
    pub run_id: String,
    pub dataset: String,
    pub perturbation: String,
    /// The detectors still owed (`reuse::shard_detectors`); NULL for all of the run's.
    pub detectors: Option<String>,
    pub n_clips: i64,
}

/// `queries::EXPIRED_LEASES`.
#[derive(sqlx::FromRow)]
pub(crate) struct ExpiredLease {
    pub id: i64,
    pub run_id: String,
    pub losses: i64,
    pub max_losses: i64,
    pub lease_owner: Option<String>,
}
