//! The bundle file: a tar archive compressed with zstd holding `bundle.json` (the header:
//! format version, dfbench version, the run, its suite TOML, dataset and detector fingerprints,
//! row counts and the sha256 of every other member) and one JSON Lines member per table of the
//! run (`run.json` holds the run row with its requirements, tags and exclusions). Reading
//! checks everything before the store sees a row: the format version, that every listed member
//! is there with its sha256 and no other is, the counts, and that the header's fingerprints
//! are the rows'. Owns the layout only; the rows are `dfbench_store::RunRows`.

use anyhow::{Context, bail};
use dfbench_store::{BundleRun, RunRows};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// The format this build writes and the only one it reads.
pub const FORMAT: &str = "dfbench-bundle/1";
const HEADER: &str = "bundle.json";
/// The members besides the header, in archive order.
const MEMBERS: [&str; 11] = [
    "run.json",
    "datasets.jsonl",
    "detectors.jsonl",
    "shards.jsonl",
    "samples.jsonl",
    "shard_samples.jsonl",
    "shard_clips.jsonl",
    "predictions.jsonl",
    "clip_predictions.jsonl",
    "metrics.jsonl",
    "workers.jsonl",
];

/// `run.json`: the run row and its small lists.
#[derive(Serialize, Deserialize)]
struct RunMember {
    run: BundleRun,
    requirements: Vec<String>,
    tags: Vec<String>,
    excluded_workers: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Counts {
    pub datasets: usize,
    pub detectors: usize,
    pub shards: usize,
    pub samples: usize,
    pub shard_samples: usize,
    pub shard_clips: usize,
    pub predictions: usize,
    pub clip_predictions: usize,
    pub metrics: usize,
    pub workers: usize,
}

impl Counts {
    fn of(rows: &RunRows) -> Counts {
        Counts {
            datasets: rows.datasets.len(),
            detectors: rows.detectors.len(),
            shards: rows.shards.len(),
            samples: rows.samples.len(),
            shard_samples: rows.shard_samples.len(),
            shard_clips: rows.shard_clips.len(),
            predictions: rows.predictions.len(),
            clip_predictions: rows.clip_predictions.len(),
            metrics: rows.metrics.len(),
            workers: rows.workers.len(),
        }
    }
}

/// `bundle.json`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub dfbench_version: String,
    pub run_id: String,
    pub run_name: String,
    pub suite_name: String,
    pub suite_toml: String,
    /// Dataset name → fingerprint.
    pub datasets: BTreeMap<String, String>,
    /// Detector name → fingerprint ('' when the run recorded none).
    pub detectors: BTreeMap<String, String>,
    pub counts: Counts,
    /// Member name → sha256 (hex) of its bytes.
    pub members: BTreeMap<String, String>,
}

fn jsonl<T: Serialize>(rows: &[T]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    for row in rows {
        serde_json::to_writer(&mut out, row)?;
        out.push(b'\n');
    }
    Ok(out)
}

fn fingerprints(rows: &RunRows) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let datasets = (rows.datasets.iter())
        .map(|d| (d.name.clone(), d.fingerprint.clone()))
        .collect();
    let detectors = (rows.detectors.iter())
        .map(|d| (d.name.clone(), d.fingerprint.clone().unwrap_or_default()))
        .collect();
    (datasets, detectors)
}

/// The members of `rows`, by name, in archive order.
fn members(rows: &RunRows) -> anyhow::Result<Vec<(&'static str, Vec<u8>)>> {
    let run = RunMember {
        run: rows.run.clone(),
        requirements: rows.requirements.clone(),
        tags: rows.tags.clone(),
        excluded_workers: rows.excluded_workers.clone(),
    };
    let bytes = [
        serde_json::to_vec_pretty(&run)?,
        jsonl(&rows.datasets)?,
        jsonl(&rows.detectors)?,
        jsonl(&rows.shards)?,
        jsonl(&rows.samples)?,
        jsonl(&rows.shard_samples)?,
        jsonl(&rows.shard_clips)?,
        jsonl(&rows.predictions)?,
        jsonl(&rows.clip_predictions)?,
        jsonl(&rows.metrics)?,
        jsonl(&rows.workers)?,
    ];
    Ok(MEMBERS.into_iter().zip(bytes).collect())
}

fn append(
    builder: &mut tar::Builder<impl std::io::Write>,
    name: &str,
    bytes: &[u8],
) -> anyhow::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_cksum();
    builder.append_data(&mut header, name, bytes)?;
    Ok(())
}

/// Writes `rows` as a bundle at `path`; returns its header.
pub fn write(rows: &RunRows, path: &Path) -> anyhow::Result<Header> {
    let members = members(rows)?;
    let (datasets, detectors) = fingerprints(rows);
    let header = Header {
        format: FORMAT.to_string(),
        dfbench_version: env!("CARGO_PKG_VERSION").to_string(),
        run_id: rows.run.record.id.0.clone(),
        run_name: rows.run.record.name.clone(),
        suite_name: rows.run.record.suite_name.clone(),
        suite_toml: rows.run.record.suite_toml.clone(),
        datasets,
        detectors,
        counts: Counts::of(rows),
        members: (members.iter())
            .map(|(name, bytes)| (name.to_string(), hex::encode(Sha256::digest(bytes))))
            .collect(),
    };
    let file = std::fs::File::create(path)
        .with_context(|| format!("cannot create the bundle {}", path.display()))?;
    let encoder = zstd::Encoder::new(file, 3)?;
    let mut builder = tar::Builder::new(encoder);
    append(&mut builder, HEADER, &serde_json::to_vec_pretty(&header)?)?;
    for (name, bytes) in &members {
        append(&mut builder, name, bytes)?;
    }
    builder
        .into_inner()
        .and_then(|encoder| encoder.finish())
        .and_then(|file| file.sync_all())
        .with_context(|| format!("cannot write the bundle {}", path.display()))?;
    Ok(header)
}

