//! Content identity at planning: every planned file gets the BLAKE3 hash of its bytes, which
//! predictions are reused on. A file whose size and mtime equal what the store saw last time
//! keeps its stored hash without being read; the others (and every file with `hash_all`, the
//! `--hash-contents` option) are read and hashed, in parallel.
//!
//! A file whose release publishes an MD5 (`Sample::published_md5`) is verified in the same read:
//! one that does not match becomes a planned `checksum_mismatch` failure, and its content is not
//! stored, so every later plan reads and verifies it again until it is replaced. A file read
//! and matched once is not read again while its size and mtime stay (`--hash-contents`
//! re-verifies every file).

use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::content::{FileStamp, content_hash, content_hash_and_md5, stamp};
use dfbench_store::{FileContent, PlannedSampleFailure, RunPlan, Store, StoreError};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::PathBuf;

/// Fills `plan.contents` (one entry per sample; `None` for a file that cannot be read).
/// `stamps` are what planning already read of each sample's file (in the order of
/// `plan.samples`; `None`, or a shorter list, where it read nothing): only the others are
/// stat'ed here. Returns how many files were read to hash them.
pub async fn identify_contents(
    store: &dyn Store,
    plan: &mut RunPlan,
    stamps: &[Option<FileStamp>],
    hash_all: bool,
) -> Result<u64, StoreError> {
    let roots: HashMap<&str, PathBuf> = plan
        .datasets
        .iter()
        .map(|dataset| (dataset.name.as_str(), PathBuf::from(&dataset.root)))
        .collect();
    let paths: Vec<PathBuf> = plan
        .samples
        .iter()
        .map(|sample| match roots.get(sample.dataset.as_str()) {
            Some(root) => root.join(&sample.rel_path),
            None => PathBuf::from(&sample.rel_path),
        })
        .collect();
    // Planning read most stamps already; a link or a file it did not see is stat'ed here, on
    // the thread pool only when there is any (waking it costs more than an unchanged rerun).
    let restat = |(index, path): (usize, &PathBuf)| match stamps.get(index) {
        Some(Some(read)) => Some(*read),
        _ => stamp(path).ok(),
    };
    let stamps: Vec<Option<FileStamp>> =
        if stamps.len() == paths.len() && stamps.iter().all(Option::is_some) {
            paths.iter().enumerate().map(restat).collect()
        } else {
            tokio::task::block_in_place(|| paths.par_iter().enumerate().map(restat).collect())
        };
    let keys: Vec<String> = paths
        .iter()
        .map(|path| path.display().to_string())
        .collect();
    let known = if hash_all {
        HashMap::new()
    } else {
        store.known_contents(&keys).await?
    };
    // A file whose size and mtime are the stored ones keeps its stored hash; the others are read.
    let mut identified: Vec<Identified> = Vec::with_capacity(keys.len());
    let mut to_read: Vec<usize> = Vec::new();
    for (index, (key, stamp)) in keys.into_iter().zip(&stamps).enumerate() {
        let Some(stamp) = stamp else {
            identified.push(Identified::default());
            continue;
        };
        let size = i64::try_from(stamp.size).unwrap_or(i64::MAX);
        let stored = known
            .get(&key)
            .filter(|content| content.size == size && content.mtime_ns == stamp.mtime_ns)
            .map(|content| content.hash.clone());
        if stored.is_none() {
            to_read.push(index);
        }
        identified.push(Identified {
            read: stored.is_none(),
            content: Some(FileContent {
                stored: stored.is_some(),
                path: key,
                size,
                mtime_ns: stamp.mtime_ns,
                hash: stored.unwrap_or_default(),
            }),
            mismatch: None,
        });
    }
    // Reading is the slow part: in parallel, and only for the files that need it.
    if !to_read.is_empty() {
        let samples = &plan.samples;
        let verified: Vec<(usize, std::io::Result<Verified>)> = tokio::task::block_in_place(|| {
            to_read
                .par_iter()
                .map(|&index| {
                    let published = samples[index].published_md5.as_deref();
                    (index, read_and_verify(&paths[index], published))
                })
                .collect()
        });
        for (index, outcome) in verified {
            let one = &mut identified[index];
            match outcome {
                Ok(Verified::Hash(hash)) => {
                    if let Some(content) = &mut one.content {
                        content.hash = hash;
                    }
                }
                Ok(Verified::Mismatch(message)) => {
                    one.content = None;
                    one.mismatch = Some(message);
                }
                Err(error) => {
                    tracing::warn!(path = %paths[index].display(), %error, "cannot hash a file; the worker will record why it cannot read it");
                    one.content = None;
                }
            }
        }
    }
    let hashed = identified.iter().filter(|one| one.read).count() as u64;
    plan.sample_failures = identified
        .iter()
        .enumerate()
        .filter_map(|(sample, one)| {
            one.mismatch.as_ref().map(|message| PlannedSampleFailure {
                sample,
                kind: FailureKind::ChecksumMismatch,
                message: message.clone(),
            })
        })
        .collect();
    plan.contents = identified.into_iter().map(|one| one.content).collect();
    for shard in &mut plan.shards {
        crate::planner::clips::fill_content_keys(&mut shard.clips, &plan.contents);
    }
    Ok(hashed)
}

/// What identifying one sample's file found.
#[derive(Default)]
struct Identified {
    /// `None` for a file that cannot be read, or whose published checksum does not match.
    content: Option<FileContent>,
    /// Whether the file was read (to hash it).
    read: bool,
    /// Why the file is a planned `checksum_mismatch`.
    mismatch: Option<String>,
}

enum Verified {
    Hash(String),
    Mismatch(String),
}

/// Reads a file to hash it, and checks its MD5 when its release publishes one.
fn read_and_verify(path: &std::path::Path, published: Option<&str>) -> std::io::Result<Verified> {
    let Some(expected) = published else {
        return content_hash(path).map(Verified::Hash);
    };
    let (hash, md5) = content_hash_and_md5(path)?;
    if md5.eq_ignore_ascii_case(expected) {
        return Ok(Verified::Hash(hash));
    }
    Ok(Verified::Mismatch(format!(
        "{}: MD5 {md5} but its release publishes {expected}; re-download or restore the file \
         (`dfbench datasets check` names the checksum file and line)",
        path.display()
    )))
}
