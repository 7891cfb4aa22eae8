//! Clip outcomes of clip and thumbnail detectors (issue 17), shared by both backends: what a
//! shard owes (`shard_clips`, written at planning with the shard's `n_clips`), the outcomes
//! (`clip_predictions`: a score or a typed failure per (shard, detector, video, clip index)),
//! planned failures stored at creation, clip reuse, the lease's owed clips, fenced ingest, and
//! the failures recorded for missing clips when a shard ends without them.
//!
//! Reuse: a clip's identity is (detector fingerprint, perturbation, content key); the content
//! key hashes the clip's frames in order (`PlannedClip::content_key`) and the fingerprint
//! covers every clip field, so a changed frame or clip rule never matches. Planning copies the
//! newest reusable outcome (a score or a `FailureKind::is_reusable` failure) of an ended run,
//! probing `clip_predictions_reuse` directly: clips are few next to frames, so they need no
//! index table of their own. A clip whose content key is '' (a frame's content unknown) is never
//! reused. `reused_from` names the run that computed the outcome.

use crate::StoreError;
use crate::model::{NewClipPrediction, Outcome, RunPlan, SampleId, ShardId};
use std::collections::{HashMap, HashSet};

/// Rows per multi-row insert of `shard_clips` (9 parameters each).
pub(crate) const CLIP_ROWS_PER_INSERT: usize = 400;
/// Rows per multi-row insert of planned failures (15 parameters each).
pub(crate) const FAILURE_ROWS_PER_INSERT: usize = 200;

/// The key of a clip outcome within its shard: (detector, video key, clip index).
pub(crate) type ClipKey = (String, String, i64);

/// One `shard_clips` row of a plan, with its planned failure when it has one.
pub(crate) struct ClipRow<'a> {
    pub shard_id: i64,
    pub detector: &'a str,
    pub video_key: &'a str,
    pub clip_index: i64,
    /// Sample ids of its frames in frame order, space-separated.
    pub sample_ids: String,
    pub first_frame: i64,
    pub last_frame: i64,
    pub content_key: &'a str,
    pub video_sample: i64,
    pub perturbation: &'a str,
    /// (kind, message) of a planned failure.
    pub failure: Option<(&'a str, &'a str)>,
    /// The detector's fingerprint at planning, '' when not known yet.
    pub fingerprint: &'a str,
}

/// The `shard_clips` rows of `plan` (`shard_ids` and `sample_ids` are the stored ids of
/// `plan.shards` and `plan.samples`). Fails on a clip that names a sample outside the plan.
pub(crate) fn clip_rows<'a>(
    plan: &'a RunPlan,
    shard_ids: &[i64],
    sample_ids: &[i64],
) -> Result<Vec<ClipRow<'a>>, StoreError> {
    let fingerprints: HashMap<&str, &str> = plan
        .detectors
        .iter()
        .map(|detector| {
            (
                detector.name.as_str(),
                detector.fingerprint.as_deref().unwrap_or_default(),
            )
        })
        .collect();
    let mut rows = Vec::new();
    for (shard, &shard_id) in plan.shards.iter().zip(shard_ids) {
        let sample_id = |index: usize| {
            sample_ids
                .get(index)
                .copied()
                .ok_or_else(|| StoreError::InvalidPrediction {
                    shard_id: ShardId(shard_id),
                    message: format!("planned clip sample index {index} is out of range"),
                })
        };
        for clip in &shard.clips {
            let frames = clip
                .sample_indices
                .iter()
                .map(|&index| sample_id(index).map(|id| id.to_string()))
                .collect::<Result<Vec<_>, _>>()?;
            rows.push(ClipRow {
                shard_id,
                detector: &clip.detector,
                video_key: &clip.video_key,
                clip_index: clip.clip_index,
                sample_ids: frames.join(" "),
                first_frame: clip.first_frame,
                last_frame: clip.last_frame,
                content_key: &clip.content_key,
                video_sample: sample_id(clip.video_sample)?,
                perturbation: &shard.perturbation,
                failure: clip
                    .planned_failure
                    .as_ref()
                    .map(|(kind, message)| (kind.as_str(), message.as_str())),
                fingerprint: fingerprints
                    .get(clip.detector.as_str())
                    .copied()
                    .unwrap_or_default(),
            });
        }
    }
    Ok(rows)
}

