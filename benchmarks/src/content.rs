//! A file's content identity: its size and modification time, a cheap signal that it may have
//! changed, and the BLAKE3 hash of its bytes, which is what predictions are reused on. A file
//! whose size and mtime are unchanged keeps its stored hash without being read; `--hash-contents`
//! reads every file again (for an edit that restored the mtime).

use std::io;
use std::path::Path;
use std::time::UNIX_EPOCH;

/// What a `stat` says about a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    pub size: u64,
    /// Modification time in nanoseconds since the Unix epoch (negative before it).
    pub mtime_ns: i64,
}

/// Stats `path` (following links).
pub fn stamp(path: &Path) -> io::Result<FileStamp> {
    let metadata = std::fs::metadata(path)?;
    let modified = metadata.modified()?;
    let mtime_ns = match modified.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_nanos()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_nanos()).unwrap_or(i64::MAX),
    };
    Ok(FileStamp {
        size: metadata.len(),
        mtime_ns,
    })
}

/// BLAKE3 of the file's bytes, lowercase hex.
pub fn content_hash(path: &Path) -> io::Result<String> {
    let mut hasher = blake3::Hasher::new();
    let mut file = std::fs::File::open(path)?;
    hasher.update_reader(&mut file)?;
    Ok(hasher.finalize().to_hex().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_follows_the_bytes_not_the_stamp() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.bin");
        std::fs::write(&path, b"abc").expect("write");
        let first = content_hash(&path).expect("hash");
        // BLAKE3("abc"), from the reference implementation's test vectors.
        assert_eq!(
            first,
            "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"
        );
        std::fs::write(&path, b"abd").expect("rewrite");
        assert_ne!(content_hash(&path).expect("hash"), first);
        assert_eq!(stamp(&path).expect("stat").size, 3);
        assert!(stamp(&dir.path().join("missing")).is_err());
    }
}
