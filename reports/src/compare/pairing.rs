//! Pairs baseline and candidate predictions by sample and cuts the pairs into the report's
//! slices.
//!
//! Slice membership comes from [`crate::report::slices::levels`], so compare and report can
//! never disagree on what `method=…` contains: each pair is handed to it as a record whose score
//! is the pair's index, and the indices found in a slice are the pairs of that slice. Cells exist
//! per level: the stored units (frames, or a clip detector's clips) and the video level made
//! from them as the report makes it (mean of frames; the chosen clip → video aggregation).

use std::collections::BTreeMap;

use super::{CellKey, UnpairedSamples};
use crate::model::PredictionRecord;
use crate::report::rows::{GroupKey, group};
use crate::report::slices::{
    LEVEL_CLIP, LEVEL_FRAME, LEVEL_VIDEO, VideoAggregation, levels, video_records,
};

/// The paired samples of one cell: the scored ones (index i is the same sample on both sides)
/// and counts of all pairs, failed ones included.
#[derive(Debug, Default)]
pub(crate) struct PairedCell {
    pub baseline: Vec<f64>,
    pub candidate: Vec<f64>,
    pub labels: Vec<bool>,
    /// Samples present in both runs, scored or failed, and how many of them are fake.
    pub n_pairs: u64,
    pub n_pairs_fake: u64,
    pub failed_baseline: u64,
    pub failed_candidate: u64,
}

pub(super) struct Paired {
    pub cells: BTreeMap<CellKey, PairedCell>,
    pub unpaired: Vec<UnpairedSamples>,
}

fn usable(record: &PredictionRecord) -> Option<f64> {
    record.score.filter(|s| s.is_finite())
}

fn cell_key(group: &GroupKey, level: &str, slice: &str) -> CellKey {
    CellKey {
        detector: group.0.clone(),
        dataset: group.1.clone(),
        perturbation: group.2.clone(),
        level: level.to_string(),
        slice: slice.to_string(),
    }
}

/// The first level's slices of `records` (each record one unit), each as the indices (into
/// `records`) of its members.
fn slice_members(records: &[&PredictionRecord]) -> BTreeMap<String, Vec<usize>> {
    let indexed: Vec<PredictionRecord> = records
        .iter()
        .enumerate()
        .map(|(index, record)| PredictionRecord {
            score: Some(index as f64),
            ..(*record).clone()
        })
        .collect();
    let refs: Vec<&PredictionRecord> = indexed.iter().collect();
    let Some((_, first)) = levels(&refs, VideoAggregation::Mean).into_iter().next() else {
        return BTreeMap::new();
    };
    first
        .slices
        .into_iter()
        .map(|(name, data)| (name, data.scores.iter().map(|&i| i as usize).collect()))
        .collect()
}

/// The levels compared for one group: the units as stored (`frame`, or `clip` for a clip
/// detector) and the video level, whose units are made from them with `aggregation` (as the
/// report makes them); in DeepfakeBench mode a clip detector's video level is its clip level,
/// so it is not compared twice.
fn compared_levels(
    records: &[&PredictionRecord],
    aggregation: VideoAggregation,
) -> Vec<(&'static str, Vec<PredictionRecord>)> {
    let clips = records.iter().any(|r| r.clip_index.is_some());
    let first = if clips { LEVEL_CLIP } else { LEVEL_FRAME };
    let mut out = vec![(first, records.iter().map(|r| (*r).clone()).collect())];
    if clips && aggregation == VideoAggregation::DfbClip {
        return out;
    }
    if let Some(videos) = video_records(records, aggregation) {
        let level = if clips {
            aggregation.level()
        } else {
            LEVEL_VIDEO
        };
        out.push((level, videos));
    }
    out
}

/// Every cell key of one run's predictions.
pub(super) fn cell_keys(
    predictions: &[PredictionRecord],
    aggregation: VideoAggregation,
) -> Vec<CellKey> {
    let mut keys = Vec::new();
    for (group_key, records) in group(predictions) {
        for (level, units) in compared_levels(&records, aggregation) {
            let refs: Vec<&PredictionRecord> = units.iter().collect();
            let slices = slice_members(&refs);
            keys.extend(
                slices
                    .keys()
                    .map(|slice| cell_key(&group_key, level, slice)),
            );
        }
    }
    keys
}

/// Pairs the two runs' predictions per detector × dataset × perturbation, at each compared
/// level (units paired by path: frame or clip paths, video keys), and slices the pairs.
pub(super) fn pair(
    baseline: &[PredictionRecord],
    candidate: &[PredictionRecord],
    aggregation: VideoAggregation,
) -> Paired {
    let candidate_groups = group(candidate);
    let mut cells = BTreeMap::new();
    let mut unpaired = Vec::new();
    for (group_key, base_records) in group(baseline) {
        // A group the candidate lacks is reported as missing cells, not compared.
        let Some(candidate_records) = candidate_groups.get(&group_key) else {
            continue;
        };
        let candidate_levels: BTreeMap<&str, Vec<PredictionRecord>> =
            compared_levels(candidate_records, aggregation)
                .into_iter()
                .collect();
        for (index, (level, base_units)) in compared_levels(&base_records, aggregation)
            .into_iter()
            .enumerate()
        {
            let Some(candidate_units) = candidate_levels.get(level) else {
                continue;
            };
            let candidate_by_path: BTreeMap<&str, &PredictionRecord> = candidate_units
                .iter()
                .map(|r| (r.rel_path.as_str(), r))
                .collect();
            let pairs: Vec<(&PredictionRecord, &PredictionRecord)> = base_units
                .iter()
                .filter_map(|base| {
                    let cand = candidate_by_path.get(base.rel_path.as_str())?;
                    Some((base, *cand))
                })
                .collect();
            // Unpaired samples are counted once, at the level the runs stored.
            let only_baseline = (base_units.len() - pairs.len()) as u64;
            let only_candidate = (candidate_by_path.len() - pairs.len()) as u64;
            if index == 0 && (only_baseline > 0 || only_candidate > 0) {
                unpaired.push(UnpairedSamples {
                    detector: group_key.0.clone(),
                    dataset: group_key.1.clone(),
                    perturbation: group_key.2.clone(),
                    only_baseline,
                    only_candidate,
                });
            }
            let base_side: Vec<&PredictionRecord> = pairs.iter().map(|p| p.0).collect();
            for (slice, members) in slice_members(&base_side) {
                let mut cell = PairedCell::default();
                for member in members {
                    let (base, cand) = pairs[member];
                    cell.n_pairs += 1;
                    cell.n_pairs_fake += u64::from(base.is_fake());
                    match (usable(base), usable(cand)) {
                        (Some(b), Some(c)) => {
                            cell.baseline.push(b);
                            cell.candidate.push(c);
                            cell.labels.push(base.is_fake());
                        }
                        (b, c) => {
                            cell.failed_baseline += u64::from(b.is_none());
                            cell.failed_candidate += u64::from(c.is_none());
                        }
                    }
                }
                cells.insert(cell_key(&group_key, level, &slice), cell);
            }
        }
    }
    Paired { cells, unpaired }
}
