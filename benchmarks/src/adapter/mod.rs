//! Dataset adapters: each turns an on-disk layout into sorted samples (REFERENCE §1, §8).
//!
//! | format | layout | module |
//! |---|---|---|
//! | `cnnspot` | `<subset>/[<class>/]{0_real,1_fake}/*` | [`cnnspot`] |
//! | `dfb-json` | DeepfakeBench dataset JSONs + the rgb folder they point into | [`dfb_json`] |
//! | `ffpp` | FaceForensics++ preprocessed folders + official split pair lists | [`ffpp`] |
//! | `df40` | `DF40/<method>/{ff,cdf}`, `DF40/<set>/{fake,real}` + FF++ / Celeb-DF reals | [`df40`] |
//! | `dire` | DiffusionForensics `<tree>/<split>/<domain>/<generator>/` | [`dire`] |
//! | `csv` | a manifest: path, label[, video, method, split, subset] | [`csv_manifest`] |
//! | `genimage` | GenImage `<generator>/{train,val}/{ai,nature}` + its checksum and broken-file lists | [`genimage`] |
//! | `community-forensics` | Community Forensics `<generator>/{real,fake}` | [`community_forensics`] |
//! | `aigibench` | AIGIBench `{train,val,test}/<subset>/{0_real,1_fake}` | [`aigibench`] |
//! | `videos` | raw video files `<label group>/…/<video>.mp4`, one sample per video (a prepare run's input) | [`video_files`] |
//!
//! Formats whose test sets share a real side expand into one dataset per set (`<name>/<set>`).

pub mod aigibench;
pub mod cnnspot;
pub mod community_forensics;
mod confine;
pub mod csv_manifest;
pub mod df40;
pub mod dfb_json;
pub mod dire;
pub mod ffpp;
pub mod frames;
pub mod genimage;
pub mod integrity;
pub mod inventory;
mod json_shape;
mod label_folders;
pub mod labels;
pub mod video_files;
mod videos;
mod walk;

pub use inventory::WalkInventory;
pub(crate) use videos::{DatasetBuilder, Video};
pub(crate) use walk::is_image;

use crate::image_io::DecodeOptions;
use crate::roots::{DataRoots, RootError};
use crate::sample::{FrameReads, Sample};
use crate::suite::{AbsentSet, DatasetSpec};
use std::path::{Path, PathBuf};

/// File extensions the decoder reads.
pub const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg"];

