//! The cross-domain sets of DeepfakeBench protocol 1 beside FF++ in `rgb/`, each with its DFB
//! JSON (no compression level): Celeb-DF-v1, Celeb-DF-v2 (with `List_of_testing_videos.txt`,
//! also the real side of DF40's cdf domain), DeeperForensics-1.0, DFDC, DFDCP, UADFV. Two real
//! and two fake videos each; every video is in every split, which keeps the JSONs small.

use super::{FRAMES, LayoutSummary, Writer, video_entry, write_json};
use crate::synth::SynthError;
use serde_json::{Map, Value};
use std::path::Path;

/// One video: (label group, folder under the dataset, video name, fake trace strength).
type VideoSpec = (&'static str, &'static str, &'static str, Option<f64>);

const DATASETS: [(&str, &[VideoSpec]); 6] = [
    (
        "Celeb-DF-v1",
        &[
            ("CelebDFv1_real", "Celeb-real", "id0_0000", None),
            ("CelebDFv1_real", "YouTube-real", "00000", None),
            (
                "CelebDFv1_fake",
                "Celeb-synthesis",
                "id0_id1_0000",
                Some(0.5),
            ),
            (
                "CelebDFv1_fake",
                "Celeb-synthesis",
                "id1_id0_0000",
                Some(0.5),
            ),
        ],
    ),
    (
        "Celeb-DF-v2",
        &[
            ("CelebDFv2_real", "Celeb-real", "id0_0000", None),
            ("CelebDFv2_real", "YouTube-real", "00000", None),
            (
                "CelebDFv2_fake",
                "Celeb-synthesis",
                "id0_id1_0000",
                Some(0.3),
            ),
            (
                "CelebDFv2_fake",
                "Celeb-synthesis",
                "id1_id0_0000",
                Some(0.3),
            ),
        ],
    ),
    (
        "DeeperForensics-1.0",
        &[
            ("DF_real", "source_videos", "M004_light_uniform", None),
            ("DF_real", "source_videos", "W101_light_left", None),
            (
                "DF_fake",
                "manipulated_videos/end_to_end",
                "000_M101",
                Some(0.6),
            ),
            (
                "DF_fake",
                "manipulated_videos/end_to_end",
                "001_W102",
                Some(0.6),
            ),
        ],
    ),
    (
        "DFDC",
        &[
            ("DFDC_Real", "test", "aalscayrfi", None),
            ("DFDC_Real", "test", "aayfryxljh", None),
            ("DFDC_Fake", "test", "abhggqdift", Some(0.25)),
            ("DFDC_Fake", "test", "acagallncj", Some(0.25)),
        ],
    ),
    (
        "DFDCP",
        &[
            ("DFDCP_Real", "original_videos/643049", "643049_A_001", None),
            ("DFDCP_Real", "original_videos/643049", "643049_A_002", None),
            ("DFDCP_FakeA", "method_A/643049", "643049_B_001", Some(0.4)),
            ("DFDCP_FakeB", "method_B/643049", "643049_C_001", Some(0.7)),
        ],
    ),
    (
        "UADFV",
        &[
            ("UADFV_Real", "real", "0000", None),
            ("UADFV_Real", "real", "0001", None),
            ("UADFV_Fake", "fake", "0000_fake", Some(0.8)),
            ("UADFV_Fake", "fake", "0001_fake", Some(0.8)),
        ],
    ),
];

/// The real videos of Celeb-DF-v2's `List_of_testing_videos.txt`: (folder, video).
pub(super) const CELEB_DF_V2_TEST_REALS: [(&str, &str); 2] =
    [("YouTube-real", "00000"), ("Celeb-real", "id0_0000")];

pub(super) fn write(rgb: &Path, json: &Path) -> Result<LayoutSummary, SynthError> {
    let mut writer = Writer::new(rgb);
    for (dataset, videos) in DATASETS {
        let mut groups: Map<String, Value> = Map::new();
        for (group, folder, video, strength) in videos {
            let mut frames = Vec::new();
            for frame in FRAMES {
                let rel = format!("{dataset}/{folder}/frames/{video}/{frame}.png");
                writer.image(&rel, *strength, None)?;
                frames.push(rel);
            }
            let entry = video_entry(group, &frames);
            let splits = groups
                .entry(group.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            for split in ["train", "val", "test"] {
                if let Some(splits) = splits.as_object_mut() {
                    let videos = splits
                        .entry(split.to_string())
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Some(videos) = videos.as_object_mut() {
                        videos.insert(video.to_string(), entry.clone());
                    }
                }
            }
        }
        let mut top = Map::new();
        top.insert(dataset.to_string(), Value::Object(groups));
        write_json(json, dataset, &Value::Object(top))?;
    }
    let mut listing: String = CELEB_DF_V2_TEST_REALS
        .iter()
        .map(|(folder, video)| format!("1 {folder}/{video}.mp4\n"))
        .collect();
    listing.push_str("0 Celeb-synthesis/id0_id1_0000.mp4\n0 Celeb-synthesis/id1_id0_0000.mp4\n");
    writer.text("Celeb-DF-v2/List_of_testing_videos.txt", &listing)?;
    Ok(LayoutSummary {
        name: "dfb-cross".to_string(),
        root: rgb.to_path_buf(),
        images: writer.images,
        note: "Celeb-DF-v1/v2, DeeperForensics-1.0, DFDC, DFDCP, UADFV with DFB JSONs (format dfb-json)".to_string(),
    })
}
