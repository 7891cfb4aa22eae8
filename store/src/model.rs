//! Plain values the store reads and writes. Ids are newtypes so they cannot be swapped.

use dfbench_benchmarks::card::clip::InputKind;
use dfbench_benchmarks::{FailureKind, Sample};
use std::fmt;

macro_rules! id_newtype {
    ($name:ident, $inner:ty) => {
        #[derive(
            Debug,
            Clone,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            sqlx::Type,
            serde::Serialize,
            serde::Deserialize,
        )]
        #[sqlx(transparent)]
        #[serde(transparent)]
        pub struct $name(pub $inner);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_newtype!(RunId, String);
id_newtype!(ShardId, i64);
id_newtype!(LeaseEpoch, i64);
id_newtype!(SampleId, i64);

/// Who holds a lease: a worker id plus the random incarnation of its process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseOwner {
    pub worker_id: String,
    pub incarnation: u64,
}

impl LeaseOwner {
    pub(crate) fn incarnation_text(&self) -> String {
        self.incarnation.to_string()
    }
}

/// The (shard, epoch, owner) triple every worker write is fenced by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseRef {
    pub shard_id: ShardId,
    pub epoch: LeaseEpoch,
    pub owner: LeaseOwner,
}

/// Stored as its [`RunStatus::as_str`] text; serialised the same way (a bundle's `run.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Running,
    Done,
    Failed,
    Cancelled,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Done => "done",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
        }
    }

    /// Reads a stored status; an unknown one is an error, never read as running.
    pub fn parse(text: &str) -> Result<RunStatus, crate::StoreError> {
        match text {
            "running" => Ok(RunStatus::Running),
            "done" => Ok(RunStatus::Done),
            "failed" => Ok(RunStatus::Failed),
            "cancelled" => Ok(RunStatus::Cancelled),
            other => Err(crate::StoreError::Corrupt {
                what: format!("run status `{other}` (expected running, done, failed or cancelled)"),
            }),
        }
    }

    pub fn is_finished(self) -> bool {
        self != RunStatus::Running
    }
}

/// A `status` column reads as the text it is stored as, on either backend.
impl<DB: sqlx::Database> sqlx::Type<DB> for RunStatus
where
    String: sqlx::Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        <String as sqlx::Type<DB>>::type_info()
    }

    fn compatible(ty: &DB::TypeInfo) -> bool {
        <String as sqlx::Type<DB>>::compatible(ty)
    }
}

/// An unknown stored status is a decode error ([`RunStatus::parse`]), never read as running.
impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for RunStatus
where
    String: sqlx::Decode<'r, DB>,
{
    fn decode(value: DB::ValueRef<'r>) -> Result<RunStatus, sqlx::error::BoxDynError> {
        let text = <String as sqlx::Decode<'r, DB>>::decode(value)?;
        Ok(RunStatus::parse(&text)?)
    }
}

/// A run as planned by the coordinator, ready to be stored in one transaction.
#[derive(Debug, Clone)]
pub struct RunPlan {
    pub run: RunRecord,
    pub datasets: Vec<DatasetRecord>,
    pub detectors: Vec<DetectorRecord>,
    /// Every sample of every dataset, once.
    pub samples: Vec<Sample>,
    /// Each sample's file as planning found it, in the order of `samples` (`None` for a
    /// missing file); empty when planning did not look (then every hash is stored as '').
    pub contents: Vec<Option<FileContent>>,
    pub shards: Vec<PlannedShard>,
    /// Samples known at planning to fail for every image detector, stored as that failure
    /// when the run is created and never leased for model work.
    pub sample_failures: Vec<PlannedSampleFailure>,
    /// Worker-reported failures before a shard fails for good.
    pub max_attempts: i64,
    /// Lost leases (dead or silent workers) before a shard fails for good.
    pub max_losses: i64,
}

