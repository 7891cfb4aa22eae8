//! GenImage's integrity files at the dataset root: `checksums.csv` and the
//! `corrupted_files/` and `improper_png_header/` lists (formats in the parent module's docs),
//! turned into one generator's [`Integrity`].

use crate::adapter::integrity::{Exclusion, Integrity, PublishedChecksum};
use crate::adapter::walk::read_dir_sorted;
use crate::adapter::{AdapterError, Enumerated};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

pub(crate) const CHECKSUMS: &str = "checksums.csv";
pub(crate) const CORRUPTED_DIR: &str = "corrupted_files";
pub(crate) const IMPROPER_DIR: &str = "improper_png_header";
const HEADER: [&str; 2] = ["md5Checksum", "originalFilename"];

/// A path as the release writes it, split into the subset folder and the rest
/// (`<split>/<ai|nature>/<file>`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct SubsetPath {
    subset: String,
    rest: String,
}

#[derive(Debug, Clone)]
struct Listed {
    path: SubsetPath,
    reason: String,
}

#[derive(Debug, Clone)]
struct ChecksumRow {
    md5: String,
    /// The published file name with `./` and `data/` removed.
    name: String,
    /// Set when the row names an image under a subset, not an archive part.
    path: Option<SubsetPath>,
    source: String,
}

/// Everything the integrity files at one root say.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReleaseFiles {
    listed: Vec<Listed>,
    checksums: Vec<ChecksumRow>,
}

impl ReleaseFiles {
    /// Reads the files present at `root`; none present is an empty release, not an error. A
    /// line that is not in the published format is an error naming the file and line.
    pub fn read(dataset: &str, root: &Path) -> Result<ReleaseFiles, AdapterError> {
        let mut release = ReleaseFiles::default();
        let checksums = root.join(CHECKSUMS);
        if checksums.is_file() {
            release.checksums = read_checksums(dataset, &checksums)?;
        }
        for (folder, what) in [
            (CORRUPTED_DIR, "GenImage's list of corrupted files"),
            (
                IMPROPER_DIR,
                "GenImage's list of PNGs with an improper (zero-size) header",
            ),
        ] {
            let dir = root.join(folder);
            if !dir.is_dir() {
                continue;
            }
            for file in read_dir_sorted(dataset, &dir)? {
                if file.extension().is_none_or(|extension| extension != "txt") {
                    continue;
                }
                let text = read_text(dataset, &file)?;
                let shown = format!("{folder}/{}", file_name(&file));
                for (number, line) in text.lines().enumerate() {
                    let line = line.trim();
                    if line.is_empty() {
                        continue;
                    }
                    let path = parse_path(line).ok_or_else(|| {
                        format_error(
                            &file,
                            number + 1,
                            line,
                            "./<subset>/<split>/<ai|nature>/<file>",
                        )
                        .with_dataset(dataset)
                    })?;
                    release.listed.push(Listed {
                        path,
                        reason: format!("listed in {shown} line {} ({what})", number + 1),
                    });
                }
            }
        }
        Ok(release)
    }

    /// The integrity data of generator folder `set`, whose lists name it `subset`, read from
    /// `split_dir` (`…/<split>`) into `dataset`.
    pub fn integrity(
        &self,
        root: &Path,
        set: &str,
        subset: &str,
        split_dir: &Path,
        split: &str,
        dataset: &Enumerated,
    ) -> Integrity {
        let samples: HashSet<&str> = dataset
            .samples
            .iter()
            .map(|sample| sample.rel_path.as_str())
            .collect();
        // The file a subset path names in this generator, when it is in the split read.
        let file_of = |path: &SubsetPath| -> Option<PathBuf> {
            let below = path.rest.strip_prefix(split)?.strip_prefix('/')?;
            (path.subset == subset).then(|| split_dir.join(below))
        };
        let sample_of = |file: &Path| -> Option<String> {
            let relative = file.strip_prefix(root).ok()?.to_str()?;
            samples.contains(relative).then(|| relative.to_string())
        };
        let mut integrity = Integrity::default();
        for listed in &self.listed {
            if let Some(rel_path) = file_of(&listed.path).as_deref().and_then(sample_of) {
                integrity.exclusions.push(Exclusion {
                    rel_path,
                    reason: listed.reason.clone(),
                });
            }
        }
        integrity
            .exclusions
            .sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
        for row in &self.checksums {
            let found = match &row.path {
                Some(path) if path.subset == subset => file_of(path).filter(|file| file.is_file()),
                Some(_) => continue,
                None => {
                    let archive_subset = row.name.split('.').next().unwrap_or_default();
                    let beside = root.join(set).join(&row.name);
                    let at_root = root.join(&row.name);
                    if beside.is_file() {
                        Some(beside)
                    } else if archive_subset == subset && at_root.is_file() {
                        Some(at_root)
                    } else if archive_subset == subset {
                        None
                    } else {
                        continue;
                    }
                }
            };
            match found {
                Some(path) => integrity.checksums.push(PublishedChecksum {
                    path,
                    md5: row.md5.clone(),
                    source: row.source.clone(),
                }),
                None => integrity.checksums_absent += 1,
            }
        }
        integrity
    }
}

