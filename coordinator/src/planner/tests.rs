//! Tests of run planning: shards keep videos whole, dataset checks gate the run, named roots.
use super::*;
use dfbench_benchmarks::Label;

fn sample(path: &str, video: &str) -> Sample {
    Sample {
        dataset: "d".into(),
        subset: "s".into(),
        rel_path: path.into(),
        label: Label::Fake,
        label_group: "g".into(),
        method: "m".into(),
        split: "test".into(),
        compression: "raw".into(),
        video_key: video.into(),
        frame_index: None,
        reads: dfbench_benchmarks::FrameReads::Both,
        published_md5: None,
    }
}

#[test]
fn shards_never_split_a_video() {
    let samples = vec![
        sample("a/1", "va"),
        sample("b/1", "vb"),
        sample("a/2", "va"),
        sample("a/3", "va"),
        sample("c/1", "vc"),
    ];
    let groups = video_groups(&samples, 2);
    assert_eq!(groups, vec![vec![0, 2, 3], vec![1, 4]]);
}

#[test]
fn frames_of_a_video_keep_integer_order_in_their_shard() {
    let samples = vec![
        sample("v/10.png", "v"),
        sample("v/2.png", "v"),
        sample("v/1.png", "v"),
        sample("v/cover.png", "v"),
        sample("v/100.png", "v"),
    ];
    let groups = video_groups(&samples, 8);
    assert_eq!(groups, vec![vec![2, 1, 0, 4, 3]]);
}

#[test]
fn plan_order_puts_each_video_in_frame_order_after_earlier_datasets() {
    let mut samples = vec![sample("earlier/0.png", "earlier")];
    let kept = vec![
        sample("w/1.png", "w"),
        sample("v/10.png", "v"),
        sample("v/9.png", "v"),
    ];
    let groups = append_in_shard_order(kept, 1, &mut samples);
    let paths: Vec<&str> = samples.iter().map(|s| s.rel_path.as_str()).collect();
    assert_eq!(paths, ["earlier/0.png", "v/9.png", "v/10.png", "w/1.png"]);
    assert_eq!(groups, vec![vec![1, 2], vec![3]]);
}

#[test]
fn utc_formatting_matches_known_dates() {
    assert_eq!(format_utc(0), "19700101-000000");
    assert_eq!(format_utc(1_795_219_200_000), "20261121-000000");
    assert_eq!(format_utc(951_782_400_000 + 3_723_000), "20000229-010203");
}

const FIXTURE_SUITE: &str = r#"
name = "p"
shard_size = 1
[roots]
lab = "nowhere"
[[datasets]]
name = "ff"
format = "dfb-json"
root = "lab:rgb"
json_dir = "lab:json"
sets = ["FF-DF"]
frames = "all"
[[detectors]]
name = "npr"
kind = "builtin"
"#;

/// An FF-DF JSON with one real and one fake video of two frames each; one frame is absent.
fn fixture(dir: &Path) {
    let json = r#"{"FF-DF": {
        "FF-real": {"test": {"c23": {"000": {"label": "FF-real", "frames": [
            "FaceForensics++\\original_sequences\\youtube\\c23\\frames\\000\\000.png",
            "FaceForensics++\\original_sequences\\youtube\\c23\\frames\\000\\015.png"]}}}},
        "FF-DF": {"test": {"c23": {"000_003": {"label": "FF-DF", "frames": [
            "FaceForensics++\\manipulated_sequences\\Deepfakes\\c23\\frames\\000_003\\000.png",
            "FaceForensics++\\manipulated_sequences\\Deepfakes\\c23\\frames\\000_003\\015.png"]}}}}}}"#;
    std::fs::create_dir_all(dir.join("json")).expect("mkdir");
    std::fs::write(dir.join("json/FF-DF.json"), json).expect("json");
    for rel in [
        "original_sequences/youtube/c23/frames/000/000.png",
        "original_sequences/youtube/c23/frames/000/015.png",
        "manipulated_sequences/Deepfakes/c23/frames/000_003/000.png",
    ] {
        let path = dir.join("rgb/FaceForensics++").join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, b"not decoded at plan time").expect("write");
    }
}

