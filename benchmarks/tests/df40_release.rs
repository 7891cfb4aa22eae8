//! DF40 exactly as released (REFERENCE §1.8, §3.2), on the release-shaped tree the synth writes
//! (`DF40/`, `DF40_train/`, `FaceForensics++/`, `Celeb-DF-v2/` side by side, DF40's JSONs, no
//! `deepfacelab`): one release, one reading, through the `df40` folders and `dfb-json` alike.

use dfbench_benchmarks::adapter::{self, AdapterError, Enumerated, SpecEnumeration};
use dfbench_benchmarks::synth::layouts::write_all;
use dfbench_benchmarks::{DataRoots, DatasetSpec, Label, Suite};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A release-shaped tree: `<dir>/rgb` (the `rgb:` root) and `<dir>/dataset_json`.
fn release() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    write_all(dir.path()).expect("synth layouts");
    dir
}

fn roots(dir: &Path) -> DataRoots {
    let named = BTreeMap::from([("rgb".to_string(), dir.join("rgb"))]);
    DataRoots::for_suite(dir, &BTreeMap::new(), &named)
}

fn suite(protocol: u8) -> Suite {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("suites")
        .join(format!("df40-p{protocol}.toml"));
    Suite::load(&path).unwrap_or_else(|error| panic!("{error}"))
}

/// The suite's df40 entry, reduced to `set` at `split`, read as `format`.
fn entry(spec: &DatasetSpec, set: &str, split: &str, format: &str, dir: &Path) -> DatasetSpec {
    let mut one = spec.clone();
    one.sets = vec![set.to_string()];
    one.absent.retain(|absent, _| absent == set);
    one.split = Some(split.to_string());
    if format == "dfb-json" {
        one.format = "dfb-json".to_string();
        one.json_dir = Some(dir.join("dataset_json").display().to_string());
    }
    one
}

fn read(spec: &DatasetSpec, dir: &Path) -> Result<SpecEnumeration, AdapterError> {
    adapter::enumerate(spec, &roots(dir))
}

/// (path, label, method, video, split); `video` is the first frame path of the sample's video,
/// which names the same video in both formats (a still is its own video).
type Row = (String, Label, String, String, String);

fn rows(dataset: &Enumerated) -> BTreeSet<Row> {
    let mut first: BTreeMap<&str, &str> = BTreeMap::new();
    for sample in &dataset.samples {
        let entry = first
            .entry(sample.video_key.as_str())
            .or_insert(&sample.rel_path);
        *entry = (*entry).min(sample.rel_path.as_str());
    }
    dataset
        .samples
        .iter()
        .map(|s| {
            let video = first.get(s.video_key.as_str()).copied().unwrap_or_default();
            (
                s.rel_path.clone(),
                s.label,
                s.method.clone(),
                video.to_string(),
                s.split.clone(),
            )
        })
        .collect()
}

#[test]
fn df40_folders_and_df40_jsons_read_every_p1_to_p4_set_and_split_identically() {
    let dir = release();
    let (mut same, mut both_refused) = (0, 0);
    for protocol in 1..=4 {
        let spec = &suite(protocol).datasets[0];
        for split in ["test", "val", "train"] {
            for set in &spec.sets {
                let folders = read(&entry(spec, set, split, "df40", dir.path()), dir.path());
                let json = read(&entry(spec, set, split, "dfb-json", dir.path()), dir.path());
                let context = format!("P{protocol} set {set} split {split}");
                match (folders, json) {
                    (Ok(folders), Ok(json)) => {
                        assert_eq!(folders.absent, json.absent, "{context}");
                        assert_eq!(folders.datasets.len(), json.datasets.len(), "{context}");
                        for (a, b) in folders.datasets.iter().zip(&json.datasets) {
                            let (a, b) = (rows(a), rows(b));
                            assert!(!a.is_empty(), "{context}: nothing read");
                            assert_eq!(a, b, "{context}: folders vs DF40's JSON");
                            assert!(a.iter().all(|row| row.4 == split), "{context}");
                            let labels: BTreeSet<Label> = a.iter().map(|row| row.1).collect();
                            assert_eq!(labels.len(), 2, "{context}: both labels");
                        }
                        same += 1;
                    }
                    (Err(folders), Err(_)) => {
                        assert!(folders.to_string().contains(set.as_str()), "{folders}");
                        both_refused += 1;
                    }
                    (folders, json) => panic!(
                        "{context}: one release, two readings:\n  df40: {:?}\n  dfb-json: {:?}",
                        folders.map(|f| f.datasets.len()),
                        json.map(|j| j.datasets.len())
                    ),
                }
            }
        }
    }
    // P1-P4 list 3 + 3 + 9 + 29 sets; test and val read them all, train the 32 ff sets only
    // (and both formats leave the absent deepfacelab out at every split).
    assert_eq!(
        same,
        2 * 44 + 33,
        "sets read alike ({both_refused} refused by both)"
    );
    assert_eq!(
        both_refused, 11,
        "the 3 cdf and 8 released unknown sets have no train split"
    );
}

