//! Every adapter and every suite in `benchmarks/suites` on the trees `write_demo_dataset` writes:
//! all datasets enumerate, decode, carry both labels, and the FF++ folder and JSON adapters agree.

use dfbench_benchmarks::adapter::{self, Enumerated};
use dfbench_benchmarks::check::DatasetCheck;
use dfbench_benchmarks::synth::write_demo_dataset;
use dfbench_benchmarks::{DataRoots, Label, Suite};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn roots_for(suite: &Suite, work: &Path) -> DataRoots {
    let data = work.join("demo-data");
    let overrides = BTreeMap::from([
        ("rgb".to_string(), data.join("rgb")),
        ("dfb_json".to_string(), data.join("dataset_json")),
        (
            "diffusionforensics".to_string(),
            data.join("DiffusionForensics"),
        ),
        ("genimage".to_string(), data.join("GenImage")),
        ("commfor".to_string(), data.join("CommunityForensics")),
        ("aigibench".to_string(), data.join("AIGIBench")),
    ]);
    DataRoots::for_suite(work, &suite.roots, &overrides)
}

fn enumerate(suite_text: &str, work: &Path) -> Vec<Enumerated> {
    let suite = Suite::parse(suite_text, "inline").unwrap_or_else(|error| panic!("{error}"));
    let roots = roots_for(&suite, work);
    let mut out = Vec::new();
    for spec in &suite.datasets {
        let found = adapter::enumerate(spec, &roots).unwrap_or_else(|error| panic!("{error}"));
        assert!(
            found.label_problems.is_empty(),
            "{:?}",
            found.label_problems
        );
        out.extend(found.datasets);
    }
    out
}

/// Everything but the dataset name and video-key prefix.
fn comparable(dataset: &Enumerated) -> BTreeSet<(String, Label, String, String, String, String)> {
    dataset
        .samples
        .iter()
        .map(|s| {
            let video = s
                .video_key
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string();
            (
                s.rel_path.clone(),
                s.label,
                s.label_group.clone(),
                s.method.clone(),
                s.compression.clone(),
                video,
            )
        })
        .collect()
}

#[test]
fn every_suite_and_adapter_reads_the_synth_trees() {
    let dir = tempfile::tempdir().expect("tmp");
    let work = dir.path();
    write_demo_dataset(&work.join("demo-data")).expect("synth");

    let suites_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("suites");
    let mut suites: Vec<PathBuf> = std::fs::read_dir(&suites_dir)
        .expect("suites")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    suites.sort();
    assert!(suites.len() >= 7, "{suites:?}");
    for path in &suites {
        let text = std::fs::read_to_string(path).expect("suite text");
        for dataset in enumerate(&text, work) {
            let check = DatasetCheck::run(&dataset, true);
            assert!(
                !check.has_errors(),
                "{}: {}",
                path.display(),
                check.render()
            );
            let labels: BTreeSet<Label> = dataset.samples.iter().map(|s| s.label).collect();
            assert_eq!(labels.len(), 2, "{} has both classes", dataset.name);
            let subsets: BTreeSet<&str> =
                dataset.samples.iter().map(|s| s.subset.as_str()).collect();
            if dataset.name.contains('/') {
                let set = dataset.name.rsplit('/').next().unwrap_or_default();
                assert_eq!(
                    subsets,
                    BTreeSet::from([set]),
                    "{}: one test set",
                    dataset.name
                );
            }
        }
    }

    // The FF++ folder adapter and the DFB JSON adapter give the same samples.
    let json = enumerate(
        "name = \"a\"\n[[datasets]]\nname = \"x\"\nformat = \"dfb-json\"\nroot = \"rgb:\"\njson_dir = \"dfb_json:\"\nframes = \"all\"\nsets = [\"FaceForensics++\", \"FaceForensics++_c40\", \"FaceShifter\"]\n[[detectors]]\nname = \"npr\"\nkind = \"builtin\"\n",
        work,
    );
    let folders = enumerate(
        "name = \"a\"\n[[datasets]]\nname = \"x\"\nformat = \"ffpp\"\nroot = \"rgb:FaceForensics++\"\nframes = \"all\"\nsets = [\"FaceForensics++\", \"FaceForensics++_c40\", \"FaceShifter\"]\n[[detectors]]\nname = \"npr\"\nkind = \"builtin\"\n",
        work,
    );
    for (from_json, from_folders) in json.iter().zip(&folders) {
        assert_eq!(from_json.name, from_folders.name);
        let (a, b) = (comparable(from_json), comparable(from_folders));
        let from_folders_rel: BTreeSet<_> = b
            .into_iter()
            .map(|(rel, l, g, m, c, v)| (format!("FaceForensics++/{rel}"), l, g, m, c, v))
            .collect();
        assert_eq!(a, from_folders_rel, "{}", from_json.name);
    }
    let ffpp = &json[0];
    assert_eq!(
        ffpp.samples.len(),
        2 * (4 + 4 * 4),
        "test pairs: 4 reals + 4 fakes x 4 methods, 2 frames"
    );
    let keys: BTreeSet<&str> = ffpp.samples.iter().map(|s| s.video_key.as_str()).collect();
    assert_eq!(keys.len(), 4 + 4 * 4, "no two methods share a video key");

    // The CSV manifest and a DF40 JSON.
    let csv = enumerate(
        "name = \"a\"\n[[datasets]]\nname = \"custom\"\nformat = \"csv\"\nroot = \"demo-data/custom\"\nframes = \"uniform:1\"\n[[detectors]]\nname = \"npr\"\nkind = \"builtin\"\n",
        work,
    );
    let subsets: BTreeSet<&str> = csv[0].samples.iter().map(|s| s.subset.as_str()).collect();
    assert_eq!(subsets, ["clips", "stills"].into_iter().collect());
    assert_eq!(
        csv[0].samples.len(),
        4 + 4,
        "one frame per clip, four stills"
    );
    let df40_json = enumerate(
        "name = \"a\"\n[[datasets]]\nname = \"j\"\nformat = \"dfb-json\"\nroot = \"rgb:\"\njson_dir = \"dfb_json:\"\nframes = \"all\"\nsets = [\"simswap_ff\", \"heygen\"]\n[[detectors]]\nname = \"npr\"\nkind = \"builtin\"\n",
        work,
    );
    for dataset in &df40_json {
        assert!(
            dataset.missing.is_empty(),
            "{}: {:?}",
            dataset.name,
            dataset.missing
        );
        let methods: BTreeSet<&str> = dataset.samples.iter().map(|s| s.method.as_str()).collect();
        assert_eq!(methods.len(), 2, "{methods:?}");
    }
}
