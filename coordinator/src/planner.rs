//! Planning a run: parse the suite, enumerate every dataset from disk, check it, fingerprint
//! it, and cut shards of about `shard_size` samples per dataset × perturbation without splitting
//! a video.
//!
//! The check before a run is the cheap half of `dfbench datasets check`: every listed file must
//! exist, no path may be listed twice, and labels must map cleanly. Images are not decoded here
//! (decoding every image of a large benchmark at submit time would take longer than some runs);
//! a file that exists but does not decode becomes a failed prediction (`decode_error`) instead.
//! With `allow_missing`, missing files stay in the run as samples; the worker records each as a
//! failed prediction (`file_unreadable`) and the planner logs how many there are per dataset.

use dfbench_benchmarks::adapter::frames::frame_order_key;
use dfbench_benchmarks::adapter::{self, AdapterError};
use dfbench_benchmarks::builtin_params::{builtin_clip_spec, builtin_fingerprint};
use dfbench_benchmarks::card::clip::{ClipSpec, InputKind};
use dfbench_benchmarks::card::{CardError, ResolvedCard};
use dfbench_benchmarks::check::DatasetCheck;
use dfbench_benchmarks::content::FileStamp;
use dfbench_benchmarks::fingerprint::sha256_hex;
use dfbench_benchmarks::roots::{DataRoots, ServeRoots};
use dfbench_benchmarks::{DetectorSpec, Sample, Suite, SuiteError};
use dfbench_store::{
    DatasetRecord, DetectorRecord, PlannedShard, RunId, RunPlan, RunRecord, RunStatus, StoreError,
};
use std::path::Path;

/// Worker-reported failures of a shard before its samples are recorded as failed.
pub const DEFAULT_MAX_ATTEMPTS: i64 = 3;

