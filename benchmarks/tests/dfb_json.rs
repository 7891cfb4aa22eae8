//! The DeepfakeBench JSON adapter on hand-written JSONs: backslash paths, `_c40`, per-method
//! JSONs, video keys across methods, frame selection, and every bad-input message.

mod support;

use dfbench_benchmarks::Label;
use dfbench_benchmarks::check::DatasetCheck;
use support::*;

const SPEC: &str = r#"name = "dfb"
format = "dfb-json"
root = "rgb"
json_dir = "json"
frames = "all"
"#;

fn with(extra: &str) -> String {
    format!("{SPEC}{extra}\n")
}

/// An FF++-family JSON with FF-real and two methods sharing the fake video name `000_003`.
fn write_ffpp(dir: &std::path::Path) {
    let mut videos = Vec::new();
    for (group, folder, video) in [
        ("FF-real", "original_sequences\\youtube", "000"),
        ("FF-DF", "manipulated_sequences\\Deepfakes", "000_003"),
        ("FF-F2F", "manipulated_sequences\\Face2Face", "000_003"),
    ] {
        let mut by_comp = Vec::new();
        for comp in ["c23", "c40"] {
            let frames: Vec<String> = ["030", "000", "015"]
                .iter()
                .map(|f| {
                    let rel =
                        format!("FaceForensics++\\{folder}\\{comp}\\frames\\{video}\\{f}.png");
                    png(&dir.join("rgb"), &rel.replace('\\', "/"));
                    format!("\"{}\"", rel.replace('\\', "\\\\"))
                })
                .collect();
            by_comp.push(format!(
                "\"{comp}\": {{\"{video}\": {{\"label\": \"{group}\", \"frames\": [{}], \"masks\": []}}}}",
                frames.join(", ")
            ));
        }
        let comps = by_comp.join(", ");
        videos.push(format!(
            "\"{group}\": {{\"train\": {{}}, \"test\": {{{comps}}}}}"
        ));
    }
    text(
        dir,
        "json/FaceForensics++.json",
        &format!("{{\"FaceForensics++\": {{{}}}}}", videos.join(", ")),
    );
    let per_method = std::fs::read_to_string(dir.join("json/FaceForensics++.json"))
        .expect("read")
        .replace("\"FaceForensics++\"", "\"FF-DF\"");
    text(dir, "json/FF-DF.json", &per_method);
}

