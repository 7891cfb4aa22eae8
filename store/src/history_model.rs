//! Plain values of run history (issue 7): how a run is planned (reuse, tags, partial, excluded
//! workers), what a stored run carries beyond its record, shard provenance, and run lookups.

use crate::model::RunId;

/// Planning options that are not part of the suite.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanOptions {
    /// Copy stored predictions whose (detector fingerprint, dataset fingerprint, sample path,
    /// perturbation) equal this run's instead of computing them again.
    pub reuse_predictions: bool,
    pub tags: Vec<String>,
    /// Some(description, e.g. `limit=50 seed=0`) when the run covers a sample of each dataset.
    pub partial: Option<String>,
    /// Workers that must never lease this run's shards (verification runs).
    pub excluded_workers: Vec<String>,
}

/// What `create_run_with` did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CreatedRun {
    /// Predictions copied from earlier runs.
    pub reused: i64,
    /// Clip outcomes copied from earlier runs (see `clips`).
    pub clips_reused: i64,
    /// Shards created `done` because every prediction and clip outcome they owe was reused
    /// (or planned as a failure).
    pub shards_done: i64,
    /// The run needed no model work and is already done.
    pub finished: bool,
}

/// What a stored run carries beyond its [`crate::RunRecord`].
#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow)]
pub struct RunHistory {
    pub partial: bool,
    pub sampling: Option<String>,
    pub promoted_at_ms: Option<i64>,
    #[sqlx(skip)]
    pub tags: Vec<String>,
    #[sqlx(skip)]
    pub excluded_workers: Vec<String>,
}

/// Where and how a worker computed a shard, recorded when it completes it.
#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow)]
pub struct ShardProvenance {
    pub device: String,
    pub libtorch: String,
    pub cuda: String,
    pub batch_size: i64,
}

/// A distinct provenance of a run's shards and how many shards had it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ProvenanceSummary {
    /// Empty for shards finished without a worker (every prediction reused).
    pub worker_id: String,
    #[sqlx(flatten)]
    pub provenance: ShardProvenance,
    pub shards: i64,
    /// Leases granted for these shards (0 when every prediction was reused).
    pub leases: i64,
}

/// Which runs to list, newest first. Every set field must match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunFilter {
    pub id_prefix: Option<String>,
    pub name: Option<String>,
    pub tag: Option<String>,
    /// Only finished (`done`) runs that are not partial.
    pub complete_only: bool,
    /// Only promoted runs, newest promotion first.
    pub promoted_only: bool,
    pub limit: i64,
}

/// A run found by a [`RunFilter`].
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct FoundRun {
    pub id: RunId,
    pub name: String,
    pub status: String,
    pub created_at_ms: i64,
    pub promoted_at_ms: Option<i64>,
}