#[test]
fn df40_p3_reads_the_eight_released_sets_and_reports_deepfacelab_absent() {
    let dir = release();
    let spec = &suite(3).datasets[0];
    let found = read(spec, dir.path()).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(found.datasets.len(), 8);
    assert!(found.datasets.iter().all(|d| d.name != "df40/deepfacelab"));
    assert_eq!(found.absent.len(), 1, "{:?}", found.absent);
    assert_eq!(
        (
            found.absent[0].dataset.as_str(),
            found.absent[0].reason.as_str()
        ),
        ("df40/deepfacelab", "not in the DF40 release")
    );
}

#[test]
fn a_missing_deepfacelab_says_the_release_never_had_it() {
    let dir = release();
    let mut spec = suite(3).datasets[0].clone();
    spec.absent.clear();
    let error = read(&spec, dir.path()).expect_err("deepfacelab is not in the release");
    let message = error.to_string();
    assert!(
        message.contains("deepfacelab")
            && message.contains("not in the DF40 release")
            && message.contains("absent"),
        "{message}"
    );
}

/// The samples of one set through the `df40` folders.
fn folder_rows(dir: &Path, set: &str, split: &str) -> BTreeSet<Row> {
    let spec = entry(&suite(4).datasets[0], set, split, "df40", dir);
    let found = read(&spec, dir).unwrap_or_else(|error| panic!("{error}"));
    rows(&found.datasets[0])
}

fn without_split(rows: &BTreeSet<Row>) -> BTreeSet<(String, Label, String)> {
    rows.iter()
        .map(|(path, label, method, _, _)| (path.clone(), *label, method.clone()))
        .collect()
}

fn real_videos(rows: &BTreeSet<Row>) -> BTreeSet<String> {
    rows.iter()
        .filter(|row| row.1 == Label::Real)
        .filter_map(|row| row.0.split('/').nth_back(1).map(str::to_string))
        .collect()
}

#[test]
fn df40_val_reads_what_test_reads() {
    let dir = release();
    let test = folder_rows(dir.path(), "simswap_ff", "test");
    let val = folder_rows(dir.path(), "simswap_ff", "val");
    assert_eq!(without_split(&val), without_split(&test));
    assert_eq!(
        real_videos(&val),
        ["000", "001", "002", "003"].map(String::from).into(),
        "FF++ reals of test.json, not val.json"
    );
    let mut spec = suite(1).datasets[0].clone();
    spec.split = Some("val".to_string());
    let notes = read(&spec, dir.path()).expect("val").notes;
    assert!(
        notes.len() == 1 && notes[0].contains("val split is its test split"),
        "{notes:?}"
    );
}

#[test]
fn df40_train_reads_df40_train_fakes_and_ffpp_train_reals() {
    let dir = release();
    for set in ["simswap_ff", "StyleGAN2_ff"] {
        let train = folder_rows(dir.path(), set, "train");
        let fakes: Vec<&Row> = train.iter().filter(|r| r.1 == Label::Fake).collect();
        assert!(!fakes.is_empty(), "{set}");
        assert!(
            fakes.iter().all(|r| r.0.starts_with("DF40_train/")),
            "{set}: training fakes come from DF40_train/: {fakes:?}"
        );
        assert_eq!(
            real_videos(&train),
            ["004", "005"].map(String::from).into(),
            "{set}: FF++ reals of train.json"
        );
    }
}

#[test]
fn df40_cdf_and_unknown_sets_with_train_are_an_error_naming_the_set() {
    let dir = release();
    for (protocol, set) in [(2, "FSAll_cdf"), (3, "heygen")] {
        let spec = entry(
            &suite(protocol).datasets[0],
            set,
            "train",
            "df40",
            dir.path(),
        );
        let message = read(&spec, dir.path())
            .expect_err("test-only set")
            .to_string();
        assert!(
            message.contains(&format!("set `{set}`")) && message.contains("`train`"),
            "{message}"
        );
    }
}