#[derive(Debug, thiserror::Error)]
pub enum AdapterError {
    #[error(
        "dataset `{dataset}`: root {root} does not exist or is not a folder; run `dfbench synth --out DIR` for demo data or fix `root` in the suite"
    )]
    MissingRoot { dataset: String, root: PathBuf },
    #[error("dataset `{dataset}`: cannot read {path}: {source}")]
    Io {
        dataset: String,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "dataset `{dataset}`: no images found under {root} (expected {expected}); check the root and the format"
    )]
    Empty {
        dataset: String,
        root: PathBuf,
        expected: String,
    },
    #[error("dataset `{dataset}`: unknown format `{format}`; use one of {}", crate::suite::DATASET_FORMATS.join(", "))]
    UnknownFormat { dataset: String, format: String },
    #[error("dataset `{dataset}`: path {path} is not valid UTF-8; rename it")]
    NonUtf8Path { dataset: String, path: PathBuf },
    #[error(
        "dataset `{dataset}`: the link {link} leads to {target}, outside {folder}, whose label its images would get; replace the link by the files or point it inside that folder"
    )]
    LinkOutsideFolder {
        dataset: String,
        link: PathBuf,
        target: PathBuf,
        folder: PathBuf,
    },
    #[error(
        "dataset `{dataset}`: the link {link} leads back to {target}, a folder already walked (a symlink cycle, or a second path to the same images); remove the link"
    )]
    SymlinkCycle {
        dataset: String,
        link: PathBuf,
        target: PathBuf,
    },
    #[error(transparent)]
    Root(#[from] RootError),
    #[error(
        "dataset `{dataset}`: {count} listed file(s) lead out of its root {root} through a \
         symlink (or `..`), e.g. {examples}; {hint}"
    )]
    LeavesRoot {
        dataset: String,
        root: PathBuf,
        count: usize,
        examples: String,
        hint: String,
    },
    #[error("dataset `{dataset}`: {file} is not valid JSON: {message}; fix or regenerate the file")]
    JsonSyntax {
        dataset: String,
        file: PathBuf,
        message: String,
    },
    #[error(
        "dataset `{dataset}`: {file} at {json_path}: expected {expected}, found {found}; the DeepfakeBench schema is dataset → label → split → [compression →] video → {{label, frames}}"
    )]
    MalformedJson {
        dataset: String,
        file: PathBuf,
        json_path: String,
        expected: String,
        found: String,
    },
    #[error("dataset `{dataset}`: unknown label name `{label}` in {location}; {hint}")]
    UnknownLabel {
        dataset: String,
        location: String,
        label: String,
        hint: String,
    },
    #[error(
        "dataset `{dataset}`: video `{video}` has frame {frame} whose name is not a number, but `frames = \"first:N\"` (DeepfakeBench order) sorts frames by their numeric names; rename the frames or use \"uniform:N\" / \"all\""
    )]
    NonNumericFrame {
        dataset: String,
        video: String,
        frame: String,
    },
    #[error("dataset `{dataset}`: unknown set `{set}`; known sets: {known}")]
    UnknownSet {
        dataset: String,
        set: String,
        known: String,
    },
    #[error("dataset `{dataset}`: {what} {path} does not exist; {hint}")]
    MissingLayout {
        dataset: String,
        what: String,
        path: PathBuf,
        hint: String,
    },
    #[error("dataset `{dataset}`: set `{set}` has no `{split}` split: {reason}")]
    NoSuchSplit {
        dataset: String,
        set: String,
        split: String,
        reason: String,
    },
    #[error("dataset `{dataset}`: {file}, {location}: {message}")]
    Manifest {
        dataset: String,
        file: PathBuf,
        location: String,
        message: String,
    },
}

/// One dataset enumerated from disk: its samples (sorted by path; for videos the union of the
/// frames image and clip detectors read, each marked [`FrameReads`]), each file's size (0 when
/// missing) and which listed files are missing.
#[derive(Debug, Clone)]
pub struct Enumerated {
    /// Name of the stored dataset: the suite name, or `<name>/<set>` for an expanded set.
    pub name: String,
    pub root: PathBuf,
    pub samples: Vec<Sample>,
    pub sizes: Vec<u64>,
    /// Indices into `samples` of files listed by a manifest but absent on disk.
    pub missing: Vec<usize>,
    /// What the folder walk saw besides the samples: symlinked folders followed, files that are
    /// not images, entries the layout does not read (empty for manifest layouts).
    pub inventory: WalkInventory,
    /// How its images are decoded (the suite entry's `max_pixels` and `exif_orientation`, see
    /// [`DatasetSpec::decode_options`]); the default until [`enumerate`] sets the entry's.
    pub decode: DecodeOptions,
    /// What the release publishes about its files: samples it lists as broken (kept, scored,
    /// listed by `datasets check`) and checksums `datasets check` verifies.
    pub integrity: integrity::Integrity,
    /// Each sample file's size and mtime as the folder walk or the confinement check read
    /// them, by `rel_path` (files that are links or missing are absent): planning identifies
    /// contents from these instead of reading every file's metadata again.
    pub stamps: std::collections::HashMap<String, crate::content::FileStamp>,
    /// The dataset's identity, computed once over its image-read samples (see
    /// [`Enumerated::fingerprint`]).
    fingerprint: String,
}

impl Enumerated {
    pub fn new(
        name: String,
        root: PathBuf,
        samples: Vec<Sample>,
        sizes: Vec<u64>,
        missing: Vec<usize>,
    ) -> Enumerated {
        let image_read: Vec<(Sample, u64)> = samples
            .iter()
            .zip(&sizes)
            .filter(|(sample, _)| sample.reads.image())
            .map(|(sample, size)| (sample.clone(), *size))
            .collect();
        let (image_samples, image_sizes): (Vec<Sample>, Vec<u64>) = image_read.into_iter().unzip();
        let fingerprint = crate::fingerprint::dataset_fingerprint(&image_samples, &image_sizes);
        Enumerated {
            name,
            root,
            samples,
            sizes,
            missing,
            inventory: WalkInventory::default(),
            decode: DecodeOptions::default(),
            integrity: integrity::Integrity::default(),
            stamps: std::collections::HashMap::new(),
            fingerprint,
        }
    }

