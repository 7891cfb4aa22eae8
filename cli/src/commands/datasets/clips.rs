//! The clip rows a suite's clip detectors will score, for `datasets check SUITE`: per dataset
//! and clip detector, how many clips its videos give and how many videos are too short (each a
//! recorded `video_too_short`), cut exactly as planning cuts them.

use dfbench_benchmarks::Suite;
use dfbench_benchmarks::adapter::Enumerated;
use dfbench_benchmarks::builtin_params::builtin_clip_spec;
use dfbench_benchmarks::card::DetectorCard;
use dfbench_benchmarks::card::clip::ClipSpec;
use std::collections::BTreeMap;
use std::path::Path;

/// (detector name, how it cuts videos) of every clip detector of `suite`; a card that cannot
/// be read is named with the reason instead.
pub fn readers(suite: &Suite, data_root: &Path) -> Vec<(String, Result<ClipSpec, String>)> {
    let mut out = Vec::new();
    for detector in &suite.detectors {
        let spec = match &detector.card {
            Some(card) if detector.is_model() => {
                let path = if card.is_absolute() {
                    card.clone()
                } else {
                    data_root.join(card)
                };
                let parsed = std::fs::read_to_string(&path)
                    .map_err(|error| format!("cannot read card {}: {error}", path.display()))
                    .and_then(|text| {
                        DetectorCard::parse(&text, &path.display().to_string())
                            .map_err(|error| error.to_string())
                    })
                    .and_then(|card| card.clip_spec().map_err(|problems| problems.join("; ")));
                match parsed {
                    Ok(Some(spec)) => Ok(spec),
                    Ok(None) => continue,
                    Err(reason) => Err(reason),
                }
            }
            _ => match builtin_clip_spec(detector.builtin_name()) {
                Some(spec) => Ok(spec),
                None => continue,
            },
        };
        out.push((detector.name.clone(), spec));
    }
    out
}

/// Lines saying what each clip detector will score in `dataset`.
pub fn render(dataset: &Enumerated, readers: &[(String, Result<ClipSpec, String>)]) -> String {
    let mut videos: BTreeMap<&str, usize> = BTreeMap::new();
    let mut stills = 0;
    for sample in &dataset.samples {
        if sample.frame_index.is_none() {
            stills += 1;
        } else if sample.reads.clip() {
            *videos.entry(sample.video_key.as_str()).or_default() += 1;
        }
    }
    let mut lines = Vec::new();
    for (name, spec) in readers {
        let spec = match spec {
            Ok(spec) => spec,
            Err(reason) => {
                lines.push(format!("  clip detector {name}: {reason}"));
                continue;
            }
        };
        if videos.is_empty() {
            lines.push(format!(
                "  clip detector {name}: no videos here ({stills} still image(s) are not scored by it)"
            ));
            continue;
        }
        let (mut clips, mut short) = (0usize, 0usize);
        for frames in videos.values() {
            let positions: Vec<usize> = (0..*frames).collect();
            match spec.cut(&positions) {
                Ok(cut) => clips += cut.len(),
                Err(_) => short += 1,
            }
        }
        let mut line = format!(
            "  clip detector {name}: {clips} clips of {} frames from {} videos; {short} video(s) too short (recorded as video_too_short)",
            spec.clip_size,
            videos.len() - short
        );
        if stills > 0 {
            line.push_str(&format!(
                "; {stills} still image(s) are not videos and are not scored by it"
            ));
        }
        lines.push(line);
    }
    lines.join("\n")
}
