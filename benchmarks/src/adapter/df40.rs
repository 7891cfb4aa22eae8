//! DF40 folders (REFERENCE §1.8). `root` is the folder that holds `DF40/`, `DF40_train/`,
//! `FaceForensics++/` and `Celeb-DF-v2/` side by side (DeepfakeBench's rgb folder), because the
//! 29 known methods ship fake images only and take their real side from FF++ / Celeb-DF, as the
//! paper does:
//!
//! - `<method>_ff` / `<method>_cdf`: fakes under `DF40/<method>/{ff,cdf}/[frames/]`, where each
//!   sub-folder is a video and a loose image is a still; reals are the FF++ c23 `youtube` videos
//!   of the pair list (`FaceForensics++/test.json`, all videos without it) or the Celeb-DF-v2
//!   real videos of `List_of_testing_videos.txt` (all real videos without it).
//! - `FSAll_*`, `FRAll_*`, `EFSAll_*`: the union of a category's methods in one domain.
//! - the unknown sets (`heygen`, `whichisreal`, `MidJourney`, `stargan`, `starganv2`,
//!   `styleclip`, `e4e`, `CollabDiff`, and the paper's `deepfacelab`, which the release lacks):
//!   `DF40/<folder>/{fake,real}/`.
//!
//! `split` follows the release ([`release`]): `val` reads what `test` reads; `train` reads the
//! fakes of `DF40_train/<method>/ff/` and the FF++ reals of `train.json`; the cdf domain and the
//! unknown sets have no train split. Set names match folder names case-insensitively. DF40's own
//! JSONs (`<m>_ff.json`, …) are read by the `dfb-json` format, with the same result.

use super::walk::media_in;
use super::{AdapterError, DatasetBuilder, Enumerated, Video, relative_path, set_dataset_name};
use crate::sample::Label;
use crate::suite::DatasetSpec;
use std::path::Path;

mod reals;
pub mod release;
use reals::add_domain_reals;
pub use release::split_notes;
use release::{NOT_IN_RELEASE, release_for};

/// Known methods: (folder, category).
pub const KNOWN_METHODS: &[(&str, &str)] = &[
    ("fsgan", "FS"),
    ("faceswap", "FS"),
    ("simswap", "FS"),
    ("inswap", "FS"),
    ("blendface", "FS"),
    ("uniface", "FS"),
    ("mobileswap", "FS"),
    ("e4s", "FS"),
    ("facedancer", "FS"),
    ("fomm", "FR"),
    ("facevid2vid", "FR"),
    ("wav2lip", "FR"),
    ("MRAA", "FR"),
    ("one_shot_free", "FR"),
    ("pirender", "FR"),
    ("tpsm", "FR"),
    ("lia", "FR"),
    ("danet", "FR"),
    ("sadtalker", "FR"),
    ("mcnet", "FR"),
    ("VQGAN", "EFS"),
    ("StyleGAN2", "EFS"),
    ("StyleGAN3", "EFS"),
    ("StyleGANXL", "EFS"),
    ("sd2.1", "EFS"),
    ("ddim", "EFS"),
    ("PixArt", "EFS"),
    ("DiT", "EFS"),
    ("SiT", "EFS"),
];

/// Unknown sets: (test name, folder under `DF40/`).
pub const UNKNOWN_SETS: &[(&str, &str)] = &[
    ("deepfacelab", "deepfacelab"),
    ("heygen", "heygen"),
    ("whichisreal", "whichfaceisreal"),
    ("MidJourney", "MidJourney"),
    ("stargan", "stargan"),
    ("starganv2", "starganv2"),
    ("styleclip", "styleclip"),
    ("e4e", "e4e"),
    ("CollabDiff", "CollabDiff"),
];

/// Categories with an `<CAT>All_<domain>` set.
pub const CATEGORIES: &[&str] = &["FS", "FR", "EFS"];

pub fn enumerate(spec: &DatasetSpec, root: &Path) -> Result<Vec<Enumerated>, AdapterError> {
    let mut datasets = Vec::new();
    for set in &spec.sets {
        let name = set_dataset_name(&spec.name, set);
        let mut builder =
            DatasetBuilder::new(&name, root, spec.frame_selection(), spec.legacy_video_key);
        if let Some((_, folder)) = UNKNOWN_SETS
            .iter()
            .find(|(test, _)| test.eq_ignore_ascii_case(set))
        {
            release_for(spec, &name, set, None)?;
            add_unknown_set(spec, root, set, folder, &mut builder)?;
        } else {
            let (methods, domain) = known_methods(spec, set)?;
            let release = release_for(spec, &name, set, Some(domain))?;
            for method in methods {
                let fakes = Fakes {
                    set,
                    method,
                    domain,
                    tree: release.fakes,
                };
                add_known_fakes(spec, root, &fakes, &mut builder)?;
            }
            add_domain_reals(spec, root, set, domain, release.ffpp_pairs, &mut builder)?;
        }
        datasets.push(builder.finish()?);
    }
    Ok(datasets)
}

