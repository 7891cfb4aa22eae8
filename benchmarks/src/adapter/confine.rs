//! Confinement of an enumerated dataset: every listed file must lie, after its symlinks are
//! resolved, inside the dataset's root, unless the suite entry says `follow_symlinks = true`;
//! then it must still lie inside the coordinator's served folders (when it has any). A dataset
//! with files outside is refused as a whole (a dataset error naming how many, the first few
//! and their targets), before any worker reads a byte of them.

use super::{AdapterError, Enumerated};
use crate::content::FileStamp;
use crate::roots::{ServeRoots, canonical};
use crate::suite::DatasetSpec;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Files named in the error, at most.
const EXAMPLES: usize = 3;

/// Checks every sample of `dataset` (one `realpath` per folder, one `lstat` per file the walk
/// did not already see as a file of its own, i.e. not in [`Enumerated::stamps`]). Returns the
/// stamp each such `lstat` read of a file that is not a link, by `rel_path`: what planning
/// identifies its content from without a second `stat`.
pub(crate) fn check_samples(
    spec: &DatasetSpec,
    dataset: &Enumerated,
    serve: Option<&ServeRoots>,
) -> Result<HashMap<String, FileStamp>, AdapterError> {
    let root = canonical(&dataset.root);
    let inside = |resolved: &Path| {
        if spec.follow_symlinks {
            serve.is_none_or(|serve| serve.contains(resolved))
        } else {
            resolved.starts_with(&root)
        }
    };
    let mut folders: HashMap<PathBuf, PathBuf> = HashMap::new();
    let mut outside: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut count = 0;
    let mut stamps = HashMap::with_capacity(dataset.samples.len());
    for sample in &dataset.samples {
        let path = dataset.root.join(&sample.rel_path);
        let known_file = dataset.stamps.contains_key(&sample.rel_path);
        let (resolved, stamp) = resolve(&path, known_file, &mut folders);
        if let Some(stamp) = stamp {
            stamps.insert(sample.rel_path.clone(), stamp);
        }
        if !inside(&resolved) {
            count += 1;
            if outside.len() < EXAMPLES {
                outside.push((path, resolved));
            }
        }
    }
    if count == 0 {
        return Ok(stamps);
    }
    let hint = match (spec.follow_symlinks, serve) {
        (true, Some(serve)) => format!(
            "they are outside the folders this coordinator serves ({}); move the data under \
             one of them, or ask its operator to add a `--serve-root` for it",
            serve.describe()
        ),
        _ => "replace the links by the files, or set `follow_symlinks = true` on this dataset \
              in the suite to read them"
            .to_string(),
    };
    Err(AdapterError::LeavesRoot {
        dataset: dataset.name.clone(),
        root,
        count,
        examples: outside
            .iter()
            .map(|(path, target)| format!("{} → {}", path.display(), target.display()))
            .collect::<Vec<_>>()
            .join(", "),
        hint,
    })
}

/// Where `path` leads: its folder resolved (cached per folder), then the file itself when it
/// is a symlink. A file that is not there resolves as its folder's entry (the worker records
/// it as unreadable). With it, the stamp of a file that is not a link (its `lstat` is its
/// `stat`). A `known_file` (one the walk listed as a file, not a link) is not `lstat`ed again.
fn resolve(
    path: &Path,
    known_file: bool,
    folders: &mut HashMap<PathBuf, PathBuf>,
) -> (PathBuf, Option<FileStamp>) {
    let (Some(folder), Some(name)) = (path.parent(), path.file_name()) else {
        return (canonical(path), None);
    };
    let entry = folders
        .entry(folder.to_path_buf())
        .or_insert_with(|| canonical(folder))
        .join(name);
    if known_file {
        return (entry, None);
    }
    match std::fs::symlink_metadata(&entry) {
        Ok(metadata) if metadata.file_type().is_symlink() => (canonical(&entry), None),
        Ok(metadata) if metadata.is_file() => (entry, FileStamp::of(&metadata).ok()),
        _ => (entry, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::{FrameReads, Label, Sample};
    use std::os::unix::fs::symlink;

    fn dataset(root: &Path, files: &[&str]) -> Enumerated {
        let samples: Vec<Sample> = files
            .iter()
            .map(|file| Sample {
                dataset: "d".to_string(),
                subset: "d".to_string(),
                rel_path: file.to_string(),
                label: Label::Real,
                label_group: "d/real".to_string(),
                method: "real".to_string(),
                split: "test".to_string(),
                compression: "raw".to_string(),
                video_key: file.to_string(),
                frame_index: None,
                reads: FrameReads::Both,
                published_md5: None,
            })
            .collect();
        let sizes = vec![0; samples.len()];
        Enumerated::new(
            "d".to_string(),
            root.to_path_buf(),
            samples,
            sizes,
            Vec::new(),
        )
    }

    #[test]
    fn a_symlinked_file_leaving_the_root_is_refused_unless_followed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (root, elsewhere) = (dir.path().join("root"), dir.path().join("elsewhere"));
        std::fs::create_dir_all(&root).expect("root");
        std::fs::create_dir_all(&elsewhere).expect("elsewhere");
        std::fs::write(root.join("a.png"), b"x").expect("a");
        std::fs::write(elsewhere.join("secret.png"), b"x").expect("secret");
        symlink(elsewhere.join("secret.png"), root.join("b.png")).expect("link");
        let mut spec = DatasetSpec::new("d", "csv", &root);
        let listed = dataset(&root, &["a.png", "b.png"]);
        let message = check_samples(&spec, &listed, None)
            .expect_err("refused")
            .to_string();
        assert!(
            message.contains("1 listed file(s)")
                && message.contains("b.png")
                && message.contains("follow_symlinks = true"),
            "{message}"
        );
        spec.follow_symlinks = true;
        let stamps = check_samples(&spec, &listed, None).expect("followed");
        // The plain file's stamp is its stat's; the link's is left for a stat that follows it.
        let a = crate::content::stamp(&root.join("a.png")).expect("stat a");
        assert_eq!(stamps.get("a.png"), Some(&a));
        assert!(!stamps.contains_key("b.png"), "{stamps:?}");
        let served = ServeRoots::new(std::slice::from_ref(&root)).expect("serve");
        let message = check_samples(&spec, &listed, Some(&served))
            .expect_err("outside the served folders")
            .to_string();
        assert!(message.contains("--serve-root"), "{message}");
    }
}
