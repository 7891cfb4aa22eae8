//! The store's SQL statements, one file each under `store/queries/`: `<name>.sql` for
//! statements both backends run as they are, `<name>.sqlite.sql` / `<name>.postgres.sql`
//! for one backend's own. Each constant is named after its file. A statement with parts known
//! only at run time (the rows of a multi-row insert, a lock clause, an `IN` list) is a template
//! whose `{}` markers [`fill`] replaces. The one left inline is `reuse::set_shards!`, whose
//! column name is a macro argument.

pub(crate) const CANCEL_RUN: &str = include_str!("../queries/cancel_run.sql");
pub(crate) const CANCEL_SHARDS: &str = include_str!("../queries/cancel_shards.sql");
/// Claims run `$1` for indexing; affects no row when another planning already did.
pub(crate) const CLAIM_RUN: &str = include_str!("../queries/claim_run.sql");
// `complete_shard.sql` marks a shard done in one statement if its lease (`$1` shard, `$2`
// epoch, `$3` owner, `$4` incarnation) is current, every (image-read sample, image detector)
// pair has a prediction (clip-only samples, `n_clip_only` of them, owe none) and every clip it
// owes an outcome (`n_clips`, counted only when it owes any), recording its provenance when
// given (`$5` worker, `$6` device, `$7` libtorch, `$8` CUDA, `$9` batch size; NULL keeps what
// is there); returns its run. Every prediction of the shard's (sample, perturbation) pairs
// carries its shard id (ingest checks membership; failures and reused rows are written with
// it), so the `predictions_shard` index counts them without a scan of the run. (No `run_id`
// filter on the count: shard ids are global, and with one Postgres chose the primary key's run
// prefix and filtered the run's rows.) One statement instead of a transaction of four: a
// completion is one round trip.
//
// `COMPLETE_SHARD_SQLITE` and `COMPLETE_SHARD_POSTGRES` are that statement with one more
// column, `open_left`: a shard of the run that keeps it open, or NULL. A non-NULL `open_left`
// means this completion cannot be the run's last, and `FINISH_RUN_IF_COMPLETE` is skipped; a
// NULL one, that it may be, and the finish check runs after the commit.
/// SQLite: another ready or leased shard of the run. The statement sees every other
/// completion (one writer, one connection), so this is exact.
pub(crate) const COMPLETE_SHARD_SQLITE: &str = concat!(
    include_str!("../queries/complete_shard.sql"),
    include_str!("../queries/complete_shard_open_left.sqlite.sql")
);
/// PostgreSQL: a *ready* shard of the run. Leased ones do not count: two concurrent last
/// completions would each see the other's shard still leased, and neither would finish the
/// run. A ready shard must still be leased and end (done, or failed for good), and each of
/// those runs the finish check itself. Only if it were leased and completed within this one
/// statement would no check see the run complete; the coordinator's sweep
/// (`finish_complete_runs`, every reap interval) finishes it then. While a run has a queue,
/// its completions skip the check: one statement of four fewer per shard.
pub(crate) const COMPLETE_SHARD_POSTGRES: &str = concat!(
    include_str!("../queries/complete_shard.sql"),
    include_str!("../queries/complete_shard_ready_left.postgres.sql")
);
pub(crate) const COPY_PREDICTIONS_POSTGRES: &str =
    include_str!("../queries/copy_predictions.postgres.sql");
pub(crate) const COUNT_LIVE_WORKERS: &str = include_str!("../queries/count_live_workers.sql");
pub(crate) const COUNT_RUNNING_RUNS: &str = include_str!("../queries/count_running_runs.sql");
pub(crate) const COUNT_SHARDS_BY_STATE: &str = include_str!("../queries/count_shards_by_state.sql");
pub(crate) const DELETE_OLD_METRICS: &str = include_str!("../queries/delete_old_metrics.sql");
pub(crate) const DELETE_WORKER_CAPABILITIES: &str =
    include_str!("../queries/delete_worker_capabilities.sql");
/// Marks worker `$1` incarnation `$2` as having left at `$3` (also its last sighting); affects
/// no row when the store knows another incarnation or none.
pub(crate) const DEREGISTER_WORKER: &str = include_str!("../queries/deregister_worker.sql");
pub(crate) const EXPIRED_LEASES: &str = include_str!("../queries/expired_leases.sql");
pub(crate) const FAIL_RUN: &str = include_str!("../queries/fail_run.sql");
/// Fails run `$1` with error `$2` at `$3` if it is still running (a fatal database fault).
pub(crate) const FAIL_RUNNING_RUN: &str = include_str!("../queries/fail_running_run.sql");
pub(crate) const FAIL_STALLED_SHARD: &str = include_str!("../queries/fail_stalled_shard.sql");
/// Records a failure for every (image-read sample, image detector) pair of a shard that has no
/// prediction yet; clip-only samples owe none (its clips: `clips::FILL_MISSING_CLIPS_AS_FAILED`, run with it by `fill_missing!`).
pub(crate) const FILL_MISSING_AS_FAILED: &str =
    include_str!("../queries/fill_missing_as_failed.sql");
