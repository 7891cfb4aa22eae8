//! A stored run as its rows ([`RunRows`]): what `dfbench bundle` moves from one store into
//! another, on either backend. Every table that holds part of a run is here, column for
//! column, except the store-local and operational ones: lease state (an exported run has
//! ended), the reuse index (rebuilt from the imported predictions), file contents (they
//! describe this machine's files).
//!
//! Row ids are store-local (autoincrement), so a bundle never carries them: shards are
//! numbered by their position in [`RunRows::shards`] (creation order) and samples by their
//! position in [`RunRows::samples`] (sorted by dataset and path), and every reference to a shard
//! or a sample is that position. Rows are in a fixed order, so the same run exported from two
//! stores gives equal `RunRows`: that is how import tells "already imported" from "a different
//! run with the same id". Owns the value types; the SQL that fills and stores them is
//! `bundle_sql`. Must not know about files, archives or formats.

use crate::model::{DatasetRecord, DetectorRecord, MetricRecord, RunRecord};
use serde::{Deserialize, Serialize};

/// The `runs` row, every column but `reuse_indexed` (store-local: an imported run is indexed
/// by the store it lands in).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct BundleRun {
    /// The columns every reader of a run shares. Its `requires` is empty here: a bundle carries
    /// the requirements as their own rows ([`RunRows::requirements`]).
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub record: RunRecord,
    pub partial: bool,
    pub sampling: Option<String>,
    pub promoted_at_ms: Option<i64>,
    pub requirement_count: i64,
}

impl BundleRun {
    /// The `runs` row of a run being planned: not partial, unsampled, not promoted.
    pub(crate) fn planned(run: &RunRecord) -> BundleRun {
        BundleRun {
            record: RunRecord {
                requires: Vec::new(),
                ..run.clone()
            },
            partial: false,
            sampling: None,
            promoted_at_ms: None,
            requirement_count: run.requires.len() as i64,
        }
    }
}

/// A `run_detectors` row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct BundleDetector {
    pub name: String,
    pub kind: String,
    pub builtin: String,
    pub card: Option<String>,
    pub fingerprint: Option<String>,
    pub input: String,
}

impl TryFrom<&BundleDetector> for DetectorRecord {
    type Error = crate::StoreError;

    fn try_from(row: &BundleDetector) -> Result<DetectorRecord, crate::StoreError> {
        let input =
            dfbench_benchmarks::card::clip::InputKind::parse(&row.input).ok_or_else(|| {
                crate::StoreError::Corrupt {
                    what: format!(
                        "detector {}: input `{}` (image, clip or thumbnail)",
                        row.name, row.input
                    ),
                }
            })?;
        Ok(DetectorRecord {
            name: row.name.clone(),
            kind: row.kind.clone(),
            builtin: row.builtin.clone(),
            card: row.card.clone(),
            fingerprint: row.fingerprint.clone(),
            input,
        })
    }
}

/// A `shards` row with its provenance (who computed it, where); `id` is its position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct BundleShard {
    pub id: i64,
    pub dataset: String,
    pub perturbation: String,
    pub state: String,
    pub attempt: i64,
    pub failures: i64,
    pub max_attempts: i64,
    pub losses: i64,
    pub max_losses: i64,
    pub lease_epoch: i64,
    pub last_error: Option<String>,
    pub n_samples: i64,
    pub n_clips: i64,
    pub n_clip_only: i64,
    pub detectors: Option<String>,
    pub done_by: Option<String>,
    pub device: Option<String>,
    pub libtorch: Option<String>,
    pub cuda: Option<String>,
    pub batch_size: Option<i64>,
}

/// A `samples` row with its content identity; `id` is its position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct BundleSample {
    pub id: i64,
    pub dataset: String,
    pub subset: String,
    pub rel_path: String,
    pub label: i64,
    pub label_group: String,
    pub method: String,
    pub split: String,
    pub compression: String,
    pub video_key: String,
    pub frame_index: Option<i64>,
    pub content_hash: String,
    pub file_size: Option<i64>,
    pub file_mtime_ns: Option<i64>,
    pub clip_only: bool,
}

/// A `shard_samples` row (positions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct BundleShardSample {
    pub shard_id: i64,
    pub sample_id: i64,
    pub needed: bool,
}

