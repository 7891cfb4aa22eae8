//! Dataset checks: what `dfbench datasets check` prints and what the planner enforces before a
//! run starts. Counts per split × label × method, listed files that are missing, duplicate
//! paths, the frame order each video uses, and (optionally, it reads every file) images that do
//! not decode.

use crate::adapter::integrity::{ChecksumMismatch, Integrity};
use crate::adapter::inventory::{Tally, file_kind};
use crate::adapter::{Enumerated, IMAGE_EXTENSIONS, WalkInventory};
use crate::image_io::decode_rgb_with;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;

mod frame_order;
mod integrity;
pub use frame_order::{FrameOrderSummary, MixedVideo};

/// How many paths of each problem list are printed.
const SHOWN: usize = 20;

/// The result of checking one enumerated dataset.
#[derive(Debug, Clone)]
pub struct DatasetCheck {
    pub dataset: String,
    pub root: PathBuf,
    pub fingerprint: String,
    pub samples: usize,
    pub videos: usize,
    /// (split, label, method) → samples.
    pub counts: BTreeMap<(String, String, String), usize>,
    /// Listed paths absent on disk.
    pub missing: Vec<String>,
    /// Paths listed more than once.
    pub duplicates: Vec<String>,
    /// (path, reason) of present files that do not decode; empty unless decoding was asked for.
    pub unreadable: Vec<(String, String)>,
    /// Whether images were decoded.
    pub decoded: bool,
    /// What they are decoded under (the dataset's `max_pixels` and `exif_orientation`).
    pub decode_options: crate::image_io::DecodeOptions,
    /// Which frame order the videos use (integer stem, path string, or a mix).
    pub frame_order: FrameOrderSummary,
    /// Listed files that are not PNG/JPEG (by extension): each is scored as a failed prediction
    /// (`unsupported_format` for `.webp`, `.gif`, …).
    pub not_decodable: Tally,
    /// What the folder walk saw besides the samples (see [`WalkInventory`]).
    pub inventory: WalkInventory,
    /// The release's integrity data (see [`Integrity`]) and, when files were read, the files
    /// whose MD5 is not the published one.
    pub integrity: Integrity,
    pub checksum_mismatches: Vec<ChecksumMismatch>,
}

impl DatasetCheck {
    /// Checks `enumerated`; with `decode`, every present image is decoded and every file with a
    /// published checksum hashed (in parallel).
    pub fn run(enumerated: &Enumerated, decode: bool) -> DatasetCheck {
        let mut counts = BTreeMap::new();
        let mut videos = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut duplicates = BTreeSet::new();
        let mut not_decodable = Tally::default();
        for sample in &enumerated.samples {
            let path = std::path::Path::new(&sample.rel_path);
            let decodable = path
                .extension()
                .and_then(|extension| extension.to_str())
                .is_some_and(|extension| {
                    IMAGE_EXTENSIONS.contains(&extension.to_ascii_lowercase().as_str())
                });
            if !decodable {
                not_decodable.add(path, Some(file_kind(path)));
            }
            let key = (
                sample.split.clone(),
                sample.label.to_string(),
                sample.method.clone(),
            );
            *counts.entry(key).or_insert(0) += 1;
            videos.insert(sample.video_key.as_str());
            if !seen.insert(sample.rel_path.as_str()) {
                duplicates.insert(sample.rel_path.clone());
            }
        }
        let missing_set: BTreeSet<usize> = enumerated.missing.iter().copied().collect();
        let missing = enumerated
            .missing
            .iter()
            .map(|&index| enumerated.samples[index].rel_path.clone())
            .collect();
        let mut unreadable = Vec::new();
        if decode {
            unreadable = enumerated
                .samples
                .par_iter()
                .enumerate()
                .filter(|(index, _)| !missing_set.contains(index))
                .filter_map(|(_, sample)| {
                    decode_rgb_with(&enumerated.root.join(&sample.rel_path), enumerated.decode)
                        .err()
                        .map(|error| {
                            (
                                sample.rel_path.clone(),
                                format!("{}: {error}", error.kind()),
                            )
                        })
                })
                .collect();
            unreadable.sort();
            unreadable.dedup();
        }
        DatasetCheck {
            dataset: enumerated.name.clone(),
            root: enumerated.root.clone(),
            fingerprint: enumerated.fingerprint(),
            samples: enumerated.samples.len(),
            videos: videos.len(),
            counts,
            missing,
            duplicates: duplicates.into_iter().collect(),
            unreadable,
            decoded: decode,
            decode_options: enumerated.decode,
            frame_order: FrameOrderSummary::of(&enumerated.samples),
            not_decodable,
            inventory: enumerated.inventory.clone(),
            integrity: enumerated.integrity.clone(),
            checksum_mismatches: if decode {
                enumerated.integrity.verify()
            } else {
                Vec::new()
            },
        }
    }

