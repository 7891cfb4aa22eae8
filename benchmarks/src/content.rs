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

impl FileStamp {
    /// The stamp a `stat` (or, for a file that is not a link, an `lstat`) read.
    pub fn of(metadata: &std::fs::Metadata) -> io::Result<FileStamp> {
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
}

/// Stats `path` (following links).
pub fn stamp(path: &Path) -> io::Result<FileStamp> {
    FileStamp::of(&std::fs::metadata(path)?)
}

/// BLAKE3 of the file's bytes, lowercase hex.
pub fn content_hash(path: &Path) -> io::Result<String> {
    let mut hasher = blake3::Hasher::new();
    let mut file = std::fs::File::open(path)?;
    hasher.update_reader(&mut file)?;
    Ok(hasher.finalize().to_hex().to_string())
}

/// BLAKE3 of the file's bytes (as [`content_hash`]) and their lowercase hex MD5, from one read:
/// for a file whose release publishes an MD5, verified while its content is identified.
pub fn content_hash_and_md5(path: &Path) -> io::Result<(String, String)> {
    use md5::Digest;
    let mut blake = blake3::Hasher::new();
    let mut md5 = md5::Md5::new();
    read_blocks(path, |block| {
        blake.update(block);
        md5.update(block);
    })?;
    Ok((
        blake.finalize().to_hex().to_string(),
        hex::encode(md5.finalize()),
    ))
}

/// Feeds the file's bytes to `consume`, 64 KiB at a time.
pub(crate) fn read_blocks(path: &Path, mut consume: impl FnMut(&[u8])) -> io::Result<()> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            return Ok(());
        }
        consume(&buffer[..read]);
    }
}

/// The content identity of a clip: BLAKE3 over its frames' content hashes, in frame order.
/// None when a frame's hash is unknown (empty): such a clip is never reused.
pub fn clip_key<'a>(frame_hashes: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut hasher = blake3::Hasher::new();
    let mut frames = 0;
    for hash in frame_hashes {
        if hash.is_empty() {
            return None;
        }
        hasher.update(hash.as_bytes());
        hasher.update(b"\n");
        frames += 1;
    }
    (frames > 0).then(|| hasher.finalize().to_hex().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_read_gives_the_content_hash_and_the_md5() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let (hash, md5) = content_hash_and_md5(&path).unwrap();
        assert_eq!(hash, content_hash(&path).unwrap());
        assert_eq!(md5, crate::adapter::integrity::md5_of(&path).unwrap());
        std::fs::write(&path, b"").unwrap();
        let (_, empty) = content_hash_and_md5(&path).unwrap();
        assert_eq!(empty, "d41d8cd98f00b204e9800998ecf8427e");
    }

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

    #[test]
    fn a_clip_key_follows_every_frame_and_their_order() {
        let key = clip_key(["a", "b"]).expect("known");
        assert_ne!(Some(key.clone()), clip_key(["b", "a"]));
        assert_ne!(Some(key.clone()), clip_key(["a", "c"]));
        assert_eq!(Some(key), clip_key(["a", "b"]));
        assert_eq!(clip_key(["a", ""]), None);
        assert_eq!(clip_key(std::iter::empty()), None);
    }
}
