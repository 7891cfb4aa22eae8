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
/// Returns how many files were read to hash them.
pub async fn identify_contents(
    store: &dyn Store,
    plan: &mut RunPlan,
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
    let stamps: Vec<Option<FileStamp>> =
        tokio::task::block_in_place(|| paths.par_iter().map(|path| stamp(path).ok()).collect());
    let keys: Vec<String> = paths
        .iter()
        .map(|path| path.display().to_string())
        .collect();
    let known = if hash_all {
        HashMap::new()
    } else {
        store.known_contents(&keys).await?
    };
    let published: Vec<Option<&str>> = plan
        .samples
        .iter()
        .map(|sample| sample.published_md5.as_deref())
        .collect();
    let identified: Vec<Identified> = tokio::task::block_in_place(|| {
        keys.into_par_iter()
            .zip(paths.par_iter())
            .zip(stamps.par_iter())
            .zip(published.par_iter())
            .map(|(((key, path), stamp), published)| {
                let Some(stamp) = stamp else {
                    return Identified::default();
                };
                let size = i64::try_from(stamp.size).unwrap_or(i64::MAX);
                let unchanged = known
                    .get(&key)
                    .filter(|content| content.size == size && content.mtime_ns == stamp.mtime_ns);
                let hash = match unchanged {
                    Some(content) => content.hash.clone(),
                    None => match read_and_verify(path, *published) {
                        Ok(Verified::Hash(hash)) => hash,
                        Ok(Verified::Mismatch(message)) => {
                            return Identified {
                                read: true,
                                mismatch: Some(message),
                                ..Identified::default()
                            };
                        }
                        Err(error) => {
                            tracing::warn!(path = %path.display(), %error, "cannot hash a file; the worker will record why it cannot read it");
                            return Identified {
                                read: true,
                                ..Identified::default()
                            };
                        }
                    },
                };
                let content = FileContent {
                    stored: unchanged.is_some(),
                    path: key,
                    size,
                    mtime_ns: stamp.mtime_ns,
                    hash,
                };
                Identified {
                    read: unchanged.is_none(),
                    content: Some(content),
                    mismatch: None,
                }
            })
            .collect()
    });
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