fn request<'a>(
    data_root: &'a Path,
    roots: &'a std::collections::BTreeMap<String, std::path::PathBuf>,
    allow_missing: bool,
) -> RunRequest<'a> {
    RunRequest {
        suite_text: FIXTURE_SUITE,
        suite_origin: "p.toml",
        data_root,
        data_roots: roots,
        allow_missing,
        name: "",
        dfbench_version: "test",
        now_ms: 0,
        sampling: Default::default(),
        serve_roots: None,
        output_root: None,
    }
}

#[test]
fn a_missing_listed_frame_stops_the_run_unless_allowed() {
    let dir = tempfile::tempdir().expect("tmp");
    fixture(dir.path());
    let roots = std::collections::BTreeMap::from([("lab".to_string(), dir.path().to_path_buf())]);
    let error = expect_refused(plan_run(&request(dir.path(), &roots, false)), "refused");
    let message = error.to_string();
    assert!(
        message.contains("000_003/015.png") && message.contains("--allow-missing"),
        "{message}"
    );

    let plan = plan_run(&request(dir.path(), &roots, true)).expect("allowed");
    assert_eq!(plan.datasets[0].name, "ff/FF-DF");
    assert_eq!(plan.samples.len(), 4, "the missing frame stays a sample");
    // Shards of size 1 still keep both frames of each video together.
    assert_eq!(plan.shards.len(), 2);
    for shard in &plan.shards {
        let videos: std::collections::BTreeSet<_> = shard
            .sample_indices
            .iter()
            .map(|&i| &plan.samples[i].video_key)
            .collect();
        assert_eq!((videos.len(), shard.sample_indices.len()), (1, 2));
    }
}

#[test]
fn the_suite_root_name_is_overridden_by_the_command_line_and_unset_names_are_named() {
    let dir = tempfile::tempdir().expect("tmp");
    fixture(dir.path());
    let none = std::collections::BTreeMap::new();
    let error = expect_refused(
        plan_run(&request(dir.path(), &none, true)),
        "suite root is wrong",
    );
    assert!(error.to_string().contains("nowhere"), "{error}");
    let unset = FIXTURE_SUITE.replace("lab = \"nowhere\"\n", "");
    let mut bare = request(dir.path(), &none, true);
    bare.suite_text = &unset;
    let message = expect_refused(plan_run(&bare), "unset").to_string();
    assert!(message.contains("--data-root lab=/path/to/it"), "{message}");
}

fn expect_refused(result: Result<RunPlan, PlanError>, why: &str) -> PlanError {
    match result {
        Ok(plan) => panic!("{why}: planned {} samples", plan.samples.len()),
        Err(error) => error,
    }
}

#[test]
fn shards_are_cut_per_expanded_perturbation_over_the_same_samples() {
    let dir = tempfile::tempdir().expect("tmp");
    fixture(dir.path());
    let roots = std::collections::BTreeMap::from([("lab".to_string(), dir.path().to_path_buf())]);
    let clean = plan_run(&request(dir.path(), &roots, true)).expect("clean plan");
    let graded = FIXTURE_SUITE.replace(
        "shard_size = 1\n",
        "shard_size = 1\nperturbations = [\"none\", \"jpeg:q=95,75\", \"blur:sigma=2.0\"]\n",
    );
    let mut graded_request = request(dir.path(), &roots, true);
    graded_request.suite_text = &graded;
    let plan = plan_run(&graded_request).expect("graded plan");
    // Samples and the dataset version do not depend on the perturbations.
    assert_eq!(plan.samples, clean.samples);
    assert_eq!(plan.datasets[0].fingerprint, clean.datasets[0].fingerprint);
    let ids: Vec<&str> = plan
        .shards
        .iter()
        .map(|s| s.perturbation.as_str())
        .collect();
    let expected = ["none", "jpeg:q=95", "jpeg:q=75", "blur:sigma=2"];
    assert_eq!(ids.len(), clean.shards.len() * expected.len());
    for (index, perturbation) in expected.iter().enumerate() {
        let cut = &plan.shards[index * clean.shards.len()..(index + 1) * clean.shards.len()];
        for (shard, clean_shard) in cut.iter().zip(&clean.shards) {
            assert_eq!(shard.perturbation, *perturbation);
            assert_eq!(shard.sample_indices, clean_shard.sample_indices);
        }
    }
}