/// A sample whose outcome planning already knows, e.g. `checksum_mismatch` (its bytes are not
/// the ones its release publishes a checksum for).
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedSampleFailure {
    /// An index into [`RunPlan::samples`].
    pub sample: usize,
    pub kind: FailureKind,
    pub message: String,
}

/// A file's content identity at planning time (see `dfbench_benchmarks::content`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileContent {
    /// Absolute path, the key of the store's `file_contents` table.
    pub path: String,
    pub size: i64,
    pub mtime_ns: i64,
    /// BLAKE3 of the bytes, lowercase hex (the `content_hash` column).
    pub hash: String,
    /// The store already holds exactly this (size, mtime, hash) for the path, so planning has
    /// nothing to write for it (an unchanged rerun writes no `file_contents` rows).
    pub stored: bool,
}

/// A run: the columns of its `runs` row that every reader shares (the model here, the run read
/// in `rows::RunRow`, a bundle's [`crate::BundleRun`]), and the capabilities it requires.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct RunRecord {
    pub id: RunId,
    pub name: String,
    pub suite_name: String,
    pub suite_toml: String,
    pub suite_hash: String,
    pub data_root: String,
    pub dfbench_version: String,
    pub status: RunStatus,
    pub error: Option<String>,
    pub created_at_ms: i64,
    pub finished_at_ms: Option<i64>,
    /// Capabilities a worker must have, every one, to lease this run's shards: the runtimes
    /// its detectors need beyond the built-ins (e.g. `torch`), sorted. Not a `runs` column
    /// (`run_requirements` rows): the run read fills it, a bundle carries the rows apart.
    #[sqlx(skip)]
    #[serde(skip)]
    pub requires: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct DatasetRecord {
    pub name: String,
    pub format: String,
    /// Absolute root on the shared file system.
    pub root: String,
    pub fingerprint: String,
    pub samples: i64,
    /// `apply` or `ignore`: whether workers apply the EXIF Orientation tag when decoding (the
    /// suite entry's `exif_orientation`, default per format); `ignore` for runs stored before.
    pub exif_orientation: String,
    /// The decode limit in pixels (the suite entry's `max_pixels`, default 64 MP).
    pub max_pixels: i64,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DetectorRecord {
    pub name: String,
    pub kind: String,
    pub builtin: String,
    /// Resolved detector card (TOML, absolute model path) of a torchscript detector.
    pub card: Option<String>,
    /// Set at planning: sha256 of the weights + preprocessing for torchscript detectors, the
    /// parameter fingerprint (`dfbench_benchmarks::builtin_params`) for built-ins. Reuse keys on it.
    pub fingerprint: Option<String>,
    /// What it scores: `Image` detectors one prediction per sample; `Clip` and `Thumbnail`
    /// detectors one clip prediction per planned clip ([`PlannedShard::clips`]) and none per
    /// sample.
    #[sqlx(skip)]
    pub input: InputKind,
}

impl DetectorRecord {
    /// A built-in image detector of that name whose fingerprint is not known yet (benches,
    /// tests).
    pub fn builtin(name: &str) -> DetectorRecord {
        DetectorRecord {
            name: name.into(),
            kind: "builtin".into(),
            builtin: name.into(),
            card: None,
            fingerprint: None,
            input: InputKind::Image,
        }
    }
}

/// One shard to create: its dataset, perturbation and samples (whole videos, never split).
#[derive(Debug, Clone)]
pub struct PlannedShard {
    pub dataset: String,
    pub perturbation: String,
    /// Indices into [`RunPlan::samples`].
    pub sample_indices: Vec<usize>,
    /// Every clip the run's clip and thumbnail detectors score in this shard, and every video
    /// that gives such a detector no clip (`planned_failure`); empty without such detectors.
    pub clips: Vec<PlannedClip>,
}

/// One clip outcome a shard owes: (detector, video, clip index) → the frames it reads.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedClip {
    pub detector: String,
    pub video_key: String,
    /// From 0 within (detector, video).
    pub clip_index: i64,
    /// The frames, in order: indices into [`RunPlan::samples`], all in this shard. Empty when
    /// `planned_failure` is set.
    pub sample_indices: Vec<usize>,
    /// The video's first sample (an index into [`RunPlan::samples`]): whose labels the clip
    /// outcome is reported with, also for a planned failure.
    pub video_sample: usize,
    /// Frame indices (`Sample::frame_index`, else the position in the video) of the clip's
    /// first and last frame; both 0 for a planned failure.
    pub first_frame: i64,
    pub last_frame: i64,
    /// Identity of what the clip reads: BLAKE3 over its frames' content hashes in order
    /// ([`dfbench_benchmarks::content`]); '' when a frame's content is unknown, and such a clip
    /// is never reused. The detector fingerprint (which covers every clip field) and the
    /// perturbation complete the reuse key.
    pub content_key: String,
    /// A clip outcome known at planning, stored as this failure when the run is created, e.g.
    /// `video_too_short` (the video has fewer selected frames than one clip; clip index 0).
    pub planned_failure: Option<(FailureKind, String)>,
}