#[test]
fn backslash_paths_c40_and_per_method_json() {
    let dir = tempfile::tempdir().expect("tmp");
    write_ffpp(dir.path());
    let found = enumerate_ok(&with(r#"sets = ["FF-DF", "FF-DF_c40"]"#), dir.path());
    let c23 = dataset(&found, "dfb/FF-DF");
    let c40 = dataset(&found, "dfb/FF-DF_c40");
    assert_eq!(c23.samples.len(), 9, "3 groups x 3 frames");
    assert!(c23.missing.is_empty(), "{:?}", c23.missing);
    for sample in &c23.samples {
        assert!(sample.rel_path.starts_with("FaceForensics++/") && !sample.rel_path.contains('\\'));
        assert!(sample.rel_path.contains("/c23/"));
        assert_eq!(
            (sample.subset.as_str(), sample.compression.as_str()),
            ("FF-DF", "c23")
        );
    }
    assert!(
        c40.samples
            .iter()
            .all(|s| s.rel_path.contains("/c40/") && s.compression == "c40")
    );
    let real = c23
        .samples
        .iter()
        .find(|s| s.label_group == "FF-real")
        .expect("real");
    assert_eq!((real.label, real.method.as_str()), (Label::Real, "real"));
    let fake = c23
        .samples
        .iter()
        .find(|s| s.label_group == "FF-DF")
        .expect("fake");
    assert_eq!(
        (fake.label, fake.method.as_str()),
        (Label::Fake, "Deepfakes")
    );
    assert_eq!(fake.frame_index, Some(0));
}

#[test]
fn same_video_name_under_two_methods_gets_two_video_keys() {
    let dir = tempfile::tempdir().expect("tmp");
    write_ffpp(dir.path());
    let found = enumerate_ok(&with(r#"sets = ["FaceForensics++"]"#), dir.path());
    let set = dataset(&found, "dfb/FaceForensics++");
    let deepfakes = key_of(set, "Deepfakes/c23/frames/000_003");
    let face2face = key_of(set, "Face2Face/c23/frames/000_003");
    assert_ne!(deepfakes, face2face);
    assert_eq!(deepfakes, "dfb/FaceForensics++/FF-DF/Deepfakes/c23/000_003");
    let legacy = enumerate_ok(
        &with("sets = [\"FaceForensics++\"]\nlegacy_video_key = true"),
        dir.path(),
    );
    let set = dataset(&legacy, "dfb/FaceForensics++");
    assert_eq!(
        key_of(set, "Deepfakes/c23/frames/000_003"),
        key_of(set, "Face2Face/c23/frames/000_003"),
        "DFB's parent-folder key merges the two videos"
    );
}

#[test]
fn frame_selection_first_and_uniform() {
    let dir = tempfile::tempdir().expect("tmp");
    write_ffpp(dir.path());
    let first = enumerate_ok(
        &with("sets = [\"FF-DF\"]").replace("frames = \"all\"", "frames = \"first:2\""),
        dir.path(),
    );
    let frames: Vec<_> = dataset(&first, "dfb/FF-DF")
        .samples
        .iter()
        .filter(|s| s.label_group == "FF-real")
        .map(|s| s.frame_index)
        .collect();
    assert_eq!(frames, [Some(0), Some(15)]);
    let uniform = enumerate_ok(
        &with("sets = [\"FF-DF\"]").replace("frames = \"all\"", "frames = \"uniform:2\""),
        dir.path(),
    );
    // The union of both readers' frames, each marked: image detectors read 2 evenly spaced
    // frames (0, 30), clip detectors the first 2 (0, 15).
    use dfbench_benchmarks::FrameReads;
    let frames: Vec<_> = dataset(&uniform, "dfb/FF-DF")
        .samples
        .iter()
        .filter(|s| s.label_group == "FF-real")
        .map(|s| (s.frame_index, s.reads))
        .collect();
    assert_eq!(
        frames,
        [
            (Some(0), FrameReads::Both),
            (Some(15), FrameReads::ClipOnly),
            (Some(30), FrameReads::ImageOnly)
        ]
    );
}

#[test]
fn a_listed_frame_that_is_absent_is_counted_and_listed() {
    let dir = tempfile::tempdir().expect("tmp");
    write_ffpp(dir.path());
    let gone = "FaceForensics++/manipulated_sequences/Face2Face/c23/frames/000_003/015.png";
    std::fs::remove_file(dir.path().join("rgb").join(gone)).expect("remove");
    let found = enumerate_ok(&with(r#"sets = ["FaceForensics++"]"#), dir.path());
    let set = dataset(&found, "dfb/FaceForensics++");
    assert_eq!(set.samples.len(), 9, "the missing frame stays a sample");
    let check = DatasetCheck::run(set, true);
    assert_eq!(check.missing, [gone]);
    assert!(check.has_errors() && check.unreadable.is_empty());
    assert!(check.render().contains(gone));
    assert!(check.blocking_problems(false)[0].contains("--allow-missing"));
    assert!(check.blocking_problems(true).is_empty());
}

#[test]
fn malformed_json_names_file_path_and_expected_shape() {
    let dir = tempfile::tempdir().expect("tmp");
    text(
        dir.path(),
        "json/UADFV.json",
        r#"{"UADFV": {"UADFV_Fake": {"test": {"0000_fake": {"label": "UADFV_Fake", "frames": "UADFV/fake/0.png"}}}}}"#,
    );
    std::fs::create_dir_all(dir.path().join("rgb")).expect("mkdir");
    let message = enumerate_err(&with(r#"sets = ["UADFV"]"#), dir.path());
    assert!(message.contains("UADFV.json"), "{message}");
    assert!(
        message.contains(r#"$["UADFV"]["UADFV_Fake"]["test"]["0000_fake"].frames"#),
        "{message}"
    );
    assert!(message.contains("a list of frame paths"), "{message}");

    text(
        dir.path(),
        "json/UADFV.json",
        r#"{"UADFV": {"UADFV_Fake": {"train": {}}}}"#,
    );
    let message = enumerate_err(&with(r#"sets = ["UADFV"]"#), dir.path());
    assert!(
        message.contains("key \"test\"") && message.contains("\"train\""),
        "{message}"
    );

    text(dir.path(), "json/UADFV.json", r#"{"UADFV": {"#);
    let message = enumerate_err(&with(r#"sets = ["UADFV"]"#), dir.path());
    assert!(
        message.contains("not valid JSON") && message.contains("UADFV.json"),
        "{message}"
    );

    let message = enumerate_err(&with(r#"sets = ["Celeb-DF-v2"]"#), dir.path());
    assert!(
        message.contains("Celeb-DF-v2.json") && message.contains("json_dir"),
        "{message}"
    );
}

#[test]
fn unknown_label_names_it_and_shows_the_mapping() {
    let dir = tempfile::tempdir().expect("tmp");
    png(&dir.path().join("rgb"), "X/v/000.png");
    text(
        dir.path(),
        "json/X.json",
        r#"{"X": {"X_group": {"test": {"v": {"label": "Synthetic", "frames": ["X\\v\\000.png"]}}}}}"#,
    );
    let message = enumerate_err(&with(r#"sets = ["X"]"#), dir.path());
    assert!(message.contains("`Synthetic`"), "{message}");
    assert!(
        message.contains(r#"label_map = { "Synthetic" = 1 }"#),
        "{message}"
    );
    let found = enumerate_ok(
        &with("sets = [\"X\"]\nlabel_map = { Synthetic = 1, Typo_Real = 0 }"),
        dir.path(),
    );
    assert_eq!(dataset(&found, "dfb/X").samples[0].label, Label::Fake);
    assert_eq!(found.label_problems.len(), 1, "{:?}", found.label_problems);
    assert!(found.label_problems[0].contains("Typo_Real"));
}

#[test]
fn non_numeric_frames_under_first_n_are_a_clear_error() {
    let dir = tempfile::tempdir().expect("tmp");
    png(&dir.path().join("rgb"), "X/v/cover.png");
    text(
        dir.path(),
        "json/simswap_ff.json",
        r#"{"simswap_ff": {"simswap_Fake": {"test": {"v": {"label": "simswap_Fake", "frames": ["./X/v/cover.png"]}}}}}"#,
    );
    let spec = with(r#"sets = ["simswap_ff"]"#).replace("frames = \"all\"", "frames = \"first:8\"");
    let message = enumerate_err(&spec, dir.path());
    assert!(
        message.contains("cover.png") && message.contains("first:N"),
        "{message}"
    );
    let found = enumerate_ok(&with(r#"sets = ["simswap_ff"]"#), dir.path());
    let sample = &dataset(&found, "dfb/simswap_ff").samples[0];
    assert_eq!(
        (sample.method.as_str(), sample.rel_path.as_str()),
        ("simswap", "X/v/cover.png")
    );
}

#[test]
fn duplicate_paths_and_label_conflicts_are_reported() {
    let dir = tempfile::tempdir().expect("tmp");
    png(&dir.path().join("rgb"), "X/v/000.png");
    text(
        dir.path(),
        "json/X.json",
        r#"{"X": {
            "X_real": {"test": {"v": {"label": "X_real", "frames": ["X\\v\\000.png"]}}},
            "X_fake": {"test": {"w": {"label": "X_real", "frames": ["X/v/000.png"]}}}}}"#,
    );
    let found = enumerate_ok(&with(r#"sets = ["X"]"#), dir.path());
    assert_eq!(found.label_problems.len(), 1, "{:?}", found.label_problems);
    assert!(
        found.label_problems[0].contains("`X_fake`") && found.label_problems[0].contains("[\"w\"]"),
        "{:?}",
        found.label_problems
    );
    let check = DatasetCheck::run(dataset(&found, "dfb/X"), false);
    assert_eq!(check.duplicates, ["X/v/000.png"]);
    let problems = check.blocking_problems(true);
    assert!(
        problems.len() == 1 && problems[0].contains("more than once"),
        "{problems:?}"
    );
    assert!(check.has_errors());
}