/// One rule for the runtime: `kind = "onnx"` needs a `.onnx` model and `torchscript` anything
/// else; a mismatch refuses the run naming the suite file, the detector and the card. A fitting
/// onnx detector is fingerprinted from its weights and makes the run require `onnx`.
#[test]
fn the_card_model_file_must_match_the_detector_kind() {
    let dir = tempfile::tempdir().expect("tmp");
    fixture(dir.path());
    let roots = std::collections::BTreeMap::from([("lab".to_string(), dir.path().to_path_buf())]);
    let card = |model: &str| {
        format!(
            "model = \"{model}\"\ninput_size = 8\nresize = \"resize\"\nnormalize = \"half\"\noutput = \"logit\"\n"
        )
    };
    std::fs::write(dir.path().join("net.onnx"), b"onnx bytes").expect("onnx");
    std::fs::write(dir.path().join("net.pt"), b"torch bytes").expect("pt");
    std::fs::write(dir.path().join("onnx-card.toml"), card("net.onnx")).expect("card");
    std::fs::write(dir.path().join("pt-card.toml"), card("net.pt")).expect("card");
    let suite = |kind: &str, card: &str| {
        format!(
            "{FIXTURE_SUITE}[[detectors]]\nname = \"m\"\nkind = \"{kind}\"\ncard = \"{card}\"\n"
        )
    };
    for (kind, card_file, model) in [
        ("onnx", "pt-card.toml", "net.pt"),
        ("torchscript", "onnx-card.toml", "net.onnx"),
    ] {
        let text = suite(kind, card_file);
        let mut mismatched = request(dir.path(), &roots, true);
        mismatched.suite_text = &text;
        let message = expect_refused(plan_run(&mismatched), "kind mismatch").to_string();
        for needle in ["p.toml", "detector `m`", card_file, model, kind] {
            assert!(message.contains(needle), "{needle} missing from: {message}");
        }
    }
    let text = suite("onnx", "onnx-card.toml");
    let mut fitting = request(dir.path(), &roots, true);
    fitting.suite_text = &text;
    let plan = plan_run(&fitting).expect("an onnx card for an onnx detector plans");
    assert_eq!(plan.run.requires, vec!["onnx".to_string()]);
    let detector = plan
        .detectors
        .iter()
        .find(|detector| detector.name == "m")
        .expect("planned detector");
    assert_eq!(detector.kind, "onnx");
    assert!(
        detector
            .fingerprint
            .as_deref()
            .is_some_and(|fingerprint| fingerprint.starts_with("sha256:")),
        "{:?}",
        detector.fingerprint
    );
    assert!(
        detector
            .card
            .as_deref()
            .is_some_and(|card| card.contains("net.onnx")),
        "{:?}",
        detector.card
    );
}

