//! Content hashes: the dataset fingerprint (hash of the sorted manifest) and text hashes.

use crate::sample::Sample;
use sha2::{Digest, Sha256};

/// sha256 of arbitrary bytes, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Fingerprint of a dataset version: sha256 over the sorted (path, size, label) triples.
/// `sizes` gives the file size for each sample, in the same order as `samples`.
pub fn dataset_fingerprint(samples: &[Sample], sizes: &[u64]) -> String {
    debug_assert_eq!(samples.len(), sizes.len());
    let mut rows: Vec<(&str, u64, i64)> = samples
        .iter()
        .zip(sizes)
        .map(|(sample, size)| (sample.rel_path.as_str(), *size, sample.label.as_i64()))
        .collect();
    rows.sort();
    let mut hasher = Sha256::new();
    for (path, size, label) in rows {
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update(size.to_le_bytes());
        hasher.update(label.to_le_bytes());
    }
    hex::encode(hasher.finalize())
}
