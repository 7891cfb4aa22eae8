//! Tests of frame order and frame selection, with indices checked against numpy.
use super::*;

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn parses_and_prints_every_selection() {
    for text in ["all", "uniform:8", "first:32"] {
        let parsed = FrameSelection::try_from(text.to_string()).expect("valid");
        assert_eq!(parsed.to_string(), text);
    }
    for bad in ["some", "uniform:0", "first:x", "last:3"] {
        let error = FrameSelection::try_from(bad.to_string()).expect_err("invalid");
        assert!(error.contains("uniform:N"), "{error}");
    }
}

#[test]
fn first_takes_the_lowest_numbers_not_the_listing_order() {
    let frames = names(&["v/30.png", "v/0.png", "v/120.png", "v/15.png", "v/60.png"]);
    let picked = select(frames, &FrameSelection::First(3)).expect("numeric");
    assert_eq!(picked, names(&["v/0.png", "v/15.png", "v/30.png"]));
}

#[test]
fn uniform_spreads_over_the_whole_video() {
    let frames: Vec<String> = (0..10).map(|i| format!("v/{i:03}.png")).collect();
    let picked = select(frames, &FrameSelection::Uniform(4)).expect("select");
    assert_eq!(
        picked,
        names(&["v/000.png", "v/003.png", "v/006.png", "v/009.png"])
    );
}

#[test]
fn first_needs_numeric_names_and_says_which_is_not() {
    let frames = names(&["v/001.png", "v/cover.png"]);
    let error = select(frames.clone(), &FrameSelection::First(1)).expect_err("not numeric");
    assert_eq!(error.frame, "v/cover.png");
    assert_eq!(select(frames, &FrameSelection::All).expect("all").len(), 2);
}

#[test]
fn frames_sort_by_the_integer_stem_not_the_path_string() {
    let mut frames = names(&["v/10.png", "v/2.png", "v/1.png", "v/100.png", "v/20.png"]);
    sort_frames(&mut frames);
    assert_eq!(
        frames,
        names(&["v/1.png", "v/2.png", "v/10.png", "v/20.png", "v/100.png"])
    );
}

#[test]
fn a_mixed_video_keeps_integer_order_and_puts_named_frames_last() {
    let frames = names(&["v/10.png", "v/cover.png", "v/2.png", "v/alpha.png"]);
    let picked = select(frames, &FrameSelection::All).expect("all");
    assert_eq!(
        picked,
        names(&["v/2.png", "v/10.png", "v/alpha.png", "v/cover.png"])
    );
}

#[test]
fn uniform_for_images_matches_numpy_linspace_exactly() {
    // np.linspace(0, n - 1, N, endpoint=True, dtype=int), numpy 2.4.
    let cases: [(usize, usize, &[usize]); 5] = [
        (10, 4, &[0, 3, 6, 9]),
        (32, 8, &[0, 4, 8, 13, 17, 22, 26, 31]),
        (
            31,
            23,
            &[
                0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 16, 17, 19, 20, 21, 23, 24, 25, 27, 28, 30,
            ],
        ),
        (
            270,
            32,
            &[
                0, 8, 17, 26, 34, 43, 52, 60, 69, 78, 86, 95, 104, 112, 121, 130, 138, 147, 156,
                164, 173, 182, 190, 199, 208, 216, 225, 234, 242, 251, 260, 269,
            ],
        ),
        (7, 1, &[0]),
    ];
    for (count, wanted, expected) in cases {
        let indices = FrameSelection::Uniform(wanted).indices(count, FrameReader::Image);
        assert_eq!(indices, expected, "{wanted} of {count}");
    }
}

#[test]
fn uniform_reads_a_short_video_whole() {
    let indices = FrameSelection::Uniform(32).indices(5, FrameReader::Image);
    assert_eq!(indices, [0, 1, 2, 3, 4]);
    assert!(
        FrameSelection::Uniform(3)
            .indices(0, FrameReader::Image)
            .is_empty()
    );
}

#[test]
fn clip_detectors_read_contiguous_frames_from_the_start() {
    let uniform = FrameSelection::Uniform(8).indices(32, FrameReader::Clip);
    assert_eq!(uniform, [0, 1, 2, 3, 4, 5, 6, 7]);
    let first = FrameSelection::First(8).indices(32, FrameReader::Clip);
    assert_eq!(first, uniform);
    assert_eq!(
        FrameSelection::Uniform(16).indices(10, FrameReader::Clip),
        (0..10).collect::<Vec<_>>()
    );
}

#[test]
fn first_and_all_read_the_same_frames_for_both_readers() {
    for reader in [FrameReader::Image, FrameReader::Clip] {
        assert_eq!(FrameSelection::First(3).indices(32, reader), [0, 1, 2]);
        assert_eq!(FrameSelection::All.indices(4, reader), [0, 1, 2, 3]);
    }
}

#[test]
fn select_applies_the_image_rule_after_integer_ordering() {
    let frames: Vec<String> = (0..31).rev().map(|i| format!("v/{i}.png")).collect();
    let picked = select(frames, &FrameSelection::Uniform(23)).expect("select");
    assert_eq!(
        picked[11], "v/14.png",
        "numpy's float step, not exact arithmetic"
    );
    assert_eq!(picked.len(), 23);
    assert_eq!(picked[22], "v/30.png");
}

#[test]
fn the_union_marks_who_reads_each_frame() {
    use crate::sample::FrameReads::{Both, ClipOnly, ImageOnly};
    let frames: Vec<String> = (0..16).rev().map(|i| format!("v/{i}.png")).collect();
    let union = select_union(frames.clone(), &FrameSelection::Uniform(8)).expect("select");
    let marks: Vec<(String, crate::sample::FrameReads)> = [
        (0, Both),
        (1, ClipOnly),
        (2, Both),
        (3, ClipOnly),
        (4, Both),
        (5, ClipOnly),
        (6, Both),
        (7, ClipOnly),
        (8, ImageOnly),
        (10, ImageOnly),
        (12, ImageOnly),
        (15, ImageOnly),
    ]
    .into_iter()
    .map(|(i, reads)| (format!("v/{i}.png"), reads))
    .collect();
    assert_eq!(union, marks);
    let first = select_union(frames, &FrameSelection::First(3)).expect("numeric");
    assert!(first.iter().all(|(_, reads)| *reads == Both), "{first:?}");
}
