//! In-memory copies of what never changes once a run is created — its datasets and detectors,
//! and each shard's run, perturbation and samples — so the hot path (acquire, ingest) does not re-read them on every
//! call. The coordinator is the only writer, so these can never be stale; they are dropped when
//! a shard is finished, or with its run when the run is cancelled or failed. A new run's first
//! shards are put in at planning ([`StoreCache::warm_run`]), so leasing them reads nothing.

use crate::model::{DatasetRecord, DetectorRecord, RunPlan, SampleId};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

pub(crate) struct RunMeta {
    pub datasets: Vec<DatasetRecord>,
    pub detectors: Vec<DetectorRecord>,
    pub detector_names: HashSet<String>,
    /// The clip and thumbnail detectors: they report clip outcomes, never per-sample ones.
    pub clip_detectors: HashSet<String>,
}

pub(crate) struct ShardSamples {
    pub run_id: String,
    pub perturbation: String,
    /// (sample id, path relative to the dataset root), by id.
    pub refs: Vec<(SampleId, String)>,
    pub ids: HashSet<i64>,
    /// The samples only clip detectors read: they owe no per-sample prediction.
    pub clip_only: HashSet<i64>,
}

/// Most sample references [`StoreCache::warm_run`] lets the shard cache hold (a few MB).
pub(crate) const WARM_SAMPLES: usize = 65_536;

#[derive(Default)]
pub(crate) struct StoreCache {
    runs: Mutex<HashMap<String, Arc<RunMeta>>>,
    shards: Mutex<HashMap<i64, Arc<ShardSamples>>>,
    fingerprinted: Mutex<HashSet<(String, String)>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl StoreCache {
    pub fn run(&self, run_id: &str) -> Option<Arc<RunMeta>> {
        lock(&self.runs).get(run_id).cloned()
    }

    pub fn put_run(
        &self,
        run_id: &str,
        datasets: Vec<DatasetRecord>,
        detectors: Vec<DetectorRecord>,
    ) -> Arc<RunMeta> {
        let detector_names = detectors
            .iter()
            .map(|detector| detector.name.clone())
            .collect();
        let clip_detectors = detectors
            .iter()
            .filter(|detector| !detector.input.is_image())
            .map(|detector| detector.name.clone())
            .collect();
        let meta = Arc::new(RunMeta {
            datasets,
            detectors,
            detector_names,
            clip_detectors,
        });
        lock(&self.runs).insert(run_id.to_string(), Arc::clone(&meta));
        meta
    }

    pub fn shard(&self, shard_id: i64) -> Option<Arc<ShardSamples>> {
        lock(&self.shards).get(&shard_id).cloned()
    }

    pub fn put_shard(
        &self,
        shard_id: i64,
        run_id: String,
        perturbation: String,
        refs: Vec<(SampleId, String)>,
        clip_only: HashSet<i64>,
    ) -> Arc<ShardSamples> {
        let ids = refs.iter().map(|(id, _)| id.0).collect();
        let samples = Arc::new(ShardSamples {
            run_id,
            perturbation,
            refs,
            ids,
            clip_only,
        });
        lock(&self.shards).insert(shard_id, Arc::clone(&samples));
        samples
    }

    pub fn forget_shard(&self, shard_id: i64) {
        lock(&self.shards).remove(&shard_id);
    }

    /// Drops every cached shard of `run_id` (a cancelled or failed run leases none again).
    pub fn forget_run(&self, run_id: &str) {
        lock(&self.shards).retain(|_, shard| shard.run_id != run_id);
    }

    /// Caches the shards of a just-planned run in lease order (`shard_ids` and `sample_ids` are
    /// the stored ids of `plan.shards` and `plan.samples`), while the whole cache holds at most
    /// [`WARM_SAMPLES`] sample references; later shards are read when leased.
    pub fn warm_run(&self, plan: &RunPlan, shard_ids: &[i64], sample_ids: &[i64]) {
        let cached: usize = lock(&self.shards)
            .values()
            .map(|shard| shard.refs.len())
            .sum();
        let mut budget = WARM_SAMPLES.saturating_sub(cached);
        for (shard, &shard_id) in plan.shards.iter().zip(shard_ids) {
            let Some(rest) = budget.checked_sub(shard.sample_indices.len()) else {
                break;
            };
            budget = rest;
            let mut refs: Vec<(SampleId, String)> = shard
                .sample_indices
                .iter()
                .filter_map(|&index| {
                    Some((
                        SampleId(*sample_ids.get(index)?),
                        plan.samples.get(index)?.rel_path.clone(),
                    ))
                })
                .collect();
            // The order `read_shard_refs!` returns them in.
            refs.sort_by_key(|(id, _)| id.0);
            let clip_only = shard
                .sample_indices
                .iter()
                .filter(|&&index| plan.samples.get(index).is_some_and(|s| !s.reads.image()))
                .filter_map(|&index| sample_ids.get(index).copied())
                .collect();
            self.put_shard(
                shard_id,
                plan.run.id.0.clone(),
                shard.perturbation.clone(),
                refs,
                clip_only,
            );
        }
    }

    /// True the first time (run, detector) is seen: its fingerprint should be recorded.
    pub fn first_fingerprint(&self, run_id: &str, detector: &str) -> bool {
        lock(&self.fingerprinted).insert((run_id.to_string(), detector.to_string()))
    }
}