/// A `shard_clips` row; `sample_ids` lists sample positions, space-separated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct BundleShardClip {
    pub shard_id: i64,
    pub detector: String,
    pub video_key: String,
    pub clip_index: i64,
    pub sample_ids: String,
    pub first_frame: i64,
    pub last_frame: i64,
    pub content_key: String,
    pub video_sample: i64,
}

/// A `predictions` row (positions for shard and sample).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct BundlePrediction {
    pub detector: String,
    pub sample_id: i64,
    pub perturbation: String,
    pub score: Option<f64>,
    pub failure_kind: Option<String>,
    pub failure_message: Option<String>,
    pub detector_fingerprint: String,
    pub worker_id: String,
    pub shard_id: i64,
    pub epoch: i64,
    pub latency_us: i64,
    pub reused_from: Option<String>,
}

/// A `clip_predictions` row (a position for the shard).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct BundleClipPrediction {
    pub shard_id: i64,
    pub detector: String,
    pub video_key: String,
    pub clip_index: i64,
    pub perturbation: String,
    pub first_frame: i64,
    pub last_frame: i64,
    pub score: Option<f64>,
    pub failure_kind: Option<String>,
    pub failure_message: Option<String>,
    pub detector_fingerprint: String,
    pub content_key: String,
    pub worker_id: String,
    pub epoch: i64,
    pub latency_us: i64,
    pub reused_from: Option<String>,
}

/// A worker that delivered outcomes of the run, as reports name it; `capabilities` sorted,
/// comma-joined. Imported only where the store does not know the id, and recorded as left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct BundleWorker {
    pub id: String,
    pub incarnation: String,
    pub hostname: String,
    pub dfbench_version: String,
    pub devices: String,
    pub registered_at_ms: i64,
    pub last_seen_ms: i64,
    pub left_at_ms: Option<i64>,
    pub capabilities: Option<String>,
}

/// One run, every row of it, in bundle order (see the module doc).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRows {
    pub run: BundleRun,
    pub requirements: Vec<String>,
    pub tags: Vec<String>,
    pub excluded_workers: Vec<String>,
    pub datasets: Vec<DatasetRecord>,
    pub detectors: Vec<BundleDetector>,
    pub shards: Vec<BundleShard>,
    pub samples: Vec<BundleSample>,
    pub shard_samples: Vec<BundleShardSample>,
    pub shard_clips: Vec<BundleShardClip>,
    pub predictions: Vec<BundlePrediction>,
    pub clip_predictions: Vec<BundleClipPrediction>,
    pub metrics: Vec<MetricRecord>,
    pub workers: Vec<BundleWorker>,
}

impl RunRows {
    /// The parts of the run's content that differ from `other`'s, by table name; empty when
    /// they hold the same run. Content is what was planned and computed: annotations a store
    /// adds later (tags, promotion), metrics (derived from the predictions, stored again by
    /// each report) and workers (a store updates its own) are left out.
    pub fn differences(&self, other: &RunRows) -> Vec<&'static str> {
        let unannotated = |run: &BundleRun| BundleRun {
            promoted_at_ms: None,
            ..run.clone()
        };
        let parts = [
            ("runs", unannotated(&self.run) == unannotated(&other.run)),
            ("run_requirements", self.requirements == other.requirements),
            (
                "run_excluded_workers",
                self.excluded_workers == other.excluded_workers,
            ),
            ("run_datasets", self.datasets == other.datasets),
            ("run_detectors", self.detectors == other.detectors),
            ("shards", self.shards == other.shards),
            ("samples", self.samples == other.samples),
            ("shard_samples", self.shard_samples == other.shard_samples),
            ("shard_clips", self.shard_clips == other.shard_clips),
            ("predictions", self.predictions == other.predictions),
            (
                "clip_predictions",
                self.clip_predictions == other.clip_predictions,
            ),
        ];
        parts
            .into_iter()
            .filter(|(_, same)| !same)
            .map(|(name, _)| name)
            .collect()
    }
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportOutcome {
    /// The run was stored.
    Imported,
    /// The store already held this run with the same rows: nothing was written.
    AlreadyImported,
}
