//! Pairs baseline and candidate predictions by sample and cuts the pairs into the report's
//! slices.
//!
//! Slice membership comes from [`crate::report::slices::levels`], so compare and report can
//! never disagree on what `method=…` contains: each pair is handed to it as a record whose score
//! is the pair's index, and the indices found in a slice are the pairs of that slice. Only the
//! frame level is used (video-level comparison is not implemented).

use std::collections::BTreeMap;

use super::{CellKey, UnpairedSamples};
use crate::model::PredictionRecord;
use crate::report::rows::{GroupKey, group};
use crate::report::slices::levels;

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

fn cell_key(group: &GroupKey, slice: &str) -> CellKey {
    CellKey {
        detector: group.0.clone(),
        dataset: group.1.clone(),
        perturbation: group.2.clone(),
        slice: slice.to_string(),
    }
}

/// Frame-level slices of `records`, each as the indices (into `records`) of its members.
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
    let Some((_, frame)) = levels(&refs).into_iter().next() else {
        return BTreeMap::new();
    };
    frame
        .slices
        .into_iter()
        .map(|(name, data)| (name, data.scores.iter().map(|&i| i as usize).collect()))
        .collect()
}

/// Every cell key of one run's predictions.
pub(super) fn cell_keys(predictions: &[PredictionRecord]) -> Vec<CellKey> {
    let mut keys = Vec::new();
    for (group_key, records) in group(predictions) {
        let slices = slice_members(&records);
        keys.extend(slices.keys().map(|slice| cell_key(&group_key, slice)));
    }
    keys
}

/// Pairs the two runs' predictions per detector × dataset × perturbation and slices the pairs.
pub(super) fn pair(baseline: &[PredictionRecord], candidate: &[PredictionRecord]) -> Paired {
    let candidate_groups = group(candidate);
    let mut cells = BTreeMap::new();
    let mut unpaired = Vec::new();
    for (group_key, base_records) in group(baseline) {
        // A group the candidate lacks is reported as missing cells, not compared.
        let Some(candidate_records) = candidate_groups.get(&group_key) else {
            continue;
        };
        let candidate_by_path: BTreeMap<&str, &PredictionRecord> = candidate_records
            .iter()
            .map(|r| (r.rel_path.as_str(), *r))
            .collect();
        let mut pairs: Vec<(&PredictionRecord, &PredictionRecord)> = Vec::new();
        for base in &base_records {
            if let Some(cand) = candidate_by_path.get(base.rel_path.as_str()) {
                pairs.push((base, cand));
            }
        }
        let only_baseline = (base_records.len() - pairs.len()) as u64;
        let only_candidate = (candidate_by_path.len() - pairs.len()) as u64;
        if only_baseline > 0 || only_candidate > 0 {
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
            for index in members {
                let (base, cand) = pairs[index];
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
            cells.insert(cell_key(&group_key, &slice), cell);
        }
    }
    Paired { cells, unpaired }
}