/// A clip of a leased shard, as the worker receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClipAssignment {
    pub detector: String,
    pub video_key: String,
    pub clip_index: i64,
    /// The clip's frames in order, all samples of the shard.
    pub sample_ids: Vec<SampleId>,
}

/// One clip outcome as reported by a worker.
#[derive(Debug, Clone, PartialEq)]
pub struct NewClipPrediction {
    pub detector: String,
    pub detector_fingerprint: String,
    pub video_key: String,
    pub clip_index: i64,
    pub outcome: Outcome,
    pub latency_us: i64,
}

/// A stored clip outcome with its video's labels (those of its first frame's sample, or of
/// the video's first sample for a planned failure).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ClipPredictionRow {
    pub detector: String,
    pub detector_fingerprint: String,
    pub dataset: String,
    pub subset: String,
    pub perturbation: String,
    pub video_key: String,
    pub clip_index: i64,
    pub first_frame: i64,
    pub last_frame: i64,
    /// The video's labels.
    #[sqlx(flatten)]
    pub labels: OutcomeLabels,
    /// Its score or failure; reused from an earlier run only for the same clip identity.
    #[sqlx(flatten)]
    pub outcome: StoredOutcome,
}

/// What a worker needs to run a leased shard.
#[derive(Debug, Clone)]
pub struct ShardAssignment {
    pub shard_id: ShardId,
    pub epoch: LeaseEpoch,
    pub run_id: RunId,
    pub dataset: DatasetRecord,
    pub perturbation: String,
    pub detectors: Vec<DetectorRecord>,
    /// (sample id, path relative to the dataset root).
    pub samples: Vec<(SampleId, String)>,
    /// Those of `samples` (by id, ascending) that only clip detectors read (`uniform:N`): image
    /// detectors score none of them and no per-sample prediction is owed for them.
    pub clip_only: Vec<SampleId>,
    /// The clips the shard owes (planned failures excluded: they are already stored).
    pub clips: Vec<ClipAssignment>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkerRecord {
    pub worker_id: String,
    pub incarnation: u64,
    pub hostname: String,
    pub dfbench_version: String,
    pub capabilities: Vec<String>,
    pub devices: Vec<String>,
    /// When registering: now. When read back: when the worker was last seen.
    pub now_ms: i64,
    /// When read back: when this incarnation said it was leaving (it exited), or `None`.
    /// Ignored when registering (registering clears it).
    pub left_at_ms: Option<i64>,
}

/// One outcome as reported by a worker: a score or a typed failure.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPrediction {
    pub sample_id: SampleId,
    pub detector: String,
    pub detector_fingerprint: String,
    pub outcome: Outcome,
    pub latency_us: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Score(f64),
    Failure { kind: FailureKind, message: String },
}