/// Records a failure (`$2` kind, `$3` message, `$4` worker) for every clip of shard `$1` that
/// has no outcome yet.
pub(crate) const FILL_MISSING_CLIPS_AS_FAILED: &str =
    include_str!("../queries/fill_missing_clips_as_failed.sql");
/// Finishes every running run with no ready or leased shard (the supervisor's sweep).
pub(crate) const FINISH_COMPLETE_RUNS: &str = include_str!("../queries/finish_complete_runs.sql");
/// Finishes run `$1` when none of its shards is ready or leased. Looks for the open shard with
/// the highest id: shards are leased in id order, so while a run is going that one is live at
/// once, where an `EXISTS` walked the run's completed shards from the lowest id first (their
/// index entries stay until vacuum, so each completion cost grew with the run).
pub(crate) const FINISH_RUN_IF_COMPLETE: &str =
    include_str!("../queries/finish_run_if_complete.sql");
/// Stores one clip outcome of shard `$1` (`$2` detector, `$3` video, `$4` clip index) with its
/// planned frames and content key: `$5` run, `$6` perturbation, `$7` score, `$8` failure kind,
/// `$9` message, `$10` fingerprint, `$11` worker, `$12` epoch, `$13` latency. A re-delivered
/// outcome is ignored.
pub(crate) const INSERT_CLIP: &str = include_str!("../queries/insert_clip.sql");
pub(crate) const INSERT_EXCLUDED_WORKER: &str =
    include_str!("../queries/insert_excluded_worker.sql");
/// The fenced conflict-tolerant insert: locks the lease row (`FOR SHARE`) if it is still
/// current and inserts the batch from arrays in the same statement, ignoring re-delivered
/// rows. Returns (lease rows found, rows inserted); no lease row means a stale writer, and
/// then nothing was inserted.
pub(crate) const INSERT_FENCED_POSTGRES: &str =
    include_str!("../queries/insert_fenced.postgres.sql");
pub(crate) const INSERT_METRIC: &str = include_str!("../queries/insert_metric.sql");
/// A planned sample failure (`$3` kind, `$4` message) of sample `$2` for every image detector
/// of run `$1`, in every shard (perturbation) that holds the sample.
pub(crate) const INSERT_SAMPLE_FAILURE: &str = include_str!("../queries/insert_sample_failure.sql");
/// A `runs` row, every column but `reuse_indexed` (a planned or an imported run).
pub(crate) const INSERT_RUN: &str = include_str!("../queries/insert_run.sql");
pub(crate) const INSERT_RUN_DATASET: &str = include_str!("../queries/insert_run_dataset.sql");
pub(crate) const INSERT_RUN_DETECTOR: &str = include_str!("../queries/insert_run_detector.sql");
pub(crate) const INSERT_RUN_REQUIREMENT: &str =
    include_str!("../queries/insert_run_requirement.sql");
pub(crate) const INSERT_RUN_TAG: &str = include_str!("../queries/insert_run_tag.sql");
pub(crate) const LEASE_CHECK: &str = include_str!("../queries/lease_check.sql");
/// Serialises indexing between concurrent plannings (see the module doc).
pub(crate) const LOCK_INDEXING: &str = include_str!("../queries/lock_indexing.sql");
/// Marks the samples of run `$1`'s shards that have a (reused) prediction for every image
/// detector of the run (or owe none: clip-only samples) and that no clip still owed reads as not needed, so leases of partly
/// reused shards carry only the samples that need model work. Each probe is one primary-key
/// lookup of `predictions`, and a look at the shard's own clips.
pub(crate) const MARK_REUSED_SAMPLES: &str = include_str!("../queries/mark_reused_samples.sql");
pub(crate) const MARK_RUN_INDEXED: &str = include_str!("../queries/mark_run_indexed.sql");
/// (image-read sample, image detector) pairs of shard `$1` (of run `$2`) without a
/// prediction, and its clips without an outcome.
pub(crate) const MISSING_PREDICTIONS: &str = include_str!("../queries/missing_predictions.sql");
/// (shard, detector) pairs of run `$1` with at least one image-read sample (image detectors) or clip
/// (clip and thumbnail detectors) still without an outcome.
pub(crate) const MISSING_SHARD_DETECTORS: &str =
    include_str!("../queries/missing_shard_detectors.sql");