    /// The same dataset with its release's integrity data; each sample the release publishes a
    /// checksum for carries it (`Sample::published_md5`), for planning to verify.
    pub fn with_integrity(mut self, integrity: integrity::Integrity) -> Enumerated {
        let published: std::collections::HashMap<&Path, &str> = integrity
            .checksums
            .iter()
            .map(|checksum| (checksum.path.as_path(), checksum.md5.as_str()))
            .collect();
        if !published.is_empty() {
            for sample in &mut self.samples {
                let path = self.root.join(&sample.rel_path);
                sample.published_md5 = published.get(path.as_path()).map(|md5| md5.to_string());
            }
        }
        Enumerated { integrity, ..self }
    }

    /// The same dataset with what its folder walk saw.
    pub fn with_inventory(self, inventory: WalkInventory) -> Enumerated {
        Enumerated { inventory, ..self }
    }

    /// The same dataset with the stamps its walk read of files that are not links (the
    /// confinement check then reads only the others).
    pub(crate) fn with_stamps(
        self,
        stamps: std::collections::HashMap<String, crate::content::FileStamp>,
    ) -> Enumerated {
        Enumerated { stamps, ..self }
    }

    /// The dataset fingerprint over the samples image detectors read (exactly the samples a
    /// dataset had before clip detectors existed, so stored runs' predictions stay reusable),
    /// whatever [`Enumerated::keep_readers`] later drops. Decode options other than the
    /// default ([`DecodeOptions::fingerprint_suffix`]) are mixed in: an image decoded with its
    /// EXIF orientation applied is a different input, so reuse (keyed on this fingerprint)
    /// never hands one decode's predictions to another.
    pub fn fingerprint(&self) -> String {
        let suffix = self.decode.fingerprint_suffix();
        if suffix.is_empty() {
            self.fingerprint.clone()
        } else {
            crate::fingerprint::sha256_hex(format!("{}{suffix}", self.fingerprint).as_bytes())
        }
    }

    /// The same dataset decoded under `decode`.
    pub fn with_decode(self, decode: DecodeOptions) -> Enumerated {
        Enumerated { decode, ..self }
    }

    /// Keeps only the samples a run with image detectors (`image`) and clip detectors (`clip`)
    /// reads: without clip detectors the clip-only frames go, without image detectors the
    /// image-only ones. The fingerprint stays the dataset's.
    pub fn keep_readers(self, image: bool, clip: bool) -> Enumerated {
        let kept = |reads: FrameReads| (image && reads.image()) || (clip && reads.clip());
        if self.samples.iter().all(|sample| kept(sample.reads)) {
            return self;
        }
        let missing: std::collections::BTreeSet<usize> = self.missing.iter().copied().collect();
        let (mut samples, mut sizes, mut new_missing) = (Vec::new(), Vec::new(), Vec::new());
        for (index, (sample, size)) in self.samples.into_iter().zip(self.sizes).enumerate() {
            if !kept(sample.reads) {
                continue;
            }
            if missing.contains(&index) {
                new_missing.push(samples.len());
            }
            samples.push(sample);
            sizes.push(size);
        }
        Enumerated {
            samples,
            sizes,
            missing: new_missing,
            ..self
        }
    }
}

/// Everything one `[[datasets]]` entry produced.
#[derive(Debug, Clone)]
pub struct SpecEnumeration {
    pub datasets: Vec<Enumerated>,
    /// Label-map problems found while reading (e.g. a `label_map` entry no label uses).
    pub label_problems: Vec<String>,
    /// Sets the suite marks `absent`: not read, reported with their reason.
    pub absent: Vec<AbsentSet>,
    /// What a reader should know about how the data was read (not problems), e.g. that DF40's
    /// val split is its test split.
    pub notes: Vec<String>,
}