/// Leases of a shard lost to dead or silent workers before it is failed (`lease_expired`).
pub const DEFAULT_MAX_LOSSES: i64 = 10;

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Suite(#[from] SuiteError),
    #[error(transparent)]
    Dataset(#[from] AdapterError),
    #[error(transparent)]
    Card(#[from] CardError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the run was not started: {} dataset problem(s):\n  - {}", problems.len(), problems.join("\n  - "))]
    DatasetProblems { problems: Vec<String> },
    #[error("the run was not started: {}", problems.join("; "))]
    Sampling { problems: Vec<String> },
    #[error("the run was not started: suite {suite}: {problem}")]
    ModelKind { suite: String, problem: String },
    #[error("the run was not started: prepare detector `{detector}`: {problem}")]
    Prepare { detector: String, problem: String },
}

/// Everything a submitted run needs, before it is stored.
pub struct RunRequest<'a> {
    pub suite_text: &'a str,
    pub suite_origin: &'a str,
    pub data_root: &'a Path,
    /// Named roots (`--data-root NAME=PATH`), by name.
    pub data_roots: &'a std::collections::BTreeMap<String, std::path::PathBuf>,
    /// Start even when listed files are missing (they become failed predictions).
    pub allow_missing: bool,
    pub name: &'a str,
    pub dfbench_version: &'a str,
    pub now_ms: i64,
    /// A partial run's sampling; the default covers every sample.
    pub sampling: Sampling,
    /// The folders the coordinator may read (`--serve-root`); `None`: anywhere.
    pub serve_roots: Option<&'a ServeRoots>,
    /// The folder workers may write under (`--output-root`); `None`: no prepare run.
    pub output_root: Option<&'a Path>,
}

pub fn plan_run(request: &RunRequest<'_>) -> Result<RunPlan, PlanError> {
    plan_run_stamped(request).map(|planned| planned.plan)
}

/// A plan and what planning read of each sample's file on the way.
pub struct Planned {
    pub plan: RunPlan,
    /// Each sample's size and mtime as the dataset's confinement check read them, in the order
    /// of `plan.samples`; `None` where it read none (a link, a missing file): content
    /// identification stats those itself.
    pub stamps: Vec<Option<FileStamp>>,
}

/// [`plan_run`], keeping the stamps the file checks read.
pub fn plan_run_stamped(request: &RunRequest<'_>) -> Result<Planned, PlanError> {
    let sampling_problems = request.sampling.problems();
    if !sampling_problems.is_empty() {
        return Err(PlanError::Sampling {
            problems: sampling_problems,
        });
    }
    let suite = Suite::parse(request.suite_text, request.suite_origin)?;
    let outside = named_roots_outside(request);
    if !outside.is_empty() {
        return Err(PlanError::DatasetProblems { problems: outside });
    }
    let planned = suite
        .detectors
        .iter()
        .map(|detector| plan_detector(detector, request))
        .collect::<Result<Vec<_>, _>>()?;
    let readers: Vec<ClipReader> = planned
        .iter()
        .filter_map(|(record, spec)| {
            spec.map(|spec| ClipReader {
                detector: record.name.clone(),
                spec,
            })
        })
        .collect();
    let detectors: Vec<DetectorRecord> = planned.into_iter().map(|(record, _)| record).collect();
    // Which frames the run reads: the union of its image and clip detectors' selections.
    let has_image = detectors.iter().any(|detector| detector.input.is_image());
    let has_clip = !readers.is_empty();
    let roots = DataRoots::for_suite(request.data_root, &suite.roots, request.data_roots)
        .confined(request.serve_roots.cloned());
    let mut samples: Vec<Sample> = Vec::new();
    let mut stamps: Vec<Option<FileStamp>> = Vec::new();
    let mut datasets = Vec::new();
    let mut shards = Vec::new();
    let mut problems = Vec::new();
    for spec in &suite.datasets {
        // A dataset that cannot be read is one problem among the others: every one is named.
        let enumeration = match adapter::enumerate(spec, &roots) {
            Ok(enumeration) => enumeration,
            Err(error) => {
                problems.push(error.to_string());
                continue;
            }
        };
        problems.extend(enumeration.label_problems);
        // Absent sets stay in the stored suite text, which the report lists them from.
        for set in &enumeration.absent {
            tracing::warn!(dataset = %set.dataset, reason = %set.reason, "dataset marked absent in the suite: not scored");
        }
        for enumerated in enumeration.datasets {
            let enumerated = enumerated.keep_readers(has_image, has_clip);
            let check = DatasetCheck::run(&enumerated, false);
            problems.extend(check.blocking_problems(request.allow_missing));
            // Said only when the run goes ahead: without --allow-missing the missing files are
            // among the problems that refuse it.
            if request.allow_missing && !check.missing.is_empty() {
                tracing::warn!(
                    dataset = %enumerated.name,
                    missing = check.missing.len(),
                    first = %check.missing[0],
                    "listed files are missing; they stay in the run and become failed predictions (--allow-missing)"
                );
            }
            // Nothing the walk passed is dropped unseen: said here, listed by `datasets check`.
            let inventory = &enumerated.inventory;
            if inventory.links + inventory.not_images.count + inventory.unread.count > 0 {
                tracing::info!(
                    dataset = %enumerated.name,
                    symlinked_folders_followed = inventory.links,
                    files_not_images = inventory.not_images.count,
                    entries_not_read = inventory.unread.count,
                    "the folder walk followed links or passed files that are not samples (not scored); `dfbench datasets check` lists them"
                );
            }
            let root = enumerated
                .root
                .canonicalize()
                .unwrap_or_else(|_| enumerated.root.clone());
            // The fingerprint is the whole dataset's even in a partial run, so a partial run's
            // predictions are reusable by full runs and the other way round; it covers the
            // image-read samples only, whatever this run's detectors read.
            let fingerprint = enumerated.fingerprint();
            let selected = request
                .sampling
                .select(&enumerated.samples, !readers.is_empty());
            let kept: Vec<Sample> = if selected.len() == enumerated.samples.len() {
                enumerated.samples
            } else {
                selected
                    .into_iter()
                    .map(|index| enumerated.samples[index].clone())
                    .collect()
            };
            datasets.push(DatasetRecord {
                name: enumerated.name.clone(),
                format: spec.format.clone(),
                root: root.display().to_string(),
                fingerprint,
                samples: kept.len() as i64,
                exif_orientation: enumerated.decode.exif_orientation.as_str().to_string(),
                max_pixels: i64::try_from(enumerated.decode.max_pixels).unwrap_or(i64::MAX),
            });
            let first = samples.len();
            let groups = append_in_shard_order(kept, suite.shard_size, &mut samples);
            stamps.extend(
                samples[first..]
                    .iter()
                    .map(|sample| enumerated.stamps.get(&sample.rel_path).copied()),
            );
            let stills = clips::stills(&samples[first..]);
            // A dataset of stills alone is expected beside video datasets (image detectors
            // score it); stills mixed into a video dataset are worth a warning.
            if !readers.is_empty() && stills == samples.len() - first {
                tracing::info!(dataset = %enumerated.name, stills, "no videos in this dataset: the run's clip detectors score none of it");
            } else if !readers.is_empty() && stills > 0 {
                tracing::warn!(dataset = %enumerated.name, stills, "samples without a frame index are still images, not videos: the run's clip detectors score none of them");
            }
            let shard_clips: Vec<_> = groups
                .iter()
                .map(|group| clips::plan_shard_clips(&samples, group, &readers))
                .collect();
            for perturbation in &suite.perturbations {
                for (group, clips) in groups.iter().zip(&shard_clips) {
                    shards.push(PlannedShard {
                        dataset: enumerated.name.clone(),
                        perturbation: perturbation.clone(),
                        sample_indices: group.clone(),
                        clips: clips.clone(),
                    });
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(PlanError::DatasetProblems { problems });
    }
    let name = if request.name.is_empty() {
        suite.name.clone()
    } else {
        request.name.to_string()
    };
    let plan = RunPlan {
        run: RunRecord {
            id: RunId(new_run_id(request.now_ms)),
            name,
            suite_name: suite.name.clone(),
            suite_toml: request.suite_text.to_string(),
            suite_hash: sha256_hex(request.suite_text.as_bytes()),
            data_root: request.data_root.display().to_string(),
            dfbench_version: request.dfbench_version.to_string(),
            status: RunStatus::Running,
            error: None,
            created_at_ms: request.now_ms,
            finished_at_ms: None,
            requires: suite
                .detectors
                .iter()
                .filter_map(|detector| detector.required_capability())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .map(str::to_string)
                .collect(),
        },
        datasets,
        detectors,
        samples,
        contents: Vec::new(),
        shards,
        sample_failures: Vec::new(),
        max_attempts: DEFAULT_MAX_ATTEMPTS,
        max_losses: DEFAULT_MAX_LOSSES,
    };
    Ok(Planned { plan, stamps })
}

/// A model detector's card (torchscript, onnx) is read now: its weights are hashed into the
/// fingerprint and its model path made absolute, so workers on other machines get everything in
/// the lease; a model file that does not match the kind refuses the run, naming the suite file.
/// Returns the record and, for a clip or thumbnail detector, how it cuts videos into clips.
fn plan_detector(
    detector: &DetectorSpec,
    request: &RunRequest<'_>,
) -> Result<(DetectorRecord, Option<ClipSpec>), PlanError> {
    if detector.is_prepare() {
        return prepare::plan_prepare_detector(detector, request).map(|record| (record, None));
    }
    let (data_root, suite_origin) = (request.data_root, request.suite_origin);
    let (card, fingerprint, clip) = match &detector.card {
        Some(card_path) if detector.is_model() => {
            let path = if card_path.is_absolute() {
                card_path.clone()
            } else {
                data_root.join(card_path)
            };
            let resolved = ResolvedCard::load_within(&path, request.serve_roots)?;
            if let Some(problem) = detector.model_kind_problem(&path, &resolved.card.model) {
                return Err(PlanError::ModelKind {
                    suite: suite_origin.to_string(),
                    problem,
                });
            }
            // `ResolvedCard::load` validated the clip fields, so this is Ok.
            let clip = resolved.card.clip_spec().ok().flatten();
            (Some(resolved.to_toml()), Some(resolved.fingerprint), clip)
        }
        // A built-in's fingerprint is made from its parameters, known here as on the worker.
        _ => (
            None,
            builtin_fingerprint(detector.builtin_name()),
            builtin_clip_spec(detector.builtin_name()),
        ),
    };
    let record = DetectorRecord {
        name: detector.name.clone(),
        kind: detector.kind.clone(),
        builtin: detector.builtin_name().to_string(),
        card,
        fingerprint,
        input: clip.map_or(InputKind::Image, |spec| spec.input),
    };
    Ok((record, clip))
}

/// `--data-root NAME=PATH` values outside the served folders, one problem each.
fn named_roots_outside(request: &RunRequest<'_>) -> Vec<String> {
    let Some(serve) = request.serve_roots else {
        return Vec::new();
    };
    request
        .data_roots
        .iter()
        .filter_map(|(name, path)| {
            serve
                .check(path)
                .err()
                .map(|outside| format!("--data-root {name}={}: {outside}", path.display()))
        })
        .collect()
}

/// Run ids sort by creation time and stay unique: `r<yyyymmdd-hhmmss>-<8 hex>`.
fn new_run_id(now_ms: i64) -> String {
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("r{}-{}", format_utc(now_ms), &random[..8])
}

/// `yyyymmdd-hhmmss` in UTC from unix milliseconds (civil-from-days, Howard Hinnant).
pub fn format_utc(now_ms: i64) -> String {
    let seconds = now_ms.div_euclid(1000);
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400);
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}-{:02}{:02}{:02}",
        second_of_day / 3600,
        second_of_day % 3600 / 60,
        second_of_day % 60
    )
}

/// Appends `kept` to `samples` in shard order (videos whole, each video's frames in frame
/// order) and returns each shard's indices into `samples`. The store gives samples ids in plan
/// order and a leased shard's samples are read back by id, so this order is the one a worker sees.
fn append_in_shard_order(
    kept: Vec<Sample>,
    shard_size: usize,
    samples: &mut Vec<Sample>,
) -> Vec<Vec<usize>> {
    let groups = video_groups(&kept, shard_size);
    let mut slots: Vec<Option<Sample>> = kept.into_iter().map(Some).collect();
    groups
        .into_iter()
        .map(|group| {
            group
                .into_iter()
                .filter_map(|index| {
                    let sample = slots.get_mut(index)?.take()?;
                    samples.push(sample);
                    Some(samples.len() - 1)
                })
                .collect()
        })
        .collect()
}

/// Groups sample indices into shards of about `shard_size`, keeping each video whole.
/// Samples of one video are kept together even when they are not adjacent on disk, and in frame
/// order (integer stem, `2.png` before `10.png`; see `frames::frame_order_key`).
fn video_groups(samples: &[Sample], shard_size: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..samples.len()).collect();
    // Each key once (parsing a frame number per comparison was most of a rerun's sort).
    order.sort_by_cached_key(|index| {
        let sample = &samples[*index];
        (sample.video_key.as_str(), frame_order_key(&sample.rel_path))
    });
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    let mut previous_video: Option<&str> = None;
    for index in order {
        let video = samples[index].video_key.as_str();
        let new_video = previous_video != Some(video);
        if new_video && current.len() >= shard_size {
            groups.push(std::mem::take(&mut current));
        }
        current.push(index);
        previous_video = Some(video);
    }
    if !current.is_empty() {
        groups.push(current);
    }
    groups
}

pub mod clips;
mod prepare;
mod sampling;
use clips::ClipReader;
pub use sampling::Sampling;

#[cfg(test)]
mod tests;
