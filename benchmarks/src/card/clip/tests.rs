//! Tests of clip cards: parsing and validation, the fingerprint, and cutting videos into clips
//! exactly as DeepfakeBench's test loader does.
use super::*;
use crate::card::{CardError, DetectorCard};

const IMAGE: &str = r#"
model = "m.pt"
input_size = 224
resize = "resize"
normalize = "half"
output = "two-class"
"#;

fn card(extra: &str) -> Result<DetectorCard, CardError> {
    DetectorCard::parse(&format!("{IMAGE}{extra}"), "cards/i3d.toml")
}

fn spec(extra: &str) -> ClipSpec {
    match card(extra).expect("valid card").clip_spec() {
        Ok(Some(spec)) => spec,
        other => panic!("expected a clip spec, got {other:?}"),
    }
}

fn starts(clips: &[Clip]) -> Vec<usize> {
    clips.iter().map(|clip| clip.frames[0]).collect()
}

/// DeepfakeBench's test-time clips (abstract_dataset.py, `video_mode`), transcribed.
fn deepfakebench_starts(total: usize, clip_size: usize) -> Vec<usize> {
    let num_clips = total / clip_size;
    if num_clips > 1 {
        let clip_step = (total - clip_size) / (num_clips - 1);
        (0..num_clips).map(|i| i * clip_step).collect()
    } else {
        vec![0]
    }
}

#[test]
fn default_clips_are_deepfakebench_clips() {
    let i3d = spec("input = \"clip\"\nclip_size = 8\nlayout = \"bcthw\"\n");
    let frames: Vec<usize> = (0..35).collect();
    assert_eq!(starts(&i3d.cut(&frames[..32]).expect("32")), [0, 8, 16, 24]);
    assert_eq!(starts(&i3d.cut(&frames[..30]).expect("30")), [0, 11, 22]);
    assert_eq!(starts(&i3d.cut(&frames).expect("35")), [0, 9, 18, 27]);
    assert_eq!(starts(&i3d.cut(&frames[..12]).expect("12")), [0]);
    let clips = i3d.cut(&frames[..30]).expect("30");
    assert_eq!(clips[1].index, 1);
    assert_eq!(clips[1].frames, (11..19).collect::<Vec<_>>());
    for clip_size in 1..=33 {
        let sized = ClipSpec {
            clip_size,
            clip_stride: clip_size,
            ..i3d
        };
        for total in clip_size as usize..=140 {
            let selected: Vec<usize> = (0..total).collect();
            let clips = sized.cut(&selected).expect("long enough");
            assert_eq!(
                starts(&clips),
                deepfakebench_starts(total, clip_size as usize),
                "{total} frames, clips of {clip_size}"
            );
            assert!(
                clips
                    .iter()
                    .all(|clip| clip.frames.len() == clip_size as usize)
            );
        }
    }
}

#[test]
fn a_video_shorter_than_a_clip_is_video_too_short() {
    let i3d = spec("input = \"clip\"\nclip_size = 16\nlayout = \"bcthw\"\n");
    let error = i3d.cut(&(0..15).collect::<Vec<_>>()).expect_err("short");
    assert_eq!(
        error,
        VideoTooShort {
            frames: 15,
            clip_size: 16
        }
    );
    assert_eq!(error.failure_kind(), FailureKind::VideoTooShort);
    assert!(
        error.to_string().contains("15 selected frame(s)"),
        "{error}"
    );
    assert!(i3d.cut(&[]).is_err());
}

#[test]
fn stride_and_clip_count_spread_clips_over_the_selected_frames() {
    let overlapping =
        spec("input = \"clip\"\nclip_size = 8\nclip_stride = 4\nlayout = \"btchw\"\n");
    let frames: Vec<usize> = (0..32).collect();
    let clips = overlapping.cut(&frames).expect("cut");
    assert_eq!(starts(&clips), [0, 4, 8, 12, 16, 20, 24]);
    let two = spec("input = \"clip\"\nclip_size = 8\nclips_per_video = 2\nlayout = \"btchw\"\n");
    assert_eq!(starts(&two.cut(&frames).expect("cut")), [0, 24]);
    // Clips read the selected frame indices, not positions.
    let selected: Vec<usize> = (100..116).collect();
    let clips = two.cut(&selected).expect("cut");
    assert_eq!(clips[1].frames, (108..116).collect::<Vec<_>>());
}

