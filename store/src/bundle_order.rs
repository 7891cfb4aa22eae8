//! The order a bundle's rows are in: store ids replaced by positions (shards in creation
//! order, samples sorted by dataset and path) and every list sorted by its key, so the same run
//! read from any store gives the same [`RunRows`]. Pure: no SQL.

use crate::StoreError;
use crate::bundle_model::RunRows;
use std::collections::HashMap;

/// The position `id` has in `positions`, or a `Corrupt` error naming what refers to it.
fn position(positions: &HashMap<i64, i64>, id: i64, what: &str) -> Result<i64, StoreError> {
    positions
        .get(&id)
        .copied()
        .ok_or_else(|| StoreError::Corrupt {
            what: format!("{what} refers to row {id}, which is not part of the run"),
        })
}

/// The store id at position `at` of `ids`, or a `Corrupt` error naming what refers to it.
pub(crate) fn stored_id(ids: &[i64], at: i64, what: &str) -> Result<i64, StoreError> {
    usize::try_from(at)
        .ok()
        .and_then(|at| ids.get(at).copied())
        .ok_or_else(|| StoreError::Corrupt {
            what: format!("{what} refers to position {at}, beyond the bundle's rows"),
        })
}

/// `stored` space-separated ids mapped through `map` (store ids ↔ positions).
pub(crate) fn map_id_list(
    stored: &str,
    map: impl Fn(i64) -> Result<i64, StoreError>,
) -> Result<String, StoreError> {
    let ids = crate::clips::parse_sample_ids(stored)?;
    let mapped: Result<Vec<String>, StoreError> = ids
        .into_iter()
        .map(|id| map(id.0).map(|n| n.to_string()))
        .collect();
    Ok(mapped?.join(" "))
}

/// Replaces store ids by positions and puts every list in bundle order.
pub(crate) fn renumber(mut rows: RunRows) -> Result<RunRows, StoreError> {
    rows.samples
        .sort_by(|a, b| (&a.dataset, &a.rel_path).cmp(&(&b.dataset, &b.rel_path)));
    let shards: HashMap<i64, i64> = (rows.shards.iter().enumerate())
        .map(|(at, shard)| (shard.id, at as i64))
        .collect();
    let samples: HashMap<i64, i64> = (rows.samples.iter().enumerate())
        .map(|(at, sample)| (sample.id, at as i64))
        .collect();
    for (at, shard) in rows.shards.iter_mut().enumerate() {
        shard.id = at as i64;
    }
    for (at, sample) in rows.samples.iter_mut().enumerate() {
        sample.id = at as i64;
    }
    for member in &mut rows.shard_samples {
        member.shard_id = position(&shards, member.shard_id, "a shard membership")?;
        member.sample_id = position(&samples, member.sample_id, "a shard membership")?;
    }
    rows.shard_samples
        .sort_by_key(|member| (member.shard_id, member.sample_id));
    for clip in &mut rows.shard_clips {
        clip.shard_id = position(&shards, clip.shard_id, "a shard clip")?;
        clip.video_sample = position(&samples, clip.video_sample, "a shard clip")?;
        clip.sample_ids = map_id_list(&clip.sample_ids, |id| position(&samples, id, "a clip"))?;
    }
    rows.shard_clips.sort_by_cached_key(|c| {
        (
            c.shard_id,
            c.detector.clone(),
            c.video_key.clone(),
            c.clip_index,
        )
    });
    for prediction in &mut rows.predictions {
        prediction.shard_id = position(&shards, prediction.shard_id, "a prediction")?;
        prediction.sample_id = position(&samples, prediction.sample_id, "a prediction")?;
    }
    rows.predictions.sort_by(|a, b| {
        (&a.detector, a.sample_id, &a.perturbation).cmp(&(
            &b.detector,
            b.sample_id,
            &b.perturbation,
        ))
    });
    for clip in &mut rows.clip_predictions {
        clip.shard_id = position(&shards, clip.shard_id, "a clip prediction")?;
    }
    rows.clip_predictions.sort_by_cached_key(|c| {
        (
            c.shard_id,
            c.detector.clone(),
            c.video_key.clone(),
            c.clip_index,
        )
    });
    rows.requirements.sort();
    rows.tags.sort();
    rows.excluded_workers.sort();
    rows.workers.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(rows)
}
