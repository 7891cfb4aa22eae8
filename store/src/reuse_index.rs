//! The reuse index (`reuse_index`, migration 0003): one row per reusable fact, keyed by
//! (dataset fingerprint, sample path, perturbation, detector fingerprint), holding the values
//! of the prediction that computed it. Planning copies facts from it with one primary-key probe
//! per (sample, perturbation, detector) of the new run, so its cost does not grow with history.
//!
//! When a run is indexed: once it has ended (done, failed or cancelled), oldest run first —
//! by the completion of its last shard (right after the run is finished), by the
//! coordinator's supervisor (every tick, which catches failed and cancelled runs), and at the
//! latest by the next planning that reuses predictions, in its transaction. Never on
//! prediction ingest, which stays as fast as it is. A run that finishes at planning (every
//! prediction reused) computed nothing, so it is marked indexed right away. Limitation: the
//! predictions of a run still running when another run is planned are not reused by that run;
//! it recomputes them, and they become reusable once their run has ended.
//!
//! Which fact wins: the first one indexed, i.e. the oldest run's (`ON CONFLICT DO NOTHING`,
//! runs indexed in creation order). A later run computes a fact only when no earlier one had
//! it at its planning, so a second copy of a key appears only when two runs overlapped; both
//! came from the same detector fingerprint on the same file, and `reused_from` keeps naming
//! the oldest origin.
//!
//! Concurrent plannings (PostgreSQL) index one at a time: each first locks the single row of
//! `reuse_index_lock` (a no-op write, valid in both dialects), then claims each run by flipping
//! `runs.reuse_indexed`, skipping runs another planning claimed meanwhile. Without the lock,
//! two plannings inserting overlapping keys of different runs could each wait on the other's
//! uncommitted keys and deadlock. SQLite serialises writers anyway.

/// Copies run `$1`'s own reusable predictions into the index (the rules are in `reuse`:
/// computed by this run, with a detector fingerprint, a score or a reusable failure).
pub(crate) static INDEX_RUN: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    crate::queries::fill(crate::queries::INDEX_RUN, &[&reusable_failure_list()])
});

/// The reusable failure kinds as an SQL list (`'decode_error', 'detector_error'`), for
/// `failure_kind IN (…)`; per-sample and clip reuse share it (`FailureKind::is_reusable`).
pub(crate) fn reusable_failure_list() -> String {
    let reusable: Vec<String> = dfbench_benchmarks::FailureKind::reusable_spellings()
        .iter()
        .map(|kind| format!("'{kind}'"))
        .collect();
    reusable.join(", ")
}

/// Indexes every ended run not indexed yet.
macro_rules! index_ended_runs {
    ($executor:expr) => {{
        use $crate::error::QueryContext;
        let pending: Vec<String> = sqlx::query_scalar($crate::queries::RUNS_TO_INDEX)
            .fetch_all(&mut *$executor)
            .await
            .during("find runs to index for reuse")?;
        if !pending.is_empty() {
            sqlx::query($crate::queries::LOCK_INDEXING)
                .execute(&mut *$executor)
                .await
                .during("lock the reuse index")?;
        }
        for run_id in &pending {
            let claimed = sqlx::query($crate::queries::CLAIM_RUN)
                .bind(run_id)
                .execute(&mut *$executor)
                .await
                .during("claim a run for the reuse index")?
                .rows_affected();
            if claimed == 0 {
                continue;
            }
            let added = sqlx::query($crate::reuse_index::INDEX_RUN.as_str())
                .bind(run_id)
                .execute(&mut *$executor)
                .await
                .during("index a run's predictions for reuse")?
                .rows_affected();
            tracing::debug!(run_id = %run_id, facts = added, "indexed for reuse");
        }
    }};
}
pub(crate) use index_ended_runs;