pub(crate) const OPEN_SHARDS_OF_RUN: &str = include_str!("../queries/open_shards_of_run.sql");
/// The clips of shard `$1` still without an outcome (sorted by `owed_clips!`).
pub(crate) const OWED_CLIPS: &str = include_str!("../queries/owed_clips.sql");
pub(crate) const PROMOTE_RUN: &str = include_str!("../queries/promote_run.sql");
pub(crate) const READ_EXCLUDED_WORKERS: &str = include_str!("../queries/read_excluded_workers.sql");
pub(crate) const READ_RUN_HISTORY: &str = include_str!("../queries/read_run_history.sql");
pub(crate) const READ_RUN_STATUS: &str = include_str!("../queries/read_run_status.sql");
pub(crate) const READ_RUN_TAGS: &str = include_str!("../queries/read_run_tags.sql");
pub(crate) const READ_RUN_TO_PROMOTE: &str = include_str!("../queries/read_run_to_promote.sql");
pub(crate) const READ_SHARD: &str = include_str!("../queries/read_shard.sql");
pub(crate) const READ_SHARD_PROVENANCE: &str = include_str!("../queries/read_shard_provenance.sql");
pub(crate) const RECORD_DETECTOR_FINGERPRINT: &str =
    include_str!("../queries/record_detector_fingerprint.sql");
pub(crate) const RECORD_WORKER_CAPABILITY: &str =
    include_str!("../queries/record_worker_capability.sql");
pub(crate) const REGISTER_WORKER: &str = include_str!("../queries/register_worker.sql");
/// Hands leased shard `$1` (epoch `$2`, owner `$3`, incarnation `$4`) back to ready at `$5`
/// without counting a failure or a loss; no row when the lease is not current.
pub(crate) const RELEASE_SHARD: &str = include_str!("../queries/release_shard.sql");
/// Copies the indexed facts matching run `$1`'s keys into its shards, marked `reused_from`.
/// Only reusable predictions are ever indexed, so every match is copied.
pub(crate) const REUSE_PREDICTIONS: &str = include_str!("../queries/reuse_predictions.sql");
/// Ended runs whose own predictions are not in the index yet, oldest first.
pub(crate) const RUNS_TO_INDEX: &str = include_str!("../queries/runs_to_index.sql");
pub(crate) const RUNS_WITHOUT_WORKERS: &str = include_str!("../queries/runs_without_workers.sql");
pub(crate) const RUN_PROGRESS: &str = include_str!("../queries/run_progress.sql");
/// Every clip outcome of run `$1` with the labels of its video's first sample.
pub(crate) const SELECT_CLIP_PREDICTIONS: &str =
    include_str!("../queries/select_clip_predictions.sql");
pub(crate) const SELECT_METRICS: &str = include_str!("../queries/select_metrics.sql");
pub(crate) const SELECT_PREDICTIONS: &str = include_str!("../queries/select_predictions.sql");
pub(crate) const SELECT_RUN: &str = include_str!("../queries/select_run.sql");
pub(crate) const SELECT_RUN_DATASETS: &str = include_str!("../queries/select_run_datasets.sql");
pub(crate) const SELECT_RUN_DETECTORS: &str = include_str!("../queries/select_run_detectors.sql");
pub(crate) const SELECT_RUN_SHARD_IDS: &str = include_str!("../queries/select_run_shard_ids.sql");
pub(crate) const SELECT_WORKERS: &str = include_str!("../queries/select_workers.sql");
pub(crate) const SET_RUN_HISTORY: &str = include_str!("../queries/set_run_history.sql");
/// A shard's samples (`id`, `rel_path`, `clip_only`) by id, for shard `$1`, as one JSON array:
/// a join.
pub(crate) const SHARD_REFS_SQLITE: &str = include_str!("../queries/shard_refs.sqlite.sql");
/// [`SHARD_REFS_SQLITE`] by id list: costed as a join, Postgres hashes the whole samples table to
/// read one shard's samples; by id list it probes the primary key.
pub(crate) const SHARD_REFS_POSTGRES: &str = include_str!("../queries/shard_refs.postgres.sql");
/// Every clip shard `$1` owes, outcome or not (ingest checks reported clips against it).
pub(crate) const SHARD_CLIP_KEYS: &str = include_str!("../queries/shard_clip_keys.sql");
pub(crate) const TOUCH_WORKER: &str = include_str!("../queries/touch_worker.sql");

/// A template: `fill` puts in each `{}`.
pub(crate) const INSERT_SAMPLES_ROWS: &str = include_str!("../queries/insert_samples_rows.sql");
/// A template: `fill` puts in each `{}`.
pub(crate) const UPSERT_FILE_CONTENTS_ROWS: &str =
    include_str!("../queries/upsert_file_contents_rows.sql");
/// A template: `fill` puts in each `{}`.
pub(crate) const INSERT_SHARDS_ROWS: &str = include_str!("../queries/insert_shards_rows.sql");
/// A template: `fill` puts in each `{}`.
pub(crate) const INSERT_SHARD_SAMPLES_ROWS: &str =
    include_str!("../queries/insert_shard_samples_rows.sql");
