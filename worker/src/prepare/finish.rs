//! The two ends of a prepare job around its run: which videos are already done (a record with
//! the same recipe fingerprint and the same video bytes: a rerun after a killed job redoes
//! only the others, and a worker re-leased a video skips it when an earlier attempt finished
//! it), and, once the run is over, the manifest and the dataset JSON assembled from every
//! video's record.
//!
//! Must not touch: anything outside the output folder (see `output`), or a video's frames
//! (only `job::prepare_video` writes those).

use super::dataset_json::{self, Splits};
use super::job::{PrepareError, Recipe, VideoRecord};
use super::output::{Layout, OutputError, sha256_hex, write_atomic};
use dfbench_benchmarks::FailureKind;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One prepare job: what its run was given, and what assembling its output needs.
pub struct Job {
    /// The folder of videos; each video's first folder under it is its label group.
    pub input: PathBuf,
    pub layout: Layout,
    pub recipe: Recipe,
    pub splits: Option<Splits>,
    /// The compression level written under each split for FF++-family names.
    pub compression: String,
}

/// What a finished job holds.
#[derive(Debug, Default)]
pub struct Summary {
    pub videos: usize,
    pub frames_written: usize,
    pub failed_videos: BTreeMap<FailureKind, usize>,
    pub failed_frames: BTreeMap<FailureKind, usize>,
    /// Videos no split file lists (in the manifest, not in the JSON).
    pub unsplit: Vec<String>,
}

/// The video's record and its text when it is done with `recipe` and the video's bytes are
/// the ones it was made from; `None` when it must be (re)done.
pub fn finished_record(
    input: &Path,
    layout: &Layout,
    recipe: &Recipe,
    video: &str,
) -> Result<Option<(VideoRecord, String)>, OutputError> {
    let Some((record, text)) = layout.read_record(video)? else {
        return Ok(None);
    };
    if record.recipe != recipe.fingerprint() {
        return Ok(None);
    }
    // An unreadable video is never "the same bytes": it is redone, and fails typed there.
    let same_bytes = std::fs::read(input.join(video))
        .map(|bytes| sha256_hex(&bytes) == record.sha256)
        .unwrap_or(false);
    Ok(same_bytes.then_some((record, text)))
}

/// What decoded the videos, each decoder once (a fleet's workers may differ).
fn decoders(records: &[VideoRecord]) -> String {
    let named: std::collections::BTreeSet<&str> = records
        .iter()
        .map(|record| record.decoder.as_str())
        .filter(|decoder| !decoder.is_empty())
        .collect();
    named.into_iter().collect::<Vec<_>>().join("; ")
}

/// The videos of `videos` without a finished record.
pub fn unfinished(job: &Job, videos: &[String]) -> Result<Vec<String>, OutputError> {
    let mut missing = Vec::new();
    for video in videos {
        if finished_record(&job.input, &job.layout, &job.recipe, video)?.is_none() {
            missing.push(video.clone());
        }
    }
    Ok(missing)
}

/// Writes `manifest.jsonl`, `prepare.json` and the dataset JSON from the records of `videos`
/// (every one must be finished: see [`unfinished`]); counts the outcomes.
pub fn finish(job: &Job, videos: &[String]) -> Result<Summary, PrepareError> {
    let mut summary = Summary::default();
    let mut lines = String::new();
    let mut records = Vec::with_capacity(videos.len());
    for video in videos {
        let Some((record, line)) = finished_record(&job.input, &job.layout, &job.recipe, video)?
        else {
            return Err(PrepareError::Setup(format!(
                "video {video} has no finished record; run the job again to redo it"
            )));
        };
        summary.videos += 1;
        if let Some(kind) = &record.failure {
            *summary.failed_videos.entry(kind.clone()).or_default() += 1;
        }
        for frame in &record.frames {
            match &frame.failure {
                Some(kind) => *summary.failed_frames.entry(kind.clone()).or_default() += 1,
                None => summary.frames_written += 1,
            }
        }
        lines.push_str(&line);
        lines.push('\n');
        records.push(record);
    }
    let out = &job.layout.out;
    write_atomic(&out.join("manifest.jsonl"), lines.as_bytes())?;
    let about = serde_json::json!({
        "dataset": job.layout.dataset,
        "recipe": job.recipe,
        "recipe_fingerprint": job.recipe.fingerprint(),
        "geometry": job.recipe.geometry(),
        "decoder": decoders(&records),
    });
    let about = serde_json::to_string_pretty(&about).unwrap_or_default();
    write_atomic(&out.join("prepare.json"), about.as_bytes())?;
    let dataset = &job.layout.dataset;
    let assembled =
        dataset_json::assemble(dataset, &records, job.splits.as_ref(), &job.compression);
    let text = serde_json::to_string_pretty(&assembled.value).unwrap_or_default();
    let json_path = out.join("dataset_json").join(format!("{dataset}.json"));
    write_atomic(&json_path, text.as_bytes())?;
    summary.unsplit = assembled.unsplit;
    Ok(summary)
}