/// Every member of the archive at `path`, by name. A read error names the member it hit.
fn unpack(path: &Path) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("cannot open the bundle {}", path.display()))?;
    let decoder = zstd::Decoder::new(file)
        .with_context(|| format!("{} is not a zstd stream", path.display()))?;
    let mut archive = tar::Archive::new(decoder);
    let mut out = BTreeMap::new();
    let damaged = |after: &str| {
        format!(
            "the bundle {} is truncated or damaged (after member {after}); export it again",
            path.display()
        )
    };
    let entries = archive.entries().with_context(|| damaged("none"))?;
    let mut last = "none".to_string();
    for entry in entries {
        let mut entry = entry.with_context(|| damaged(&last))?;
        let name = entry.path()?.to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).with_context(|| {
            format!(
                "the bundle {} is truncated or damaged in member {name}; export it again",
                path.display()
            )
        })?;
        last = name.clone();
        out.insert(name, bytes);
    }
    Ok(out)
}

fn parse_jsonl<T: DeserializeOwned>(name: &str, bytes: &[u8]) -> anyhow::Result<Vec<T>> {
    let text = std::str::from_utf8(bytes).with_context(|| format!("member {name} is not UTF-8"))?;
    (text.lines().enumerate())
        .map(|(line, row)| {
            serde_json::from_str(row)
                .with_context(|| format!("member {name}, line {}: not a valid row", line + 1))
        })
        .collect()
}

/// Reads and checks the bundle at `path` (see the module doc).
pub fn read(path: &Path) -> anyhow::Result<RunRows> {
    let mut members = unpack(path)?;
    let shown = path.display();
    let Some(header) = members.remove(HEADER) else {
        bail!("{shown} is not a dfbench bundle: it has no {HEADER}");
    };
    let header: Header = serde_json::from_slice(&header)
        .with_context(|| format!("{shown}: {HEADER} is not a bundle header"))?;
    if header.format != FORMAT {
        bail!(
            "{shown} is a `{}` bundle (written by dfbench {}); this dfbench reads `{FORMAT}`: \
             import it with a matching dfbench version",
            header.format,
            header.dfbench_version
        );
    }
    if let Some(unlisted) = MEMBERS
        .iter()
        .find(|name| !header.members.contains_key(**name))
    {
        bail!("{shown}: {HEADER} does not list member {unlisted}: not a complete bundle");
    }
    for (name, expected) in &header.members {
        let Some(bytes) = members.get(name) else {
            bail!("{shown} is missing member {name} that {HEADER} lists: export it again");
        };
        let actual = hex::encode(Sha256::digest(bytes));
        if &actual != expected {
            bail!(
                "{shown}: member {name} has sha256 {actual}, but {HEADER} says {expected}: \
                 the member was changed or damaged after export; export the run again"
            );
        }
    }
    if let Some(extra) = members
        .keys()
        .find(|name| !header.members.contains_key(*name))
    {
        bail!("{shown} has member {extra} that {HEADER} does not list: refusing it");
    }
    let member = |name: &str| members.get(name).map(Vec::as_slice).unwrap_or_default();
    let run: RunMember = serde_json::from_slice(member("run.json"))
        .with_context(|| format!("{shown}: member run.json is not a run"))?;
    let rows = RunRows {
        run: run.run,
        requirements: run.requirements,
        tags: run.tags,
        excluded_workers: run.excluded_workers,
        datasets: parse_jsonl("datasets.jsonl", member("datasets.jsonl"))?,
        detectors: parse_jsonl("detectors.jsonl", member("detectors.jsonl"))?,
        shards: parse_jsonl("shards.jsonl", member("shards.jsonl"))?,
        samples: parse_jsonl("samples.jsonl", member("samples.jsonl"))?,
        shard_samples: parse_jsonl("shard_samples.jsonl", member("shard_samples.jsonl"))?,
        shard_clips: parse_jsonl("shard_clips.jsonl", member("shard_clips.jsonl"))?,
        predictions: parse_jsonl("predictions.jsonl", member("predictions.jsonl"))?,
        clip_predictions: parse_jsonl("clip_predictions.jsonl", member("clip_predictions.jsonl"))?,
        metrics: parse_jsonl("metrics.jsonl", member("metrics.jsonl"))?,
        workers: parse_jsonl("workers.jsonl", member("workers.jsonl"))?,
    };
    let counts = Counts::of(&rows);
    if counts != header.counts {
        bail!(
            "{shown}: the rows ({counts:?}) are not the counts {HEADER} lists ({:?})",
            header.counts
        );
    }
    if fingerprints(&rows) != (header.datasets.clone(), header.detectors.clone())
        || rows.run.record.id.0 != header.run_id
    {
        bail!("{shown}: {HEADER}'s run id or fingerprints are not those of its rows: refusing it");
    }
    Ok(rows)
}