/// A template: `fill` puts in each `{}`.
pub(crate) const INSERT_SHARD_CLIPS_ROWS: &str =
    include_str!("../queries/insert_shard_clips_rows.sql");
/// A template: `fill` puts in each `{}`.
pub(crate) const INSERT_CLIP_FAILURES_ROWS: &str =
    include_str!("../queries/insert_clip_failures_rows.sql");
/// A template: `fill` puts in each `{}`.
pub(crate) const REUSE_CLIPS: &str = include_str!("../queries/reuse_clips.sql");
/// A template: `fill` puts in each `{}`.
pub(crate) const FIND_RUNS_ORDERED: &str = include_str!("../queries/find_runs_ordered.sql");
/// A template: `fill` puts in each `{}`.
pub(crate) const INDEX_RUN: &str = include_str!("../queries/index_run.sql");
/// A template: `fill` puts in each `{}`.
pub(crate) const ACQUIRE_SHARD: &str = include_str!("../queries/acquire_shard.sql");
/// A template: `fill` puts in each `{}`.
pub(crate) const EXTEND_LEASES_ROWS: &str = include_str!("../queries/extend_leases_rows.sql");
/// The stored contents of a JSON array of paths, as one JSON array (SQLite).
pub(crate) const KNOWN_CONTENTS_SQLITE: &str = include_str!("../queries/known_contents.sqlite.sql");
/// [`KNOWN_CONTENTS_SQLITE`] for Postgres.
pub(crate) const KNOWN_CONTENTS_POSTGRES: &str =
    include_str!("../queries/known_contents.postgres.sql");
/// A template: `fill` puts in each `{}`.
pub(crate) const INSERT_PREDICTIONS_ROWS_SQLITE: &str =
    include_str!("../queries/insert_predictions_rows.sqlite.sql");

// A run's rows as `dfbench bundle` exports and imports them (`bundle_sql`): every column of
// each table, store-local ids included (the bundle renumbers them).
pub(crate) const BUNDLE_RUN: &str = include_str!("../queries/bundle_run.sql");
pub(crate) const BUNDLE_REQUIREMENTS: &str = include_str!("../queries/bundle_requirements.sql");
pub(crate) const BUNDLE_SHARDS: &str = include_str!("../queries/bundle_shards.sql");
pub(crate) const BUNDLE_SAMPLES: &str = include_str!("../queries/bundle_samples.sql");
pub(crate) const BUNDLE_SHARD_SAMPLES: &str = include_str!("../queries/bundle_shard_samples.sql");
pub(crate) const BUNDLE_SHARD_CLIPS: &str = include_str!("../queries/bundle_shard_clips.sql");
pub(crate) const BUNDLE_PREDICTIONS: &str = include_str!("../queries/bundle_predictions.sql");
pub(crate) const BUNDLE_CLIP_PREDICTIONS: &str =
    include_str!("../queries/bundle_clip_predictions.sql");
pub(crate) const BUNDLE_WORKERS: &str = include_str!("../queries/bundle_workers.sql");
pub(crate) const BUNDLE_DETECTOR_FINGERPRINTS: &str =
    include_str!("../queries/bundle_detector_fingerprints.sql");
pub(crate) const BUNDLE_DATASET_FINGERPRINTS: &str =
    include_str!("../queries/bundle_dataset_fingerprints.sql");
pub(crate) const BUNDLE_INSERT_SHARD: &str = include_str!("../queries/bundle_insert_shard.sql");
pub(crate) const BUNDLE_INSERT_SHARD_SAMPLES_ROWS: &str =
    include_str!("../queries/bundle_insert_shard_samples_rows.sql");
pub(crate) const BUNDLE_INSERT_PREDICTIONS_ROWS: &str =
    include_str!("../queries/bundle_insert_predictions_rows.sql");
pub(crate) const BUNDLE_INSERT_CLIP_PREDICTIONS_ROWS: &str =
    include_str!("../queries/bundle_insert_clip_predictions_rows.sql");
pub(crate) const BUNDLE_INSERT_WORKER: &str = include_str!("../queries/bundle_insert_worker.sql");

/// `template` with its `{}` markers replaced, in order, by `parts`: the pieces of a statement
/// known only at run time (rows of a multi-row insert, a lock clause, an `IN` list).
pub(crate) fn fill(template: &str, parts: &[&str]) -> String {
    let mut pieces = template.split("{}");
    let mut sql = String::with_capacity(template.len());
    sql.push_str(pieces.next().unwrap_or_default());
    for (piece, part) in pieces.zip(parts.iter().chain(std::iter::repeat(&""))) {
        sql.push_str(part);
        sql.push_str(piece);
    }
    sql
}
