//! Prediction reuse at planning time (issue 7). A prediction is a fact about one file under one
//! detector and one perturbation, so a new run copies every stored prediction whose
//! (detector fingerprint, dataset fingerprint, sample path, file content hash, perturbation)
//! equal its own instead of recomputing it: an image edited in place (same size, new bytes)
//! is recomputed, a touched or re-copied one (same bytes) is reused. The fingerprints carry identity: a torchscript detector's is sha256 of its
//! weights + its preprocessing; a built-in's is made from the parameters that decide its scores
//! (`dfbench_benchmarks::builtin_params`); a dataset's hashes its sorted manifest (paths, sizes,
//! labels). A changed model file, preprocessing, perturbation or dataset never matches.
//!
//! What is reused: scores, and failures that are a property of the file and the detector
//! (`decode_error`, `detector_error`, see `FailureKind::is_reusable`). Never reused: failures of the
//! infrastructure (`lease_expired`, `no_workers`, `worker_error`, `model_load_error`,
//! `forward_error`, `file_unreadable`, `detector_unavailable`), which a new run should retry.
//! Only predictions computed by their own run are sources (`reused_from IS NULL`), so each
//! fact has one origin however many runs copied it. The source run's status does not matter:
//! a stored prediction of a cancelled run is as true as one of a finished run.
//!
//! Everything happens in the transaction that creates the run, in bulk SQL: ended runs not yet
//! in the reuse index are indexed (see `reuse_index`, which also says what happens with a run
//! still running), one `INSERT … SELECT` copies the facts matching the new run's (sample,
//! perturbation, detector) keys from the index, one query finds the (shard, detector) pairs
//! still missing; shards with none are created `done` and never leased, shards missing only
//! some detectors are leased with just those (`shards.detectors`). The cost is proportional
//! to the new run, not to the history.

use crate::StoreError;
use crate::model::DetectorRecord;

/// The detectors a leased shard must run: all of the run's, or the subset stored at planning.
pub(crate) fn shard_detectors(
    all: &[DetectorRecord],
    subset: Option<&str>,
) -> Result<Vec<DetectorRecord>, StoreError> {
    let Some(subset) = subset else {
        return Ok(all.to_vec());
    };
    let names: Vec<String> =
        crate::error::stored_json(subset, format_args!("shards.detectors `{subset}`"))?;
    Ok(all
        .iter()
        .filter(|detector| names.contains(&detector.name))
        .cloned()
        .collect())
}