#[test]
fn clip_and_thumbnail_fields_resolve_with_defaults() {
    let i3d = spec("input = \"clip\"\nclip_size = 16\nlayout = \"bcthw\"\n");
    assert_eq!(
        (i3d.clip_stride, i3d.clips_per_video, i3d.layout),
        (16, ClipsPerVideo::All, Some(ClipLayout::Bcthw))
    );
    let tall = spec("input = \"thumbnail\"\ngrid = \"2x2\"\nclips_per_video = 3\n");
    assert_eq!((tall.clip_size, tall.clip_stride), (4, 4));
    assert_eq!(tall.grid, Some(Grid { rows: 2, cols: 2 }));
    assert_eq!(tall.clips_per_video, ClipsPerVideo::AtMost(3));
    let image = card("").expect("image card");
    assert_eq!(image.clip_spec(), Ok(None));
    let text = card("input = \"thumbnail\"\ngrid = \"2x2\"\nclips_per_video = 3\n").expect("tall");
    let round_trip = DetectorCard::parse(&toml::to_string(&text).expect("toml"), "rt");
    assert_eq!(round_trip.expect("reparse"), text);
}

#[test]
fn invalid_clip_fields_name_the_card_file_and_the_field() {
    let cases = [
        (
            "input = \"clip\"\nlayout = \"bcthw\"\n",
            "needs `clip_size`",
        ),
        ("input = \"clip\"\nclip_size = 8\n", "needs `layout`"),
        (
            "input = \"clip\"\nclip_size = 8\nlayout = \"bcthw\"\ngrid = \"2x2\"\n",
            "`grid` does not apply to input = \"clip\"",
        ),
        (
            "clip_size = 8\n",
            "`clip_size` does not apply to input = \"image\"",
        ),
        ("input = \"thumbnail\"\n", "needs `grid`"),
        (
            "input = \"thumbnail\"\ngrid = \"2x2\"\nclip_size = 8\n",
            "`clip_size` 8 does not fill grid 2x2",
        ),
        (
            "input = \"clip\"\nclip_size = 0\nlayout = \"bcthw\"\n",
            "`clip_size` 0 must be between 1 and 1024",
        ),
        (
            "input = \"clip\"\nclip_size = 8\nclip_stride = 0\nlayout = \"bcthw\"\n",
            "`clip_stride` 0 must be between 1 and 1024",
        ),
        (
            "input = \"clip\"\nclip_size = 8\nlayout = \"bhwc\"\n",
            "layout",
        ),
        (
            "input = \"clip\"\nclip_size = 8\nclips_per_video = 0\n",
            "clips_per_video = 0",
        ),
        (
            "input = \"clip\"\nclips_per_video = \"some\"\n",
            "field `clips_per_video`",
        ),
        ("input = \"thumbnail\"\ngrid = \"2by2\"\n", "field `grid`"),
        ("input = \"video\"\n", "input"),
    ];
    for (extra, says) in cases {
        let message = card(extra).expect_err(extra).to_string();
        assert!(message.contains("cards/i3d.toml"), "{message}");
        assert!(message.contains(says), "{says} missing from: {message}");
    }
    let both = card("input = \"clip\"\n")
        .expect_err("two problems")
        .to_string();
    assert!(
        both.contains("needs `clip_size`") && both.contains("needs `layout`"),
        "{both}"
    );
}

#[test]
fn the_fingerprint_covers_every_clip_field_and_image_cards_keep_theirs() {
    let image = card("").expect("image").preprocessing_signature();
    assert_eq!(
        image,
        "size=224;resize=Resize;shorter=256;mean=[0.5, 0.5, 0.5];std=[0.5, 0.5, 0.5];\
         order=Rgb;output=TwoClass",
        "an image card's signature has no clip fields"
    );
    let base = "input = \"clip\"\nclip_size = 8\nlayout = \"bcthw\"\n";
    let signature = |extra: &str| card(extra).expect(extra).preprocessing_signature();
    let clip = signature(base);
    assert!(clip.starts_with(&image), "{clip}");
    assert_eq!(
        signature(&format!(
            "{base}clip_stride = 8\nclips_per_video = \"all\"\n"
        )),
        clip,
        "spelling the defaults changes nothing"
    );
    let variants = [
        base.replace("clip_size = 8", "clip_size = 16"),
        format!("{base}clip_stride = 4\n"),
        format!("{base}clips_per_video = 2\n"),
        base.replace("bcthw", "btchw"),
        "input = \"thumbnail\"\ngrid = \"2x2\"\n".to_string(),
        "input = \"thumbnail\"\ngrid = \"1x4\"\n".to_string(),
    ];
    let mut seen = std::collections::BTreeSet::from([image.clone(), clip.clone()]);
    for variant in variants {
        assert!(
            seen.insert(signature(&variant)),
            "{variant} repeats a signature"
        );
    }
}