/// Inserts the `shard_clips` rows of `$plan` and its planned failures as clip outcomes;
/// evaluates to how many planned failures were stored (`i64`).
macro_rules! insert_clips {
    ($executor:expr, $backend:expr, $plan:expr, $shard_ids:expr, $sample_ids:expr) => {{
        use $crate::error::QueryContext;
        let rows = $crate::clips::clip_rows($plan, $shard_ids, $sample_ids)?;
        for chunk in rows.chunks($crate::clips::CLIP_ROWS_PER_INSERT) {
            let sql = $crate::queries::fill(
                $crate::queries::INSERT_SHARD_CLIPS_ROWS,
                &[&$crate::bulk::placeholders($backend, chunk.len(), 9)],
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for row in chunk {
                query = query
                    .bind(row.shard_id)
                    .bind(row.detector)
                    .bind(row.video_key)
                    .bind(row.clip_index)
                    .bind(&row.sample_ids)
                    .bind(row.first_frame)
                    .bind(row.last_frame)
                    .bind(row.content_key)
                    .bind(row.video_sample);
            }
            query
                .execute(&mut *$executor)
                .await
                .during("insert shard clips")?;
        }
        let failed: Vec<&$crate::clips::ClipRow> =
            rows.iter().filter(|row| row.failure.is_some()).collect();
        for chunk in failed.chunks($crate::clips::FAILURE_ROWS_PER_INSERT) {
            let sql = $crate::queries::fill(
                $crate::queries::INSERT_CLIP_FAILURES_ROWS,
                &[&$crate::bulk::placeholders($backend, chunk.len(), 15)],
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for row in chunk {
                let (kind, message) = row.failure.unwrap_or_default();
                query = query
                    .bind(&$plan.run.id.0)
                    .bind(row.shard_id)
                    .bind(row.detector)
                    .bind(row.video_key)
                    .bind(row.clip_index)
                    .bind(row.perturbation)
                    .bind(row.first_frame)
                    .bind(row.last_frame)
                    .bind(kind)
                    .bind(message)
                    .bind(row.fingerprint)
                    .bind(row.content_key)
                    .bind("")
                    .bind(0i64)
                    .bind(0i64);
            }
            query
                .execute(&mut *$executor)
                .await
                .during("store planned clip failures")?;
        }
        failed.len() as i64
    }};
}
pub(crate) use insert_clips;

/// Copies, for each clip of run `$1` with a content key, the newest reusable outcome of an
/// ended run with the same (detector fingerprint, perturbation, content key). Clips already
/// stored (planned failures) are kept.
pub(crate) static REUSE_CLIPS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    crate::queries::fill(
        crate::queries::REUSE_CLIPS,
        &[&crate::reuse_index::reusable_failure_list()],
    )
});

/// Reads the space-separated sample ids of a stored clip.
pub(crate) fn parse_sample_ids(stored: &str) -> Result<Vec<SampleId>, StoreError> {
    stored
        .split_whitespace()
        .map(|id| {
            id.parse().map(SampleId).map_err(|_| StoreError::Corrupt {
                what: format!("shard_clips.sample_ids `{stored}`: `{id}` is not a sample id"),
            })
        })
        .collect()
}

/// The owed clips of a leased shard (`$shard_id`), as the lease carries them.
macro_rules! owed_clips {
    ($executor:expr, $shard_id:expr) => {{
        use sqlx::Row;
        use $crate::error::QueryContext;
        let rows = sqlx::query($crate::queries::OWED_CLIPS)
            .bind($shard_id)
            .fetch_all(&mut *$executor)
            .await
            .during("read the shard's owed clips")?;
        let mut clips = Vec::with_capacity(rows.len());
        for row in &rows {
            let sample_ids: String = row.try_get("sample_ids").during("read clip")?;
            clips.push($crate::ClipAssignment {
                detector: row.try_get("detector").during("read clip")?,
                video_key: row.try_get("video_key").during("read clip")?,
                clip_index: row.try_get("clip_index").during("read clip")?,
                sample_ids: $crate::clips::parse_sample_ids(&sample_ids)?,
            });
        }
        // In Rust: a PostgreSQL collation may order the keys differently from SQLite's.
        clips.sort_by(|a: &$crate::ClipAssignment, b: &$crate::ClipAssignment| {
            (&a.detector, &a.video_key, a.clip_index).cmp(&(
                &b.detector,
                &b.video_key,
                b.clip_index,
            ))
        });
        clips
    }};
}
pub(crate) use owed_clips;

/// How a clip is named in errors.
pub(crate) fn clip_name(detector: &str, video_key: &str, clip_index: i64) -> String {
    format!("clip {clip_index} of video `{video_key}` (detector `{detector}`)")
}

