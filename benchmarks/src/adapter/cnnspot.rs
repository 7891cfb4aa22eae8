//! CNNSpot-style layout: `<root>/<subset>/[<class>/]{0_real,1_fake}/*` (REFERENCE §1.10).
//! A root that holds `0_real`/`1_fake` directly is one subset named after the dataset.

use super::walk::{Entry, Kind, entries_sorted, followed, skipped_file};
use super::{AdapterError, Enumerated, WalkInventory, is_image};
use crate::content::FileStamp;
use crate::sample::{FrameReads, Label, Sample};
use std::path::Path;

const REAL_DIR: &str = "0_real";
const FAKE_DIR: &str = "1_fake";

pub fn enumerate(dataset: &str, root: &Path) -> Result<Enumerated, AdapterError> {
    let mut files = Vec::new();
    let mut inventory = WalkInventory::walked();
    collect_label_dirs(dataset, root, root, 0, &mut files, &mut inventory)?;
    files.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    if files.is_empty() {
        return Err(AdapterError::Empty {
            dataset: dataset.to_string(),
            root: root.to_path_buf(),
            expected: "<subset>/[<class>/]0_real|1_fake/*.png|jpg".to_string(),
        });
    }
    let mut samples = Vec::with_capacity(files.len());
    let mut sizes = Vec::with_capacity(files.len());
    let mut stamps = std::collections::HashMap::with_capacity(files.len());
    for file in files {
        if let Some(stamp) = file.stamp {
            stamps.insert(file.rel_path.clone(), stamp);
        }
        let subset = file
            .rel_path
            .split('/')
            .next()
            .filter(|first| *first != REAL_DIR && *first != FAKE_DIR)
            .unwrap_or(dataset)
            .to_string();
        let method = match file.label {
            Label::Real => "real".to_string(),
            Label::Fake => subset.clone(),
        };
        let label_group = format!("{subset}/{}", file.label);
        samples.push(Sample {
            dataset: dataset.to_string(),
            video_key: format!("{dataset}/{label_group}/{method}/raw/{}", file.rel_path),
            subset,
            rel_path: file.rel_path,
            label: file.label,
            label_group,
            method,
            split: "test".to_string(),
            compression: "raw".to_string(),
            frame_index: None,
            reads: FrameReads::Both,
            published_md5: None,
        });
        sizes.push(file.size);
    }
    Ok(Enumerated::new(
        dataset.to_string(),
        root.to_path_buf(),
        samples,
        sizes,
        Vec::new(),
    )
    .with_inventory(inventory)
    .with_stamps(stamps))
}

struct FoundFile {
    rel_path: String,
    label: Label,
    size: u64,
    /// A file that is not a link: its `stat` is its `lstat`, kept for the confinement check
    /// and content identification ([`Enumerated::stamps`]).
    stamp: Option<FileStamp>,
}

/// Walks at most three levels (subset, class, label dir) looking for `0_real` / `1_fake`. Files
/// outside the label folders and folders below the third level are recorded, not read.
fn collect_label_dirs(
    dataset: &str,
    root: &Path,
    dir: &Path,
    depth: usize,
    out: &mut Vec<FoundFile>,
    inventory: &mut WalkInventory,
) -> Result<(), AdapterError> {
    for Entry { path, kind, link } in entries_sorted(dataset, dir)? {
        if kind != Kind::Dir {
            skipped_file(inventory, &path, false);
            continue;
        }
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let label = match name {
            REAL_DIR => Some(Label::Real),
            FAKE_DIR => Some(Label::Fake),
            _ => None,
        };
        if link && (label.is_some() || depth < 2) {
            followed(dataset, inventory, &path)?;
        }
        match label {
            Some(label) => collect_images(dataset, root, &path, label, out, inventory)?,
            None if depth < 2 => {
                collect_label_dirs(dataset, root, &path, depth + 1, out, inventory)?
            }
            None => inventory.unread(&path, "folder".to_string()),
        }
    }
    Ok(())
}