impl Outcome {
    /// (score, failure kind, failure message) as stored: exactly one side is set.
    pub fn columns(&self) -> (Option<f64>, Option<&str>, Option<&str>) {
        match self {
            Outcome::Score(score) => (Some(*score), None, None),
            Outcome::Failure { kind, message } => {
                (None, Some(kind.as_str()), Some(message.as_str()))
            }
        }
    }
}

/// Why a shard was given back.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardFailure {
    pub retryable: bool,
    pub kind: FailureKind,
    pub message: String,
}

/// Monitoring counts across all runs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClusterStats {
    pub workers_alive: i64,
    pub runs_running: i64,
    /// (state, count), sorted by state.
    pub shards_by_state: Vec<(String, i64)>,
}

/// What a heartbeat found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HeartbeatOutcome {
    /// Leases the worker listed but no longer holds: it must stop working on them.
    pub revoked: Vec<ShardId>,
    /// The store does not know this worker incarnation: it must register again.
    pub unknown_worker: bool,
}

#[derive(Debug, Clone, PartialEq, Default, sqlx::FromRow)]
pub struct RunProgress {
    #[sqlx(skip)]
    pub status: String,
    #[sqlx(skip)]
    pub error: Option<String>,
    pub shards_total: i64,
    pub shards_done: i64,
    pub shards_failed: i64,
    pub predictions: i64,
    #[sqlx(rename = "failures")]
    pub prediction_failures: i64,
    /// Predictions copied from earlier runs (the rest were computed for this run).
    #[sqlx(rename = "reused")]
    pub predictions_reused: i64,
    #[sqlx(rename = "expected")]
    pub predictions_expected: i64,
    /// Clip outcomes of clip and thumbnail detectors, counted apart from predictions.
    pub clips: i64,
    pub clip_failures: i64,
    pub clips_reused: i64,
    pub clips_expected: i64,
}

#[derive(Debug, Clone)]
pub struct RunDetails {
    pub run: RunRecord,
    pub datasets: Vec<DatasetRecord>,
    pub detectors: Vec<DetectorRecord>,
}

/// A stored prediction joined with its sample.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PredictionRow {
    pub detector: String,
    pub detector_fingerprint: String,
    pub dataset: String,
    pub subset: String,
    pub perturbation: String,
    pub rel_path: String,
    pub video_key: String,
    /// The sample's labels.
    #[sqlx(flatten)]
    pub labels: OutcomeLabels,
    /// Its score or failure; reused from an earlier run only for the same content (hash).
    #[sqlx(flatten)]
    pub outcome: StoredOutcome,
}

/// The labels of the sample (or video) a stored outcome belongs to.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct OutcomeLabels {
    pub label: i64,
    pub method: String,
    pub label_group: String,
    pub split: String,
    pub compression: String,
}

/// What a detector left for one sample or clip: a score or a typed failure, the worker that
/// produced it, and where it was reused from.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StoredOutcome {
    pub score: Option<f64>,
    /// Read from its stored spelling by the store's row types (`rows.rs`).
    #[sqlx(skip)]
    pub failure_kind: Option<FailureKind>,
    pub failure_message: Option<String>,
    pub worker_id: String,
    /// The earlier run that computed it, when it was copied from there; `None` when this run
    /// computed it.
    pub reused_from: Option<String>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct MetricRecord {
    pub detector: String,
    pub dataset: String,
    pub perturbation: String,
    pub slice: String,
    pub level: String,
    pub metric: String,
    pub value: Option<f64>,
    pub undefined_reason: Option<String>,
    pub n_real: i64,
    pub n_fake: i64,
    /// The 95% interval's bounds; `None` where the metric has none (undefined, or a metric
    /// without an interval such as the failure count).
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// True when the row was written with its interval (schema 0013 on); rows stored before
    /// read false, and their run's metrics are computed again once to fill the bounds in.
    pub interval_stored: bool,
}