    /// Problems that stop a run: duplicates always, missing files unless `allow_missing`.
    pub fn blocking_problems(&self, allow_missing: bool) -> Vec<String> {
        let mut problems = Vec::new();
        if !self.duplicates.is_empty() {
            problems.push(format!(
                "dataset `{}`: {} path(s) listed more than once (first: {}); remove the duplicates from the manifest or select one split",
                self.dataset,
                self.duplicates.len(),
                self.duplicates[0]
            ));
        }
        if !allow_missing && !self.missing.is_empty() {
            problems.push(format!(
                "dataset `{}`: {} listed file(s) missing under {} (first: {}); run `dfbench datasets check` for the list, fix the data, or pass --allow-missing to score the rest (missing files become failed predictions)",
                self.dataset,
                self.missing.len(),
                self.root.display(),
                self.missing[0]
            ));
        }
        problems
    }

    /// Whether `datasets check` must exit non-zero. Images the release itself lists as broken
    /// (recorded exclusions) do not count when they fail to decode: that is what was published.
    pub fn has_errors(&self) -> bool {
        let excluded: BTreeSet<&str> = self
            .integrity
            .exclusions
            .iter()
            .map(|exclusion| exclusion.rel_path.as_str())
            .collect();
        !self.missing.is_empty()
            || !self.duplicates.is_empty()
            || self
                .unreadable
                .iter()
                .any(|(path, _)| !excluded.contains(path.as_str()))
            || !self.checksum_mismatches.is_empty()
    }

    /// Human-readable report.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Each image is its own one-frame "video"; count videos only where frames share one.
        let videos = if self.videos == self.samples {
            String::new()
        } else {
            format!(", {} videos", self.videos)
        };
        let _ = writeln!(
            out,
            "dataset {}: {} samples{videos}, root {}\n  fingerprint {}",
            self.dataset,
            self.samples,
            self.root.display(),
            self.fingerprint
        );
        let _ = writeln!(out, "  {}", self.frame_order.render());
        let _ = writeln!(
            out,
            "  decoding: exif_orientation {}, max_pixels {}",
            self.decode_options.exif_orientation, self.decode_options.max_pixels
        );
        let _ = writeln!(
            out,
            "  {:<10} {:<6} {:<24} {:>8}",
            "split", "label", "method", "samples"
        );
        for ((split, label, method), count) in &self.counts {
            let _ = writeln!(out, "  {split:<10} {label:<6} {method:<24} {count:>8}");
        }
        let lists: [(&str, Vec<String>); 3] = [
            ("missing files", self.missing.clone()),
            ("duplicate paths", self.duplicates.clone()),
            (
                "unreadable images",
                self.unreadable
                    .iter()
                    .map(|(path, why)| format!("{path}: {why}"))
                    .collect(),
            ),
        ];
        for (what, items) in lists {
            let _ = writeln!(out, "  {what}: {}", items.len());
            for item in items.iter().take(SHOWN) {
                let _ = writeln!(out, "    {item}");
            }
            if items.len() > SHOWN {
                let _ = writeln!(out, "    … and {} more", items.len() - SHOWN);
            }
        }
        if !self.decoded {
            let _ = writeln!(out, "  images not decoded (existence checked only)");
        }
        self.render_integrity(&mut out);
        self.render_inventory(&mut out);
        out
    }

    /// The lines on what is not a sample or not a decodable one: followed links, listed files
    /// that are not PNG/JPEG, files that are not images and entries the layout does not read.
    /// Nothing when there are none (manifest layouts: one line saying what is not counted).
    fn render_inventory(&self, out: &mut String) {
        let canonical = self.root.canonicalize().ok();
        let shown = |path: &std::path::Path| {
            let relative = path.strip_prefix(&self.root).ok().or_else(|| {
                canonical
                    .as_ref()
                    .and_then(|root| path.strip_prefix(root).ok())
            });
            match relative {
                Some(relative) => relative.display().to_string(),
                None => path.display().to_string(),
            }
        };
        let more = |shown: usize, count: usize| {
            if count > shown {
                format!(", and {} more", count - shown)
            } else {
                String::new()
            }
        };
        let inventory = &self.inventory;
        if inventory.links > 0 {
            let links: Vec<String> = inventory
                .first_links
                .iter()
                .map(|(link, target)| format!("{} -> {}", shown(link), shown(target)))
                .collect();
            let _ = writeln!(
                out,
                "  followed {} symlinked folder(s): {}{}",
                inventory.links,
                links.join(", "),
                more(links.len(), inventory.links)
            );
        }
        let tallies = [
            (
                &self.not_decodable,
                "listed file(s) are not PNG/JPEG: each is recorded as a failed prediction (unsupported_format for .webp, .gif, …)",
            ),
            (
                &inventory.not_images,
                "file(s) are not images: not part of the dataset, not scored",
            ),
            (
                &inventory.unread,
                "entries are where this layout reads nothing: not part of the dataset, not scored",
            ),
        ];
        for (tally, what) in tallies {
            if tally.is_empty() {
                continue;
            }
            let first: Vec<String> = tally.first.iter().map(|path| shown(path)).collect();
            let kinds: Vec<String> = tally
                .by_kind
                .iter()
                .map(|(kind, count)| format!("{kind} {count}"))
                .collect();
            let _ = writeln!(
                out,
                "  {} {what}: {}{} (by kind: {})",
                tally.count,
                first.join(", "),
                more(first.len(), tally.count),
                kinds.join(", ")
            );
        }
        if !inventory.walked {
            let _ = writeln!(
                out,
                "  manifest layout: only the files it lists are in the dataset; other files under the root are not read, counted or scored"
            );
        }
    }
}