/// Routing end to end below gRPC: a run planned from a suite with an onnx detector is never
/// leased to a worker that registered without `onnx` (what a build without the feature, or
/// without a usable ONNX Runtime, declares); a worker with it gets the shard.
#[tokio::test]
async fn a_worker_without_onnx_never_receives_an_onnx_shard() {
    let dir = tempfile::tempdir().expect("tmp");
    fixture(dir.path());
    let roots = std::collections::BTreeMap::from([("lab".to_string(), dir.path().to_path_buf())]);
    std::fs::write(dir.path().join("net.onnx"), b"onnx bytes").expect("onnx");
    std::fs::write(
        dir.path().join("card.toml"),
        "model = \"net.onnx\"\ninput_size = 8\nresize = \"resize\"\nnormalize = \"half\"\noutput = \"logit\"\n",
    )
    .expect("card");
    let text = format!(
        "{FIXTURE_SUITE}[[detectors]]\nname = \"m\"\nkind = \"onnx\"\ncard = \"card.toml\"\n"
    );
    let mut request = request(dir.path(), &roots, true);
    request.suite_text = &text;
    let plan = plan_run(&request).expect("plan");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("routing.db").display()
    );
    let store = dfbench_store::open_store(&url).await.expect("store");
    store.create_run(&plan).await.expect("create run");
    let now = dfbench_store::now_ms();
    let register = |name: &str, capabilities: &[&str]| dfbench_store::WorkerRecord {
        worker_id: name.to_string(),
        incarnation: 1,
        hostname: "h".to_string(),
        dfbench_version: "test".to_string(),
        capabilities: capabilities.iter().map(|c| c.to_string()).collect(),
        devices: vec!["cpu".to_string()],
        now_ms: now,
        left_at_ms: None,
    };
    let lease = |name: &str| dfbench_store::LeaseOwner {
        worker_id: name.to_string(),
        incarnation: 1,
    };
    for (name, capabilities) in [
        ("plain", &["builtin"][..]),
        ("torch-only", &["builtin", "torch", "cuda"][..]),
    ] {
        store
            .register_worker(&register(name, capabilities))
            .await
            .expect("register");
        for _ in 0..3 {
            let got = store
                .acquire_shard(&lease(name), now, 10_000)
                .await
                .expect("acquire");
            assert!(got.is_none(), "{name} must never lease an onnx shard");
        }
    }
    let waiting = crate::waiting::waiting_reason(
        &plan.run.requires,
        &store.workers().await.expect("workers"),
        now,
    );
    assert_eq!(
        waiting.as_deref(),
        Some("waiting: no live worker has onnx; start `dfbench worker` built with --features onnx")
    );
    store
        .register_worker(&register("onnx", &["builtin", "onnx"]))
        .await
        .expect("register");
    let shard = store
        .acquire_shard(&lease("onnx"), now, 10_000)
        .await
        .expect("acquire")
        .expect("the onnx worker leases the shard");
    assert_eq!(shard.run_id, plan.run.id);
}

#[test]
fn clip_detectors_plan_their_clips_per_video_and_record_videos_too_short() {
    let dir = tempfile::tempdir().expect("tmp");
    fixture(dir.path());
    std::fs::write(dir.path().join("i3d.pt"), b"weights").expect("model");
    let card = "model = \"i3d.pt\"\ninput_size = 224\nresize = \"resize\"\nnormalize = \"half\"\n\
                output = \"two-class\"\ninput = \"clip\"\nclip_size = 2\nlayout = \"bcthw\"\n";
    std::fs::write(dir.path().join("i3d.toml"), card).expect("card");
    let suite = FIXTURE_SUITE.replace(
        "name = \"npr\"\nkind = \"builtin\"",
        "name = \"i3d\"\nkind = \"torchscript\"\ncard = \"i3d.toml\"\n\
         [[detectors]]\nname = \"temporal\"\nkind = \"builtin\"",
    );
    let roots = std::collections::BTreeMap::from([("lab".to_string(), dir.path().to_path_buf())]);
    let mut clip = request(dir.path(), &roots, true);
    clip.suite_text = &suite;
    let plan = plan_run(&clip).expect("a clip card plans");
    let inputs: Vec<_> = plan.detectors.iter().map(|d| d.input).collect();
    assert_eq!(inputs, [InputKind::Clip, InputKind::Clip]);
    assert_eq!(plan.shards.len(), 2, "one video per shard");
    for shard in &plan.shards {
        let [i3d, temporal] = &shard.clips[..] else {
            panic!("two clip outcomes per video: {:?}", shard.clips);
        };
        assert_eq!((i3d.detector.as_str(), i3d.clip_index), ("i3d", 0));
        assert_eq!(
            i3d.sample_indices, shard.sample_indices,
            "both frames, in order"
        );
        assert_eq!((i3d.first_frame, i3d.last_frame), (0, 15));
        assert!(i3d.planned_failure.is_none());
        let (kind, message) = temporal.planned_failure.clone().expect("too short");
        assert_eq!(kind, dfbench_benchmarks::FailureKind::VideoTooShort);
        assert!(
            message.contains("2 selected frame(s), fewer than one clip of 4"),
            "{message}"
        );
        assert!(temporal.sample_indices.is_empty());
        assert_eq!(temporal.video_sample, shard.sample_indices[0]);
    }
}

