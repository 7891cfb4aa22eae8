//! The real side of DF40's known-method sets: FF++ c23 `youtube` videos of a pair list (`test`,
//! or `train` for the train split; ff domain) and Celeb-DF-v2 real videos of
//! `List_of_testing_videos.txt` (cdf domain, test-only).

use super::missing;
use crate::adapter::ffpp::PairSplit;
use crate::adapter::walk::{media_in, subdir_names};
use crate::adapter::{AdapterError, DatasetBuilder, Video, relative_path};
use crate::sample::Label;
use crate::suite::DatasetSpec;
use std::path::Path;

pub(super) fn add_domain_reals(
    spec: &DatasetSpec,
    root: &Path,
    set: &str,
    domain: &str,
    ffpp_pairs: &str,
    builder: &mut DatasetBuilder,
) -> Result<(), AdapterError> {
    let split = spec.split_name();
    let mut template = Video {
        subset: set.to_string(),
        label_group: String::new(),
        method: "real".to_string(),
        label: Label::Real,
        split: split.to_string(),
        compression: "c23".to_string(),
        name: None,
        frames: Vec::new(),
    };
    let mut folders = Vec::new();
    let mut keep: Option<std::collections::BTreeSet<String>> = None;
    if domain == "ff" {
        template.label_group = "FF-real".to_string();
        let ffpp = root.join("FaceForensics++");
        folders.push(ffpp.join("original_sequences/youtube/c23/frames"));
        if let Some(pairs) = PairSplit::load(builder.name(), &ffpp, ffpp_pairs)? {
            keep = Some(
                subdir_names(builder.name(), &folders[0])?
                    .into_iter()
                    .filter(|video| pairs.contains(video))
                    .collect(),
            );
        }
    } else {
        template.label_group = "CelebDFv2_real".to_string();
        template.compression = "raw".to_string();
        let cdf = root.join("Celeb-DF-v2");
        folders.push(cdf.join("Celeb-real/frames"));
        folders.push(cdf.join("YouTube-real/frames"));
        keep = celeb_df_test_list(builder.name(), &cdf)?;
    }
    for folder in folders {
        if !folder.is_dir() {
            return Err(missing(
                builder.name(),
                format!("real side of the {domain} domain"),
                folder,
                "DF40 takes its reals from FaceForensics++ (ff) and Celeb-DF-v2 (cdf) beside DF40/ under `root`",
            ));
        }
        let name = builder.name().to_string();
        let media = media_in(&name, &folder, builder.inventory())?;
        // Real frames are in video folders; a loose image is not read.
        for still in &media.stills {
            builder
                .inventory()
                .unread(still, crate::adapter::inventory::file_kind(still));
        }
        for (video, files) in media.videos {
            if keep.as_ref().is_some_and(|keep| !keep.contains(&video)) {
                continue;
            }
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
    }
    Ok(())
}

/// Real test videos named by `List_of_testing_videos.txt` (`<flag> <folder>/<name>.mp4`).
fn celeb_df_test_list(
    dataset: &str,
    cdf: &Path,
) -> Result<Option<std::collections::BTreeSet<String>>, AdapterError> {
    let file = cdf.join("List_of_testing_videos.txt");
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(AdapterError::Io {
                dataset: dataset.to_string(),
                path: file,
                source,
            });
        }
    };
    let mut videos = std::collections::BTreeSet::new();
    for line in text.lines().filter(|line| line.contains("real")) {
        let entry = line.split_whitespace().last().unwrap_or_default();
        let stem = entry.rsplit('/').next().unwrap_or(entry);
        videos.insert(stem.trim_end_matches(".mp4").to_string());
    }
    Ok(Some(videos))
}