/// Rejects a batch with an unknown detector, a detector that scores images, an invalid score
/// or a failure without kind (`clip_detectors`: the run's clip and thumbnail detectors; `known`:
/// all of its detectors).
pub(crate) fn validate_clip_predictions(
    shard_id: &ShardId,
    clips: &[NewClipPrediction],
    known: &HashSet<String>,
    clip_detectors: &HashSet<String>,
) -> Result<(), StoreError> {
    let invalid = |message: String| StoreError::InvalidPrediction {
        shard_id: shard_id.clone(),
        message,
    };
    for clip in clips {
        let name = clip_name(&clip.detector, &clip.video_key, clip.clip_index);
        if !known.contains(&clip.detector) {
            return Err(invalid(format!(
                "{name}: detector `{}` is not part of this run",
                clip.detector
            )));
        }
        if !clip_detectors.contains(&clip.detector) {
            return Err(invalid(format!(
                "{name}: detector `{}` scores images, not clips; report its scores as predictions",
                clip.detector
            )));
        }
        match &clip.outcome {
            Outcome::Score(score) if !(0.0..=1.0).contains(score) => {
                return Err(invalid(format!(
                    "{name}: score {score} is not a probability in [0, 1]"
                )));
            }
            Outcome::Failure { kind, .. } if kind.as_str().is_empty() => {
                return Err(invalid(format!("{name}: the failure has no kind")));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Rejects a clip the shard does not owe (`owed`: every clip of the shard).
pub(crate) fn check_owed(
    shard_id: &ShardId,
    clips: &[NewClipPrediction],
    owed: &HashSet<ClipKey>,
) -> Result<(), StoreError> {
    for clip in clips {
        let key = (
            clip.detector.clone(),
            clip.video_key.clone(),
            clip.clip_index,
        );
        if !owed.contains(&key) {
            return Err(StoreError::InvalidPrediction {
                shard_id: shard_id.clone(),
                message: format!(
                    "{} is not a clip this shard owes",
                    clip_name(&clip.detector, &clip.video_key, clip.clip_index)
                ),
            });
        }
    }
    Ok(())
}

/// Stores a batch of clip outcomes of `$lease` in one transaction fenced by its lease;
/// evaluates to how many were new (`u64`). `$shard` is the cached shard, `$meta` its run's.
macro_rules! ingest_clips {
    ($self:ident, $lease:expr, $shard:expr, $meta:expr, $clips:expr) => {{
        use sqlx::Row;
        use $crate::error::QueryContext;
        $crate::clips::validate_clip_predictions(
            &$lease.shard_id,
            $clips,
            &$meta.detector_names,
            &$meta.clip_detectors,
        )?;
        let mut tx = $self.pool.begin().await.during("begin clip ingest")?;
        $crate::sql_impl::check_lease!($self, &mut *tx, $lease);
        let mut owed = std::collections::HashSet::new();
        for row in sqlx::query($crate::queries::SHARD_CLIP_KEYS)
            .bind($lease.shard_id.0)
            .fetch_all(&mut *tx)
            .await
            .during("read the shard's clips")?
        {
            owed.insert((
                row.try_get::<String, _>("detector").during("read clip")?,
                row.try_get::<String, _>("video_key").during("read clip")?,
                row.try_get::<i64, _>("clip_index").during("read clip")?,
            ));
        }
        $crate::clips::check_owed(&$lease.shard_id, $clips, &owed)?;
        let mut inserted = 0;
        for clip in $clips {
            let (score, failure_kind, failure_message) = clip.outcome.columns();
            inserted += sqlx::query($crate::queries::INSERT_CLIP)
                .bind($lease.shard_id.0)
                .bind(&clip.detector)
                .bind(&clip.video_key)
                .bind(clip.clip_index)
                .bind(&$shard.run_id)
                .bind(&$shard.perturbation)
                .bind(score)
                .bind(failure_kind)
                .bind(failure_message)
                .bind(&clip.detector_fingerprint)
                .bind(&$lease.owner.worker_id)
                .bind($lease.epoch.0)
                .bind(clip.latency_us)
                .execute(&mut *tx)
                .await
                .during("insert clip prediction")?
                .rows_affected();
        }
        tx.commit().await.during("commit clip ingest")?;
        inserted
    }};
}
pub(crate) use ingest_clips;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_ids_round_trip_and_corrupt_ones_are_named() {
        assert_eq!(
            parse_sample_ids("3 10 2").expect("parse"),
            vec![SampleId(3), SampleId(10), SampleId(2)]
        );
        assert_eq!(parse_sample_ids("").expect("empty"), Vec::<SampleId>::new());
        let error = parse_sample_ids("3 x").expect_err("corrupt");
        assert!(error.to_string().contains("`x`"), "{error}");
    }

    #[test]
    fn clip_reuse_names_exactly_the_reusable_failures() {
        let clause = format!(
            "p.failure_kind IN ({})",
            crate::reuse_index::reusable_failure_list()
        );
        assert!(REUSE_CLIPS.contains(&clause), "{clause}");
        assert!(REUSE_CLIPS.contains("'decode_error'"));
    }
}