#[test]
fn clips_cut_each_video_of_a_shard_and_skip_stills() {
    let mut samples: Vec<Sample> = (0..5)
        .map(|frame| Sample {
            frame_index: Some(frame * 2),
            ..sample(&format!("v/{frame}.png"), "v")
        })
        .collect();
    samples.push(sample("still.png", "still.png"));
    let readers = [ClipReader {
        detector: "t".into(),
        spec: dfbench_benchmarks::builtin_params::temporal::clip_spec(),
    }];
    let clips = clips::plan_shard_clips(&samples, &[0, 1, 2, 3, 4, 5], &readers);
    assert_eq!(
        clips.len(),
        1,
        "5 frames give one clip of 4; the still gives none"
    );
    assert_eq!(clips[0].sample_indices, [0, 1, 2, 3]);
    assert_eq!((clips[0].first_frame, clips[0].last_frame), (0, 6));
}

#[test]
fn ffpp_cross_plans_the_example_clip_card() {
    let dir = tempfile::tempdir().expect("tmp");
    dfbench_benchmarks::synth::write_demo_dataset(dir.path()).expect("synth");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let text =
        std::fs::read_to_string(repo.join("benchmarks/suites/ffpp-cross.toml")).expect("suite");
    // Uncomments the i3d example block (from `# [[detectors]]` before `# name = "i3d"` to the
    // next blank line) and points its card line at the copy below.
    let lines: Vec<&str> = text.lines().collect();
    let name = lines
        .iter()
        .position(|line| *line == "# name = \"i3d\"")
        .expect("the i3d example");
    let mut suite = String::new();
    let mut in_block = false;
    for (index, line) in lines.iter().enumerate() {
        in_block = (in_block || index + 1 == name) && !line.trim().is_empty();
        let line = match line.strip_prefix("# ") {
            Some(_) if in_block && line.starts_with("# card = ") => "card = \"cards/i3d.toml\"",
            Some(rest) if in_block => rest,
            _ => line,
        };
        suite.push_str(line);
        suite.push('\n');
    }
    assert!(
        suite.contains("card = \"cards/i3d.toml\""),
        "the example block is there"
    );
    std::fs::create_dir_all(dir.path().join("cards")).expect("mkdir");
    std::fs::copy(
        repo.join("benchmarks/cards/i3d.toml"),
        dir.path().join("cards/i3d.toml"),
    )
    .expect("card");
    std::fs::write(dir.path().join("cards/i3d.pt"), b"weights").expect("model");
    let roots = std::collections::BTreeMap::from([
        ("rgb".to_string(), dir.path().join("rgb")),
        ("dfb_json".to_string(), dir.path().join("dataset_json")),
    ]);
    let request = RunRequest {
        suite_text: &suite,
        suite_origin: "ffpp-cross.toml",
        ..request(dir.path(), &roots, false)
    };
    let plan = plan_run(&request).expect("ffpp-cross plans with a clip card");
    let i3d = plan
        .detectors
        .iter()
        .find(|d| d.name == "i3d")
        .expect("i3d");
    assert_eq!(i3d.input, InputKind::Clip);
    let clips: Vec<_> = plan
        .shards
        .iter()
        .flat_map(|shard| &shard.clips)
        .filter(|clip| clip.detector == "i3d")
        .collect();
    assert!(!clips.is_empty());
    // The synthetic videos have two frames: each is one planned video_too_short for i3d.
    assert!(clips.iter().all(|clip| clip.planned_failure.is_some()));
}

/// The synthetic `DemoClips` (18 videos of 16 frames) under `frames = "uniform:8"`, with
/// `detectors` (TOML blocks).
fn demo_clips_plan(dir: &Path, detectors: &str) -> RunPlan {
    let suite = format!(
        "name = \"u\"\nshard_size = 64\n[[datasets]]\nname = \"clips\"\nformat = \"dfb-json\"\n\
         root = \"rgb\"\njson_dir = \"dataset_json\"\nsets = [\"DemoClips\"]\n\
         frames = \"uniform:8\"\n{detectors}"
    );
    let roots = std::collections::BTreeMap::new();
    let request = RunRequest {
        suite_text: &suite,
        ..request(dir, &roots, false)
    };
    plan_run(&request).expect("DemoClips plans")
}

