//! Content identity at planning: every planned file gets the BLAKE3 hash of its bytes, which
//! predictions are reused on. A file whose size and mtime equal what the store saw last time
//! keeps its stored hash without being read; the others (and every file with `hash_all`, the
//! `--hash-contents` option) are read and hashed, in parallel.

use dfbench_benchmarks::content::{FileStamp, content_hash, stamp};
use dfbench_store::{FileContent, RunPlan, Store, StoreError};
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
    // (content, whether the file was read to hash it)
    let identified: Vec<(Option<FileContent>, bool)> = tokio::task::block_in_place(|| {
        keys.into_par_iter()
            .zip(paths.par_iter())
            .zip(stamps.par_iter())
            .map(|((key, path), stamp)| {
                let Some(stamp) = stamp else {
                    return (None, false);
                };
                let size = i64::try_from(stamp.size).unwrap_or(i64::MAX);
                let unchanged = known
                    .get(&key)
                    .filter(|content| content.size == size && content.mtime_ns == stamp.mtime_ns);
                let (hash, read) = match unchanged {
                    Some(content) => (content.hash.clone(), false),
                    None => match content_hash(path) {
                        Ok(hash) => (hash, true),
                        Err(error) => {
                            tracing::warn!(path = %path.display(), %error, "cannot hash a file; the worker will record why it cannot read it");
                            return (None, true);
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
                (Some(content), read)
            })
            .collect()
    });
    let hashed = identified.iter().filter(|(_, read)| *read).count() as u64;
    plan.contents = identified.into_iter().map(|(content, _)| content).collect();
    for shard in &mut plan.shards {
        crate::planner::clips::fill_content_keys(&mut shard.clips, &plan.contents);
    }
    Ok(hashed)
}