/// Enumerates one dataset entry of a suite with the adapter its `format` names. Sets marked
/// `absent` are left out (and listed in [`SpecEnumeration::absent`]) before the adapter runs.
pub fn enumerate(spec: &DatasetSpec, roots: &DataRoots) -> Result<SpecEnumeration, AdapterError> {
    let mut enumeration = enumerate_sets(spec, roots)?;
    for dataset in &mut enumeration.datasets {
        let read = confine::check_samples(spec, dataset, roots.serve.as_ref())?;
        dataset.stamps.extend(read);
    }
    let decode = spec.decode_options();
    enumeration.datasets = enumeration
        .datasets
        .into_iter()
        .map(|dataset| dataset.with_decode(decode))
        .collect();
    Ok(enumeration)
}

fn enumerate_sets(spec: &DatasetSpec, roots: &DataRoots) -> Result<SpecEnumeration, AdapterError> {
    let absent = spec.absent_sets();
    if absent.is_empty() {
        return enumerate_present(spec, roots);
    }
    let present = DatasetSpec {
        sets: spec.present_sets(),
        ..spec.clone()
    };
    // Every set absent: nothing to read (an empty `sets` would mean "the default sets").
    let mut enumeration = if present.sets.is_empty() {
        no_problems(Vec::new())
    } else {
        enumerate_present(&present, roots)?
    };
    enumeration.absent = absent;
    Ok(enumeration)
}

fn enumerate_present(
    spec: &DatasetSpec,
    roots: &DataRoots,
) -> Result<SpecEnumeration, AdapterError> {
    let root_text = spec.root.to_string_lossy();
    let root = roots.resolve(&spec.name, "root", &root_text)?;
    if !root.is_dir() {
        return Err(AdapterError::MissingRoot {
            dataset: spec.name.clone(),
            root,
        });
    }
    let single = |enumerated: Enumerated| no_problems(vec![enumerated]);
    match spec.format.as_str() {
        "cnnspot" => cnnspot::enumerate(&spec.name, &root).map(single),
        "dfb-json" => dfb_json::enumerate(spec, &root, roots),
        "ffpp" => ffpp::enumerate(spec, &root).map(no_problems),
        "df40" => df40::enumerate(spec, &root).map(|datasets| SpecEnumeration {
            notes: df40::split_notes(spec),
            ..no_problems(datasets)
        }),
        "dire" => dire::enumerate(spec, &root).map(no_problems),
        "csv" => csv_manifest::enumerate(spec, &root, roots),
        "genimage" => genimage::enumerate(spec, &root).map(no_problems),
        "community-forensics" => community_forensics::enumerate(spec, &root).map(no_problems),
        "aigibench" => aigibench::enumerate(spec, &root).map(no_problems),
        "videos" => video_files::enumerate(spec, &root),
        other => Err(AdapterError::UnknownFormat {
            dataset: spec.name.clone(),
            format: other.to_string(),
        }),
    }
}

pub(crate) fn no_problems(datasets: Vec<Enumerated>) -> SpecEnumeration {
    SpecEnumeration {
        datasets,
        label_problems: Vec::new(),
        absent: Vec::new(),
        notes: Vec::new(),
    }
}

/// `label_map` entries no label of the data used: most likely a typo in the suite.
pub(crate) fn unused_label_map_entries(
    spec: &DatasetSpec,
    used: &std::collections::BTreeSet<String>,
) -> Vec<String> {
    spec.label_map
        .keys()
        .filter(|name| !used.contains(*name))
        .map(|name| {
            format!(
                "dataset `{}`: label_map entry `{name}` matches no label in the data; check its spelling",
                spec.name
            )
        })
        .collect()
}

/// The stored name of set `set` of dataset entry `name`.
pub(crate) fn set_dataset_name(name: &str, set: &str) -> String {
    format!("{name}/{set}")
}

/// A path relative to `root` with `/` separators, or the error that names it.
pub(crate) fn relative_path(
    dataset: &str,
    root: &Path,
    path: &Path,
) -> Result<String, AdapterError> {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative
        .to_str()
        .map(|text| text.replace('\\', "/"))
        .ok_or_else(|| AdapterError::NonUtf8Path {
            dataset: dataset.to_string(),
            path: path.to_path_buf(),
        })
}
