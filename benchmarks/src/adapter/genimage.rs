//! GenImage (REFERENCE §1.12; GenImage-Dataset/GenImage `Readme.md`): one folder per generator,
//! `<generator>/{train,val}/{ai,nature}` — `ai` fake, `nature` real (ImageNet). The archives
//! unzip to a subset folder named like `imagenet_ai_0419_biggan`, `imagenet_midjourney`; a
//! generator folder holding exactly one such folder (`BigGAN/imagenet_ai_0419_biggan/val/…`) is
//! read through it. Each generator is its own dataset `<name>/<generator>` (`subset` and the
//! fakes' `method` = the generator); `split` defaults to `val`, the split GenImage tests on.
//!
//! Integrity files (read from the repository's history, commits b70f45a, 9eda612, de6313b of
//! June 2025; the current tree no longer carries them): copy the repository's `data/` folder
//! contents into the dataset root, beside the generator folders.
//! - `checksums.csv`: header `md5Checksum,originalFilename`, both fields double-quoted, one MD5
//!   per *archive part* (`"c874…","imagenet_ai_0508_adm.z05"`), not per image. A row is checked
//!   when its file is present at `<root>/<file>` or `<root>/<generator>/<file>` (the upstream
//!   script also accepts a Google-Drive `-NNN` suffix before the extension; dfbench does not);
//!   a row naming a path under a subset (`./<subset>/<split>/<ai|nature>/<file>`) checks that
//!   image. Absent archives are counted, not an error (they are removed after unzipping).
//! - `corrupted_files/<subset>.txt` and `improper_png_header/<subset>.txt`: one path a line,
//!   `./<subset>/<split>/<ai|nature>/<file>` (the improper-header list writes `./data/<subset>/…`).
//!   The improper-header files are zero-sized PNGs; the later commit moved them into
//!   `corrupted_files`. Listed images stay in the dataset as recorded exclusions with their list
//!   as the reason: `datasets check` lists them, and a run scores them, recording the typed
//!   failure their decode gives (`decode_error`, `truncated_image`), never a silent drop.
//!
//! Lists are matched by the subset folder name they use, so name the generator folder (or the
//! one folder inside it) as the archive does.

mod release;

use super::label_folders::{self, LabelFolders};
use super::{AdapterError, Enumerated};
use crate::suite::DatasetSpec;
use std::path::{Path, PathBuf};

pub(crate) use release::ReleaseFiles;

const FOLDERS: LabelFolders = LabelFolders {
    layout: "GenImage",
    real: "nature",
    fake: "ai",
    both_required: true,
};

/// Names at the root that are the release's integrity files, not generators.
pub(crate) const RESERVED: &[&str] = &[release::CORRUPTED_DIR, release::IMPROPER_DIR];

pub fn enumerate(spec: &DatasetSpec, root: &Path) -> Result<Vec<Enumerated>, AdapterError> {
    let split = spec.split.as_deref().unwrap_or("val");
    let release = ReleaseFiles::read(&spec.name, root)?;
    let mut datasets = Vec::new();
    for set in label_folders::set_names(spec, root, RESERVED)? {
        let generator = label_folders::set_dir(spec, root, &set, RESERVED)?;
        let (subset, split_dir) = split_dir(spec, &generator, split)?;
        let dataset = label_folders::read_set(spec, root, &set, &split_dir, split, FOLDERS)?;
        let integrity = release.integrity(root, &set, &subset, &split_dir, split, &dataset);
        datasets.push(dataset.with_integrity(integrity));
    }
    Ok(datasets)
}

/// The subset name the release's lists use for this generator folder, and its `<split>` folder:
/// `<generator>/<split>` (subset = the generator folder's name) or
/// `<generator>/<subset>/<split>` when the generator folder holds one subset folder.
fn split_dir(
    spec: &DatasetSpec,
    generator: &Path,
    split: &str,
) -> Result<(String, PathBuf), AdapterError> {
    let name_of = |path: &Path| {
        path.file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default()
            .to_string()
    };
    if generator.join(split).is_dir() {
        return Ok((name_of(generator), generator.join(split)));
    }
    let inner: Vec<String> = super::walk::subdir_names(&spec.name, generator)?;
    if let [only] = inner.as_slice()
        && generator.join(only).join(split).is_dir()
    {
        return Ok((only.clone(), generator.join(only).join(split)));
    }
    Err(AdapterError::MissingLayout {
        dataset: spec.name.clone(),
        what: "GenImage split folder".to_string(),
        path: generator.join(split),
        hint: format!(
            "a generator folder holds {split}/ai and {split}/nature, directly or inside its one subset folder (e.g. imagenet_ai_0419_biggan/{split}); check `root`, `split` and `sets`"
        ),
    })
}