/// After a run's rows are inserted (same transaction; its clips and their `$planned_failures`
/// too, and its `$sample_failures` prediction rows): stores its history columns and tags, copies reusable predictions and clip outcomes
/// (`clips::REUSE_CLIPS`), marks shards that owe nothing more done, narrows the others to
/// their missing detectors and samples, and finishes the run when nothing is left. Evaluates
/// to ([`crate::CreatedRun`], whether some samples were left out of their shards' leases).
macro_rules! plan_history {
    ($executor:expr, $backend:expr, $plan:expr, $options:expr, $planned_failures:expr, $sample_failures:expr) => {{
        use sqlx::Row;
        use $crate::error::QueryContext;
        let run_id = &$plan.run.id.0;
        sqlx::query($crate::queries::SET_RUN_HISTORY)
            .bind(run_id)
            .bind($options.partial.is_some())
            .bind(&$options.partial)
            .execute(&mut *$executor)
            .await
            .during("store the run's history columns")?;
        for worker_id in &$options.excluded_workers {
            sqlx::query($crate::queries::INSERT_EXCLUDED_WORKER)
                .bind(run_id)
                .bind(worker_id)
                .execute(&mut *$executor)
                .await
                .during("exclude a worker from the run")?;
        }
        for tag in &$options.tags {
            sqlx::query($crate::queries::INSERT_RUN_TAG)
                .bind(run_id)
                .bind(tag)
                .execute(&mut *$executor)
                .await
                .during("tag the run")?;
        }
        let mut created = $crate::CreatedRun::default();
        if $options.reuse_predictions {
            $crate::reuse_index::index_ended_runs!(&mut *$executor);
            created.reused = sqlx::query($crate::queries::REUSE_PREDICTIONS)
                .bind(run_id)
                .execute(&mut *$executor)
                .await
                .during("reuse stored predictions")?
                .rows_affected() as i64;
            if $plan.shards.iter().any(|shard| !shard.clips.is_empty()) {
                created.clips_reused = sqlx::query($crate::clips::REUSE_CLIPS.as_str())
                    .bind(run_id)
                    .execute(&mut *$executor)
                    .await
                    .during("reuse stored clip outcomes")?
                    .rows_affected() as i64;
            }
        }
        let mut samples_narrowed = false;
        if created.reused > 0
            || created.clips_reused > 0
            || $planned_failures > 0
            || $sample_failures > 0
        {
            // Each (shard sample, image detector) pair has at most one prediction and each
            // planned clip one outcome (primary keys), so when as many are stored as are owed,
            // none is missing: skip the search.
            let image_detectors = $plan
                .detectors
                .iter()
                .filter(|detector| detector.input.is_image())
                .count();
            let pairs: usize = $plan
                .shards
                .iter()
                .map(|shard| shard.sample_indices.len() * image_detectors)
                .sum();
            let clips: usize = $plan.shards.iter().map(|shard| shard.clips.len()).sum();
            let rows = if created.reused + $sample_failures == pairs as i64
                && created.clips_reused + $planned_failures == clips as i64
            {
                Vec::new()
            } else {
                sqlx::query($crate::queries::MISSING_SHARD_DETECTORS)
                    .bind(run_id)
                    .fetch_all(&mut *$executor)
                    .await
                    .during("find shards with missing predictions")?
            };
            let mut missing: std::collections::BTreeMap<i64, Vec<String>> = Default::default();
            for row in &rows {
                missing
                    .entry(row.try_get("shard_id").during("read missing detectors")?)
                    .or_default()
                    .push(row.try_get("detector").during("read missing detectors")?);
            }
            let shard_ids: Vec<i64> = sqlx::query_scalar($crate::queries::SELECT_RUN_SHARD_IDS)
                .bind(run_id)
                .fetch_all(&mut *$executor)
                .await
                .during("read the run's shards")?;
            // Shards by what they become: done, or narrowed to a subset (JSON) of detectors.
            let mut done: Vec<i64> = Vec::new();
            let mut narrowed: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
            for shard_id in shard_ids {
                match missing.get(&shard_id) {
                    None => done.push(shard_id),
                    Some(detectors) if detectors.len() < $plan.detectors.len() => {
                        let subset = serde_json::to_string(detectors).map_err(|error| {
                            $crate::StoreError::Corrupt {
                                what: format!("detector names of shard {shard_id}: {error}"),
                            }
                        })?;
                        narrowed.entry(subset).or_default().push(shard_id);
                    }
                    Some(_) => {}
                }
            }
            created.shards_done = done.len() as i64;
            $crate::reuse::set_shards!(&mut *$executor, $backend, "state", "done", &done);
            for (subset, shard_ids) in &narrowed {
                $crate::reuse::set_shards!(
                    &mut *$executor,
                    $backend,
                    "detectors",
                    subset,
                    shard_ids
                );
            }
            // Only where something was reused or planned failed, or no image detector needs
            // every sample.
            samples_narrowed = !rows.is_empty()
                && (created.reused > 0
                    || created.clips_reused > 0
                    || $sample_failures > 0
                    || image_detectors == 0);
            if samples_narrowed {
                sqlx::query($crate::queries::MARK_REUSED_SAMPLES)
                    .bind(run_id)
                    .execute(&mut *$executor)
                    .await
                    .during("leave fully reused samples out of their shards' leases")?;
            }
            created.finished = sqlx::query($crate::queries::FINISH_RUN_IF_COMPLETE)
                .bind(run_id)
                .bind($plan.run.created_at_ms)
                .execute(&mut *$executor)
                .await
                .during("finish a fully reused run")?
                .rows_affected()
                > 0;
            if created.finished {
                // Every outcome was reused or planned: the run computed nothing to index.
                sqlx::query($crate::queries::MARK_RUN_INDEXED)
                    .bind(run_id)
                    .execute(&mut *$executor)
                    .await
                    .during("mark a fully reused run indexed")?;
            }
        }
        (created, samples_narrowed)
    }};
}
pub(crate) use plan_history;

/// Shard ids per `UPDATE … WHERE id IN (…)`.
pub(crate) const SHARD_IDS_PER_UPDATE: usize = 1_000;

/// Sets `$column` (a literal column name of `shards`) to `$value` on the shards `$ids`, a
/// statement per chunk instead of one per shard.
macro_rules! set_shards {
    ($executor:expr, $backend:expr, $column:literal, $value:expr, $ids:expr) => {{
        use $crate::error::QueryContext;
        for chunk in $ids.chunks($crate::reuse::SHARD_IDS_PER_UPDATE) {
            let sql = format!(
                concat!("UPDATE shards SET ", $column, " = {} WHERE id IN ({})"),
                $crate::bulk::parameters($backend, 1, 1),
                $crate::bulk::parameters($backend, 2, chunk.len())
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind($value);
            for shard_id in chunk {
                query = query.bind(*shard_id);
            }
            query.execute(&mut *$executor).await.during(concat!(
                "set the ",
                $column,
                " of reused shards"
            ))?;
        }
    }};
}
pub(crate) use set_shards;

#[cfg(test)]
mod tests {
    #[test]
    fn the_reuse_sql_names_exactly_the_reusable_failures() {
        let listed: Vec<String> = dfbench_benchmarks::FailureKind::reusable_spellings()
            .iter()
            .map(|kind| format!("'{kind}'"))
            .collect();
        let clause = format!("p.failure_kind IN ({})", listed.join(", "));
        assert!(crate::reuse_index::INDEX_RUN.contains(&clause), "{clause}");
    }
}