fn read_checksums(dataset: &str, file: &Path) -> Result<Vec<ChecksumRow>, AdapterError> {
    let text = read_text(dataset, file)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header_error = |found: String| AdapterError::Manifest {
        dataset: dataset.to_string(),
        file: file.to_path_buf(),
        location: "header".to_string(),
        message: format!(
            "expected the columns {} (GenImage's data/checksums.csv), found {found}",
            HEADER.join(",")
        ),
    };
    let headers = reader
        .headers()
        .map_err(|error| header_error(error.to_string()))?
        .clone();
    if headers.iter().collect::<Vec<_>>() != HEADER {
        return Err(header_error(headers.iter().collect::<Vec<_>>().join(",")));
    }
    let mut rows = Vec::new();
    for (number, record) in reader.records().enumerate() {
        let line = number + 2;
        let record = record.map_err(|error| {
            format_error(file, line, &error.to_string(), "\"<md5>\",\"<file>\"")
                .with_dataset(dataset)
        })?;
        let (Some(md5), Some(name), None) = (record.get(0), record.get(1), record.get(2)) else {
            return Err(format_error(
                file,
                line,
                &record.iter().collect::<Vec<_>>().join(","),
                "two fields: \"<md5>\",\"<file>\"",
            )
            .with_dataset(dataset));
        };
        let md5 = md5.trim().to_ascii_lowercase();
        if md5.len() != 32 || !md5.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(format_error(
                file,
                line,
                &md5,
                "an MD5 of 32 hex digits in the first field",
            )
            .with_dataset(dataset));
        }
        let name = strip_prefixes(name.trim()).to_string();
        if name.is_empty() {
            return Err(
                format_error(file, line, "", "a file name in the second field")
                    .with_dataset(dataset),
            );
        }
        rows.push(ChecksumRow {
            md5,
            path: parse_path(&name),
            name,
            source: format!("{CHECKSUMS} line {line}"),
        });
    }
    Ok(rows)
}

/// `./data/<subset>/…` and `./<subset>/…` both name `<subset>/…`.
fn strip_prefixes(text: &str) -> &str {
    let text = text.strip_prefix("./").unwrap_or(text);
    text.strip_prefix("data/").unwrap_or(text)
}

/// `<subset>/<split>/<ai|nature>/<file>`, as the lists write it.
fn parse_path(text: &str) -> Option<SubsetPath> {
    let parts: Vec<&str> = strip_prefixes(text).split('/').collect();
    match parts.as_slice() {
        [subset, split, label, file]
            if matches!(*label, "ai" | "nature")
                && !subset.is_empty()
                && !split.is_empty()
                && !file.is_empty() =>
        {
            Some(SubsetPath {
                subset: subset.to_string(),
                rest: format!("{split}/{label}/{file}"),
            })
        }
        _ => None,
    }
}

fn read_text(dataset: &str, file: &Path) -> Result<String, AdapterError> {
    std::fs::read_to_string(file).map_err(|source| AdapterError::Io {
        dataset: dataset.to_string(),
        path: file.to_path_buf(),
        source,
    })
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A line not in the published format, before the dataset name is known to the caller.
struct LineError {
    file: PathBuf,
    line: usize,
    message: String,
}

fn format_error(file: &Path, line: usize, found: &str, expected: &str) -> LineError {
    LineError {
        file: file.to_path_buf(),
        line,
        message: format!(
            "`{found}` is not {expected}; fix the line or restore the file from the GenImage repository"
        ),
    }
}

impl LineError {
    fn with_dataset(self, dataset: &str) -> AdapterError {
        AdapterError::Manifest {
            dataset: dataset.to_string(),
            file: self.file,
            location: format!("line {}", self.line),
            message: self.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_paths_parse_with_and_without_the_data_prefix() {
        let expected = SubsetPath {
            subset: "imagenet_glide".to_string(),
            rest: "train/ai/GLIDE_00033.png".to_string(),
        };
        assert_eq!(
            parse_path("./data/imagenet_glide/train/ai/GLIDE_00033.png"),
            Some(expected.clone())
        );
        assert_eq!(
            parse_path("./imagenet_glide/train/ai/GLIDE_00033.png"),
            Some(expected)
        );
        assert_eq!(parse_path("imagenet_ai_0508_adm.z05"), None);
        assert_eq!(parse_path("./imagenet_glide/train/fake/x.png"), None);
    }

    #[test]
    fn a_checksum_file_with_other_columns_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join(CHECKSUMS);
        std::fs::write(&file, "md5,file\n\"a\",\"b\"\n").expect("write");
        let error = read_checksums("g", &file).expect_err("bad header");
        let text = error.to_string();
        assert!(
            text.contains("checksums.csv") && text.contains("md5Checksum,originalFilename"),
            "{text}"
        );
        std::fs::write(&file, "md5Checksum,originalFilename\n\"xyz\",\"a.z01\"\n").expect("write");
        let error = read_checksums("g", &file).expect_err("bad md5").to_string();
        assert!(
            error.contains("line 2") && error.contains("32 hex digits"),
            "{error}"
        );
    }
}
