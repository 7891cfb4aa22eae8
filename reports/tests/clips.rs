//! Clip detectors in reports and comparisons: clip and video levels, the clip → video
//! aggregation as a labelled choice, and video-level cells judged by `compare`.

mod synthetic;

use dfbench_reports::compare::Verdict;
use dfbench_reports::metrics::bootstrap::Rng;
use dfbench_reports::model::PredictionRecord;
use dfbench_reports::{
    CompareOptions, CompareOutcome, ReportOptions, VideoAggregation, build_report,
};
use synthetic::{gaussian, run, sigmoid};

const VIDEOS_PER_CLASS: usize = 60;
const CLIPS: i64 = 4;

/// A clip detector `vid` over 60 real and 60 fake videos (fake methods A and B alternate) of
/// four clips each: a latent logit per video N(±1, 1) plus clip noise N(0, 0.5); `shift` adds
/// to the logit of every clip of a video of that method.
fn clip_run(noise_stream: u64, shift: impl Fn(&str) -> f64) -> Vec<PredictionRecord> {
    let mut latent = Rng::new(7);
    let mut noise = Rng::new(noise_stream);
    let mut out = Vec::new();
    for video in 0..2 * VIDEOS_PER_CLASS {
        let fake = video >= VIDEOS_PER_CLASS;
        let method = match (fake, video % 2) {
            (false, _) => "real",
            (true, 0) => "A",
            (true, _) => "B",
        };
        let mean = if fake { 1.0 } else { -1.0 };
        let logit = mean + gaussian(&mut latent);
        for clip in 0..CLIPS {
            let video_key = format!("ds/{method}/{video:03}");
            out.push(PredictionRecord {
                detector: "vid".into(),
                dataset: "ff".into(),
                subset: "test".into(),
                perturbation: "none".into(),
                rel_path: format!("{video_key}#clip{clip}:{}-{}", 4 * clip, 4 * clip + 3),
                video_key,
                label: i64::from(fake),
                method: method.into(),
                clip_index: Some(clip),
                score: Some(sigmoid(logit + 0.5 * gaussian(&mut noise) + shift(method))),
                ..PredictionRecord::default()
            });
        }
    }
    out
}

fn rows_of(records: &[PredictionRecord], aggregation: VideoAggregation) -> Vec<(String, f64)> {
    let options = ReportOptions {
        video_aggregation: aggregation,
        ..ReportOptions::default()
    };
    build_report(&run("r", "fp"), records, &options)
        .rows
        .into_iter()
        .filter(|row| row.slice == "all" && row.metric == "auc")
        .map(|row| (row.level, row.value.expect("defined")))
        .collect()
}

#[test]
fn a_clip_detector_has_clip_and_video_levels_and_the_aggregation_is_named() {
    let records = clip_run(1, |_| 0.0);
    let mean = rows_of(&records, VideoAggregation::Mean);
    let levels: Vec<&str> = mean.iter().map(|(level, _)| level.as_str()).collect();
    assert_eq!(levels, ["clip", "video"], "no frame level for clips");
    assert!(
        mean[1].1 > mean[0].1,
        "averaging four noisy clips separates videos better: {mean:?}"
    );
    let max = rows_of(&records, VideoAggregation::Max);
    assert_eq!(max[1].0, "video-max");
    assert_eq!(max[0], mean[0], "the clip level does not depend on it");
    assert_ne!(max[1].1, mean[1].1);
    let dfb = rows_of(&records, VideoAggregation::DfbClip);
    assert_eq!(
        dfb[1],
        ("video-dfb".to_string(), mean[0].1),
        "DFB: video = clip"
    );

    // The video score is the mean (or max) of the video's clip scores, recomputed from them.
    let first: Vec<f64> = records[..CLIPS as usize]
        .iter()
        .filter_map(|r| r.score)
        .collect();
    let refs: Vec<&PredictionRecord> = records.iter().collect();
    let videos = dfbench_reports::report::slices::video_records(&refs, VideoAggregation::Max)
        .expect("clips always have a video level");
    assert_eq!(videos.len(), 2 * VIDEOS_PER_CLASS);
    let highest = first.iter().copied().fold(f64::MIN, f64::max);
    let video = videos
        .iter()
        .find(|v| v.video_key == records[0].video_key)
        .expect("the first video");
    assert_eq!(video.score, Some(highest));
    assert_eq!(video.rel_path, video.video_key);
}

#[test]
fn a_regressed_video_level_cell_fails_the_comparison() {
    let baseline = clip_run(1, |_| 0.0);
    let candidate = clip_run(2, |method| if method == "B" { -1.5 } else { 0.0 });
    let comparison = synthetic::compare(
        (&run("base", "fp"), &baseline),
        (&run("cand", "fp"), &candidate),
        &CompareOptions::default(),
    );
    assert!(comparison.problems.is_empty(), "{:?}", comparison.problems);
    assert_eq!(comparison.outcome(), CompareOutcome::Regression);
    assert_eq!(comparison.outcome().exit_code(), 1);
    let video_all = comparison
        .cells
        .iter()
        .find(|c| c.key.level == "video" && c.key.slice == "method=B")
        .expect("a video-level cell for method B");
    assert!(
        matches!(video_all.verdict, Verdict::Regressed(_)),
        "{:?}",
        video_all.verdict
    );
    assert_eq!(video_all.n_pairs, 2 * VIDEOS_PER_CLASS as u64 / 2 + 30);
    let levels: std::collections::BTreeSet<&str> = comparison
        .cells
        .iter()
        .map(|c| c.key.level.as_str())
        .collect();
    assert_eq!(levels, ["clip", "video"].into());
    let text = dfbench_reports::compare::markdown::render(&comparison);
    assert!(
        text.contains("| vid | ff | none | video · method=B |"),
        "{text}"
    );

    // An unchanged candidate (same scores) passes.
    let same = synthetic::compare(
        (&run("base", "fp"), &baseline),
        (&run("cand", "fp"), &baseline),
        &CompareOptions::default(),
    );
    assert_eq!(same.outcome(), CompareOutcome::NoRegression);
}
