//! What a release publishes about its own files: samples it lists as broken (recorded
//! exclusions: they stay in the dataset, are scored, and fail typed when they do not decode;
//! never dropped unseen) and published checksums, which `dfbench datasets check` verifies.

use std::fmt::Write as _;
use std::path::PathBuf;

/// A sample the release lists as broken, and which list says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclusion {
    /// The sample's path relative to the dataset root (as in [`crate::Sample::rel_path`]).
    pub rel_path: String,
    /// e.g. "listed in corrupted_files/imagenet_glide.txt (GenImage's corrupted files)".
    pub reason: String,
}

/// One published checksum of a file under the dataset root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedChecksum {
    /// The file, absolute.
    pub path: PathBuf,
    /// Lower-case hex MD5, as published.
    pub md5: String,
    /// Where it was published, e.g. `checksums.csv line 12`.
    pub source: String,
}

/// A release's integrity data for one stored dataset; empty for layouts without any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Integrity {
    pub exclusions: Vec<Exclusion>,
    /// Checksums of files present under the root (samples or release files such as archives).
    pub checksums: Vec<PublishedChecksum>,
    /// Checksummed files not present (e.g. archive parts removed after extraction).
    pub checksums_absent: usize,
}

/// A file whose MD5 is not the published one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecksumMismatch {
    pub path: PathBuf,
    pub expected: String,
    /// The file's MD5, or why it could not be read.
    pub found: String,
    pub source: String,
}

impl Integrity {
    pub fn is_empty(&self) -> bool {
        self.exclusions.is_empty() && self.checksums.is_empty() && self.checksums_absent == 0
    }

    /// Hashes every checksummed file (in parallel) and returns those that differ.
    pub fn verify(&self) -> Vec<ChecksumMismatch> {
        use rayon::prelude::*;
        let mut mismatches: Vec<ChecksumMismatch> = self
            .checksums
            .par_iter()
            .filter_map(|published| {
                let found = match md5_of(&published.path) {
                    Ok(found) if found == published.md5 => return None,
                    Ok(found) => found,
                    Err(error) => format!("unreadable: {error}"),
                };
                Some(ChecksumMismatch {
                    path: published.path.clone(),
                    expected: published.md5.clone(),
                    found,
                    source: published.source.clone(),
                })
            })
            .collect();
        mismatches.sort_by(|a, b| a.path.cmp(&b.path));
        mismatches
    }
}

impl ChecksumMismatch {
    /// One line, the path shown relative to `root` when it is under it.
    pub fn render(&self, root: &std::path::Path) -> String {
        let mut out = String::new();
        let _ = write!(
            out,
            "{}: MD5 {} but {} publishes {}",
            self.path.strip_prefix(root).unwrap_or(&self.path).display(),
            self.found,
            self.source,
            self.expected
        );
        out
    }
}

/// Lower-case hex MD5 of a file, read in blocks.
pub fn md5_of(path: &std::path::Path) -> std::io::Result<String> {
    use md5::Digest;
    let mut hasher = md5::Md5::new();
    crate::content::read_blocks(path, |block| hasher.update(block))?;
    Ok(hex::encode(hasher.finalize()))
}