#[test]
fn uniform_frames_plan_the_union_of_image_and_clip_reads() {
    use dfbench_benchmarks::FrameReads;
    let dir = tempfile::tempdir().expect("tmp");
    dfbench_benchmarks::synth::write_demo_dataset(dir.path()).expect("synth");
    let image = "[[detectors]]\nname = \"spectral\"\nkind = \"builtin\"\n";
    let clip = "[[detectors]]\nname = \"temporal\"\nkind = \"builtin\"\n";
    let both = demo_clips_plan(dir.path(), &format!("{image}{clip}"));
    let image_only = demo_clips_plan(dir.path(), image);

    // Image detectors read linspace(0, 15, 8) = 0 2 4 6 8 10 12 15, clip detectors 0..=7.
    let marks = |plan: &RunPlan, video: &str| -> Vec<(u32, FrameReads)> {
        plan.samples
            .iter()
            .filter(|s| s.rel_path.contains(video))
            .map(|s| (s.frame_index.expect("a frame"), s.reads))
            .collect()
    };
    use FrameReads::{Both, ClipOnly, ImageOnly};
    let expected = [
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
    ];
    assert_eq!(marks(&both, "StrongFlicker_Fake/000/"), expected);
    assert_eq!(both.samples.len(), 18 * 12, "the union, each frame once");

    // Clips are cut from the clip-read frames only, in frame order: 0-3 and 4-7.
    for shard in &both.shards {
        for clip in &shard.clips {
            assert!(clip.planned_failure.is_none(), "{clip:?}");
            let frames: Vec<u32> = clip
                .sample_indices
                .iter()
                .map(|index| both.samples[*index].frame_index.expect("frame"))
                .collect();
            let first = clip.clip_index as u32 * 4;
            assert_eq!(frames, (first..first + 4).collect::<Vec<_>>());
            assert!(
                clip.sample_indices
                    .iter()
                    .all(|i| both.samples[*i].reads.clip())
            );
        }
    }
    let clips: usize = both.shards.iter().map(|shard| shard.clips.len()).sum();
    assert_eq!(clips, 18 * 2);

    // Without a clip detector nothing changes: the image-read frames, the same fingerprint.
    assert_eq!(
        marks(&image_only, "StrongFlicker_Fake/000/")
            .iter()
            .map(|(frame, _)| *frame)
            .collect::<Vec<_>>(),
        [0, 2, 4, 6, 8, 10, 12, 15]
    );
    assert_eq!(image_only.samples.len(), 18 * 8);
    assert!(image_only.shards.iter().all(|shard| shard.clips.is_empty()));
    assert_eq!(
        both.datasets[0].fingerprint,
        image_only.datasets[0].fingerprint
    );
    let image_read: Vec<&str> = both
        .samples
        .iter()
        .filter(|s| s.reads.image())
        .map(|s| s.rel_path.as_str())
        .collect();
    let mut old: Vec<&str> = image_only
        .samples
        .iter()
        .map(|s| s.rel_path.as_str())
        .collect();
    let mut new = image_read;
    old.sort_unstable();
    new.sort_unstable();
    assert_eq!(old, new);
}

#[test]
fn every_broken_dataset_is_named_at_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let suite = "name = \"two\"\n\
        [[datasets]]\nname = \"first\"\nformat = \"cnnspot\"\nroot = \"missing-one\"\n\
        [[datasets]]\nname = \"second\"\nformat = \"cnnspot\"\nroot = \"missing-two\"\n\
        [[detectors]]\nname = \"npr\"\nkind = \"builtin\"\n";
    let roots = std::collections::BTreeMap::new();
    let request = RunRequest {
        suite_text: suite,
        ..request(dir.path(), &roots, false)
    };
    let message = expect_refused(plan_run(&request), "two missing roots").to_string();
    assert!(
        message.contains("`first`") && message.contains("`second`"),
        "both datasets are named: {message}"
    );
}
