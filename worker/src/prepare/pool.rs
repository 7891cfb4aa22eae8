//! A prepare job run by threads of this process: the videos of an input folder handed out one
//! at a time, each prepared unless its record already says it is done with the same recipe and
//! the same video bytes (so a rerun after a killed job redoes only the unfinished videos), then
//! the manifest and the dataset JSON assembled from every record.
//!
//! Must not touch: anything outside the output folder (see `output`).

use super::dataset_json::{self, Splits};
use super::job::{Cropper, PrepareError, Recipe, VideoRecord, prepare_video};
use super::output::{Layout, OutputError, record_line, sha256_hex, write_atomic};
use dfbench_benchmarks::FailureKind;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// File extensions read as videos.
pub const VIDEO_EXTENSIONS: &[&str] = &["mp4", "avi", "mov", "mkv", "webm", "m4v"];

/// One prepare job.
pub struct Job {
    /// The folder of videos; each video's first folder under it is its label group.
    pub input: PathBuf,
    pub layout: Layout,
    pub recipe: Recipe,
    pub splits: Option<Splits>,
    /// The compression level written under each split for FF++-family names.
    pub compression: String,
    pub threads: usize,
    /// Pause after each video (tests that kill a job half way).
    pub pause_after_video: Duration,
}

/// What a job did.
#[derive(Debug, Default)]
pub struct Summary {
    pub videos: usize,
    pub reused: usize,
    pub frames_written: usize,
    pub failed_videos: BTreeMap<FailureKind, usize>,
    pub failed_frames: BTreeMap<FailureKind, usize>,
    /// Videos no split file lists (in the manifest, not in the JSON).
    pub unsplit: Vec<String>,
}

/// The videos under `input`, as sorted `/`-separated relative paths.
pub fn list_videos(input: &Path) -> Result<Vec<String>, String> {
    let mut found = Vec::new();
    let mut pending = vec![input.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir)
            .map_err(|error| format!("video folder {} cannot be read: {error}", dir.display()))?;
        for entry in entries {
            let path = entry
                .map_err(|error| format!("video folder {}: {error}", dir.display()))?
                .path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| VIDEO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
                && let Ok(rel) = path.strip_prefix(input)
            {
                let parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                found.push(parts.join("/"));
            }
        }
    }
    found.sort();
    Ok(found)
}

fn done_record(job: &Job, video: &str) -> Result<Option<(VideoRecord, String)>, OutputError> {
    let Some((record, text)) = job.layout.read_record(video)? else {
        return Ok(None);
    };
    let bytes = std::fs::read(job.input.join(video)).unwrap_or_default();
    let same = record.recipe == job.recipe.fingerprint() && record.sha256 == sha256_hex(&bytes);
    Ok(same.then_some((record, text)))
}

/// A record, its manifest line, and whether it was reused.
type Done = (VideoRecord, String, bool);

/// Runs `job` over `videos`; `cropper` makes each thread's cropper; `done` hears of every video
/// finished (and whether its record was reused).
pub fn run(
    job: &Job,
    videos: &[String],
    cropper: &(dyn Fn() -> Result<Cropper, String> + Sync),
    done: &(dyn Fn(&VideoRecord, bool) + Sync),
) -> Result<Summary, PrepareError> {
    let next = AtomicUsize::new(0);
    let records: Mutex<Vec<Done>> = Mutex::new(Vec::new());
    let work = || -> Result<(), PrepareError> {
        let mut cropper = cropper().map_err(PrepareError::Setup)?;
        loop {
            let Some(video) = videos.get(next.fetch_add(1, Ordering::Relaxed)) else {
                return Ok(());
            };
            let (record, line, reused) = match done_record(job, video)? {
                Some((record, line)) => (record, line, true),
                None => {
                    let record =
                        prepare_video(&job.input, video, &job.recipe, &mut cropper, &job.layout)?;
                    std::thread::sleep(job.pause_after_video);
                    let line = record_line(&record);
                    (record, line, false)
                }
            };
            done(&record, reused);
            if let Ok(mut records) = records.lock() {
                records.push((record, line, reused));
            }
        }
    };
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..job.threads.max(1)).map(|_| scope.spawn(work)).collect();
        handles.into_iter().try_for_each(|handle| {
            handle.join().unwrap_or_else(|_| {
                Err(PrepareError::Setup("a prepare thread panicked".to_string()))
            })
        })
    })?;
    let mut records = records.into_inner().unwrap_or_default();
    records.sort_by(|a, b| a.0.video.cmp(&b.0.video));
    finish(job, records)
}

/// Writes `manifest.jsonl`, `prepare.json` and the dataset JSON; counts the outcomes.
fn finish(job: &Job, records: Vec<Done>) -> Result<Summary, PrepareError> {
    let mut summary = Summary::default();
    let mut lines = String::new();
    for (record, line, reused) in &records {
        summary.videos += 1;
        summary.reused += usize::from(*reused);
        if let Some(kind) = &record.failure {
            *summary.failed_videos.entry(kind.clone()).or_default() += 1;
        }
        for frame in &record.frames {
            match &frame.failure {
                Some(kind) => *summary.failed_frames.entry(kind.clone()).or_default() += 1,
                None => summary.frames_written += 1,
            }
        }
        lines.push_str(line);
        lines.push('\n');
    }
    let out = &job.layout.out;
    write_atomic(&out.join("manifest.jsonl"), lines.as_bytes())?;
    let about = serde_json::json!({
        "dataset": job.layout.dataset,
        "recipe": job.recipe,
        "recipe_fingerprint": job.recipe.fingerprint(),
        "geometry": job.recipe.geometry(),
        "decoder": "ffmpeg CLI (child process), rgb24, display rotation not applied",
    });
    let about = serde_json::to_string_pretty(&about).unwrap_or_default();
    write_atomic(&out.join("prepare.json"), about.as_bytes())?;
    let plain: Vec<VideoRecord> = records.into_iter().map(|(record, ..)| record).collect();
    let dataset = &job.layout.dataset;
    let assembled = dataset_json::assemble(dataset, &plain, job.splits.as_ref(), &job.compression);
    let text = serde_json::to_string_pretty(&assembled.value).unwrap_or_default();
    let json_path = out.join("dataset_json").join(format!("{dataset}.json"));
    write_atomic(&json_path, text.as_bytes())?;
    summary.unsplit = assembled.unsplit;
    Ok(summary)
}