/// The methods and domain of a known-method or category set.
fn known_methods(
    spec: &DatasetSpec,
    set: &str,
) -> Result<(Vec<&'static str>, &'static str), AdapterError> {
    let unknown = || AdapterError::UnknownSet {
        dataset: spec.name.clone(),
        set: set.to_string(),
        known: format!(
            "<method>_ff, <method>_cdf for {}; {{{}}}All_ff / _cdf; {}",
            KNOWN_METHODS
                .iter()
                .map(|(m, _)| *m)
                .collect::<Vec<_>>()
                .join(", "),
            CATEGORIES.join(","),
            UNKNOWN_SETS
                .iter()
                .map(|(s, _)| *s)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let (prefix, domain) = match set.rsplit_once('_') {
        Some((prefix, "ff")) => (prefix, "ff"),
        Some((prefix, "cdf")) => (prefix, "cdf"),
        _ => return Err(unknown()),
    };
    if let Some(category) = prefix.strip_suffix("All")
        && CATEGORIES.contains(&category)
    {
        let methods = KNOWN_METHODS
            .iter()
            .filter(|(_, cat)| *cat == category)
            .map(|(method, _)| *method)
            .collect();
        return Ok((methods, domain));
    }
    KNOWN_METHODS
        .iter()
        .find(|(method, _)| method.eq_ignore_ascii_case(prefix))
        .map(|(method, _)| (vec![*method], domain))
        .ok_or_else(unknown)
}

fn missing(dataset: &str, what: String, path: std::path::PathBuf, hint: &str) -> AdapterError {
    AdapterError::MissingLayout {
        dataset: dataset.to_string(),
        what,
        path,
        hint: hint.to_string(),
    }
}

/// Adds every video and still of `dir` with the given labelling.
fn add_media(
    spec: &DatasetSpec,
    root: &Path,
    dir: &Path,
    template: &Video,
    builder: &mut DatasetBuilder,
) -> Result<(), AdapterError> {
    let media = media_in(&spec.name, dir, builder.inventory())?;
    for (video, files) in media.videos {
        let frames = files
            .iter()
            .map(|file| relative_path(&spec.name, root, file))
            .collect::<Result<Vec<_>, _>>()?;
        builder.add(Video {
            name: Some(video),
            frames,
            ..template.clone()
        })?;
    }
    for still in media.stills {
        builder.add(Video {
            name: None,
            frames: vec![relative_path(&spec.name, root, &still)?],
            ..template.clone()
        })?;
    }
    Ok(())
}

/// The fakes of one method in one set: `<tree>/<method>/<domain>/`.
struct Fakes<'a> {
    set: &'a str,
    method: &'a str,
    domain: &'a str,
    /// `DF40` (test, val) or `DF40_train` (train).
    tree: &'a str,
}

fn add_known_fakes(
    spec: &DatasetSpec,
    root: &Path,
    fakes: &Fakes<'_>,
    builder: &mut DatasetBuilder,
) -> Result<(), AdapterError> {
    let Fakes {
        set,
        method,
        domain,
        tree,
    } = *fakes;
    let base = root.join(tree).join(method).join(domain);
    if !base.is_dir() {
        let hint = if tree == "DF40_train" {
            "split = \"train\" reads DF40's training download DF40_train/ (FF domain) beside DF40/ under `root`: download it, or use split = \"test\""
        } else {
            "`root` must hold DF40/, FaceForensics++/ and Celeb-DF-v2/; DF40 releases miss some methods (DF40#13, #39): download them or drop the set"
        };
        return Err(missing(
            builder.name(),
            format!("{tree} folder of method `{method}` ({domain} domain)"),
            base,
            hint,
        ));
    }
    let frames = base.join("frames");
    let dir = if frames.is_dir() { frames } else { base };
    let template = Video {
        subset: set.to_string(),
        label_group: format!("{method}_Fake"),
        method: method.to_string(),
        label: Label::Fake,
        split: spec.split_name().to_string(),
        compression: if domain == "ff" { "c23" } else { "raw" }.to_string(),
        name: None,
        frames: Vec::new(),
    };
    add_media(spec, root, &dir, &template, builder)
}

fn add_unknown_set(
    spec: &DatasetSpec,
    root: &Path,
    set: &str,
    folder: &str,
    builder: &mut DatasetBuilder,
) -> Result<(), AdapterError> {
    for (side, label) in [("fake", Label::Fake), ("real", Label::Real)] {
        let dir = root.join("DF40").join(folder).join(side);
        if !dir.is_dir() {
            let hint = if NOT_IN_RELEASE.iter().any(|s| s.eq_ignore_ascii_case(set)) {
                format!(
                    "`{set}` is named by the DF40 paper but is not in the DF40 release (REFERENCE §1.8), so no download has it: mark it absent in the suite, absent = {{ {set} = \"not in the DF40 release\" }}, or drop it from `sets`"
                )
            } else {
                "unknown DF40 sets ship their own real/ and fake/ folders under DF40/<set>/"
                    .to_string()
            };
            return Err(missing(
                builder.name(),
                format!("`{side}` folder of unknown set `{set}`"),
                dir,
                &hint,
            ));
        }
        let suffix = if label == Label::Real { "Real" } else { "Fake" };
        let template = Video {
            subset: set.to_string(),
            label_group: format!("{set}_{suffix}"),
            method: if label == Label::Real { "real" } else { set }.to_string(),
            label,
            split: spec.split_name().to_string(),
            compression: "raw".to_string(),
            name: None,
            frames: Vec::new(),
        };
        add_media(spec, root, &dir, &template, builder)?;
    }
    Ok(())
}