fn collect_images(
    dataset: &str,
    root: &Path,
    dir: &Path,
    label: Label,
    out: &mut Vec<FoundFile>,
    inventory: &mut WalkInventory,
) -> Result<(), AdapterError> {
    for Entry { path, kind, link } in entries_sorted(dataset, dir)? {
        match kind {
            Kind::File if is_image(&path) => {}
            Kind::Dir => {
                inventory.unread(&path, "folder".to_string());
                continue;
            }
            _ => {
                skipped_file(inventory, &path, true);
                continue;
            }
        }
        let metadata = std::fs::metadata(&path).map_err(|source| AdapterError::Io {
            dataset: dataset.to_string(),
            path: path.clone(),
            source,
        })?;
        let relative = path.strip_prefix(root).unwrap_or(&path);
        let rel_path = relative
            .to_str()
            .ok_or_else(|| AdapterError::NonUtf8Path {
                dataset: dataset.to_string(),
                path: path.clone(),
            })?
            .replace('\\', "/");
        out.push(FoundFile {
            rel_path,
            label,
            size: metadata.len(),
            stamp: if link {
                None
            } else {
                FileStamp::of(&metadata).ok()
            },
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path) {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, b"x").expect("write");
    }

    #[test]
    fn finds_subsets_classes_and_labels() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        touch(&root.join("progan/car/0_real/a.png"));
        touch(&root.join("progan/car/1_fake/b.PNG"));
        touch(&root.join("adm/0_real/c.jpg"));
        touch(&root.join("adm/1_fake/d.jpeg"));
        touch(&root.join("adm/1_fake/notes.txt"));
        let found = enumerate("demo", root).expect("enumerate");
        let paths: Vec<_> = found.samples.iter().map(|s| s.rel_path.as_str()).collect();
        assert_eq!(
            paths,
            vec![
                "adm/0_real/c.jpg",
                "adm/1_fake/d.jpeg",
                "progan/car/0_real/a.png",
                "progan/car/1_fake/b.PNG"
            ]
        );
        assert_eq!(found.samples[1].method, "adm");
        assert_eq!(found.samples[0].method, "real");
        assert_eq!(found.samples[2].subset, "progan");
        assert_eq!(found.samples[3].label, Label::Fake);
    }

    #[test]
    fn unsupported_images_are_listed_to_fail_typed_and_other_files_are_not() {
        let dir = tempfile::tempdir().expect("tempdir");
        touch(&dir.path().join("0_real/a.png"));
        touch(&dir.path().join("1_fake/b.webp"));
        touch(&dir.path().join("1_fake/c.GIF"));
        touch(&dir.path().join("1_fake/readme.txt"));
        let found = enumerate("odd", dir.path()).expect("enumerate");
        let paths: Vec<_> = found.samples.iter().map(|s| s.rel_path.as_str()).collect();
        assert_eq!(paths, ["0_real/a.png", "1_fake/b.webp", "1_fake/c.GIF"]);
        let inventory = &found.inventory;
        assert!(inventory.walked);
        assert_eq!(inventory.not_images.count, 1);
        assert!(inventory.not_images.first[0].ends_with("1_fake/readme.txt"));
        let error = crate::image_io::decode_rgb(&dir.path().join("1_fake/b.webp"))
            .expect_err("not decoded");
        assert_eq!(error.kind(), crate::FailureKind::UnsupportedFormat);
        assert!(
            error.to_string().contains(".webp images are not supported"),
            "{error}"
        );
    }

    #[test]
    fn links_files_outside_label_folders_and_folders_inside_them_are_recorded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = tempfile::tempdir().expect("tempdir");
        touch(&dir.path().join("adm/0_real/a.png"));
        touch(&dir.path().join("adm/1_fake/b.png"));
        touch(&dir.path().join("adm/1_fake/extra/c.png"));
        touch(&dir.path().join("adm/stray.png"));
        touch(&dir.path().join(".DS_Store"));
        touch(&store.path().join("biggan/1_fake/d.png"));
        std::os::unix::fs::symlink(store.path().join("biggan"), dir.path().join("biggan"))
            .expect("link");
        let found = enumerate("d", dir.path()).expect("enumerate");
        assert_eq!(found.samples.len(), 3);
        let inventory = &found.inventory;
        assert_eq!(inventory.links, 1);
        assert!(inventory.first_links[0].0.ends_with("biggan"));
        assert_eq!(inventory.not_images.by_kind["hidden"], 1);
        assert_eq!(inventory.unread.count, 2, "{inventory:?}");
        assert_eq!(inventory.unread.by_kind["folder"], 1);
        assert_eq!(inventory.unread.by_kind[".png"], 1);
    }

    #[test]
    fn flat_root_is_one_subset_named_after_the_dataset() {
        let dir = tempfile::tempdir().expect("tempdir");
        touch(&dir.path().join("0_real/a.png"));
        touch(&dir.path().join("1_fake/b.png"));
        let found = enumerate("flat", dir.path()).expect("enumerate");
        assert!(found.samples.iter().all(|s| s.subset == "flat"));
    }

    #[test]
    fn empty_dataset_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let error = enumerate("demo", dir.path()).expect_err("empty");
        assert!(error.to_string().contains("no images found"), "{error}");
    }
}
