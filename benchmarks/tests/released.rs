//! The GenImage, Community Forensics and AIGIBench adapters on the releases `dfbench synth`
//! writes: labels and generator slices, GenImage's listed broken files as recorded exclusions,
//! its checksums verified (a damaged file is a mismatch naming it), and clear errors for
//! layouts that are not the published one.

use dfbench_benchmarks::adapter::{self, Enumerated};
use dfbench_benchmarks::check::DatasetCheck;
use dfbench_benchmarks::synth::layouts::released::{GENIMAGE_EMPTY, GENIMAGE_TRUNCATED};
use dfbench_benchmarks::synth::write_demo_dataset;
use dfbench_benchmarks::{DataRoots, DatasetSpec, Label};
use std::collections::BTreeSet;
use std::path::Path;

fn read(format: &str, root: &Path, sets: &[&str]) -> Result<Vec<Enumerated>, String> {
    let mut spec = DatasetSpec::new("d", format, root);
    spec.sets = sets.iter().map(|set| set.to_string()).collect();
    adapter::enumerate(&spec, &DataRoots::new(root))
        .map(|found| found.datasets)
        .map_err(|error| error.to_string())
}

fn synth() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write_demo_dataset(&dir.path().join("data")).expect("synth");
    dir
}

#[test]
fn genimage_slices_by_generator_records_listed_broken_files_and_verifies_checksums() {
    let dir = synth();
    let root = dir.path().join("data/GenImage");
    let datasets = read("genimage", &root, &[]).expect("genimage");
    let names: Vec<&str> = datasets.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names.len(),
        8,
        "{names:?}: integrity folders are not generators"
    );
    assert!(names.contains(&"d/Stable Diffusion V1.4"), "{names:?}");
    let adm = datasets.iter().find(|d| d.name == "d/ADM").expect("ADM");
    for sample in &adm.samples {
        let fake = sample.rel_path.contains("/ai/");
        assert_eq!(sample.label, if fake { Label::Fake } else { Label::Real });
        assert_eq!(sample.method, if fake { "ADM" } else { "real" });
        assert_eq!(sample.subset, "ADM");
        assert_eq!(sample.split, "val");
    }
    let excluded: Vec<(&str, &str)> = datasets
        .iter()
        .flat_map(|d| &d.integrity.exclusions)
        .map(|e| (e.rel_path.as_str(), e.reason.as_str()))
        .collect();
    assert_eq!(excluded.len(), 2, "{excluded:?}");
    assert!(excluded.iter().any(|(path, reason)| *path == GENIMAGE_EMPTY
        && reason.contains("improper_png_header/imagenet_ai_0508_adm.txt line 1")));
    assert!(
        excluded
            .iter()
            .any(|(path, reason)| *path == GENIMAGE_TRUNCATED
                && reason.contains("corrupted_files/imagenet_glide.txt"))
    );

    // The release as written: listed breakage is recorded, not an error; every checksum matches.
    for dataset in &datasets {
        let check = DatasetCheck::run(dataset, true);
        assert!(!check.has_errors(), "{}", check.render());
        assert_eq!(check.integrity.checksums.len(), dataset.samples.len());
    }
    let glide = datasets
        .iter()
        .find(|d| d.name == "d/GLIDE")
        .expect("GLIDE");
    let rendered = DatasetCheck::run(glide, true).render();
    assert!(
        rendered.contains("recorded exclusions") && rendered.contains("decodes as truncated_image"),
        "{rendered}"
    );
    let adm_check = DatasetCheck::run(adm, true).render();
    assert!(
        adm_check.contains("6 for files present (6 match, 0 do not), 1 for files not present"),
        "the archive part's row counts as not present: {adm_check}"
    );

    // A file damaged after download: its checksum no longer matches, and the check names it.
    let damaged = "VQDM/imagenet_ai_0419_vqdm/val/nature/n01440764_00001.JPEG";
    let mut bytes = std::fs::read(root.join(damaged)).expect("read");
    bytes[40] ^= 0xff;
    std::fs::write(root.join(damaged), &bytes).expect("write");
    let vqdm = read("genimage", &root, &["VQDM"]).expect("vqdm");
    let check = DatasetCheck::run(&vqdm[0], true);
    assert!(check.has_errors());
    assert_eq!(check.checksum_mismatches.len(), 1);
    let rendered = check.render();
    assert!(
        rendered.contains("checksum mismatches: 1")
            && rendered.contains(damaged)
            && rendered.contains("checksums.csv line"),
        "{rendered}"
    );
    // Without reading files (what the planner does) nothing is hashed.
    assert!(
        DatasetCheck::run(&vqdm[0], false)
            .checksum_mismatches
            .is_empty()
    );
}

#[test]
fn genimage_integrity_files_in_another_format_are_errors_naming_the_line() {
    let dir = synth();
    let root = dir.path().join("data/GenImage");
    let error = read("genimage", &root, &["Imagen"]).expect_err("unknown set");
    assert!(
        error.contains("unknown set `Imagen`") && error.contains("BigGAN"),
        "{error}"
    );
    std::fs::write(root.join("corrupted_files/imagenet_glide.txt"), "./x.png\n").expect("write");
    let error = read("genimage", &root, &[]).expect_err("bad list");
    assert!(
        error.contains("imagenet_glide.txt") && error.contains("line 1"),
        "{error}"
    );
    std::fs::write(root.join("corrupted_files/imagenet_glide.txt"), "").expect("write");
    std::fs::write(root.join("checksums.csv"), "md5,name\n").expect("write");
    let error = read("genimage", &root, &[]).expect_err("bad header");
    assert!(
        error.contains("checksums.csv") && error.contains("md5Checksum"),
        "{error}"
    );
}

#[test]
fn community_forensics_and_aigibench_label_by_folder_and_slice_by_generator() {
    let dir = synth();
    let cf_root = dir.path().join("data/CommunityForensics");
    let cf = read("community-forensics", &cf_root, &[]).expect("cf");
    assert_eq!(cf.len(), 3);
    for dataset in &cf {
        let set = dataset.name.trim_start_matches("d/");
        let methods: BTreeSet<&str> = dataset.samples.iter().map(|s| s.method.as_str()).collect();
        assert_eq!(methods, BTreeSet::from(["real", set]));
        for sample in &dataset.samples {
            let fake = sample.rel_path.contains("/fake/");
            assert_eq!(sample.label.is_fake(), fake, "{}", sample.rel_path);
        }
    }
    // A folder with one label is allowed (the README says so); an unknown label folder is not.
    std::fs::remove_dir_all(cf_root.join("sd_turbo/real")).expect("rm");
    assert_eq!(
        read("community-forensics", &cf_root, &["sd_turbo"]).expect("fakes only")[0]
            .samples
            .len(),
        3
    );
    std::fs::create_dir_all(cf_root.join("sd_turbo/Real")).expect("mkdir");
    let error = read("community-forensics", &cf_root, &["sd_turbo"]).expect_err("Real/");
    assert!(
        error.contains("sd_turbo/Real") && error.contains("`real` (real) and `fake` (fake)"),
        "{error}"
    );

    let ai_root = dir.path().join("data/AIGIBench");
    let aigi = read("aigibench", &ai_root, &["ProGAN", "FLUX1-dev"]).expect("aigibench");
    assert_eq!(aigi.len(), 2);
    assert_eq!(aigi[1].name, "d/FLUX1-dev");
    assert!(
        aigi[1]
            .samples
            .iter()
            .all(|s| s.split == "test" && s.subset == "FLUX1-dev")
    );
    std::fs::remove_dir_all(ai_root.join("test/WFIR/0_real")).expect("rm");
    let error = read("aigibench", &ai_root, &["WFIR"]).expect_err("no reals");
    assert!(error.contains("WFIR/0_real"), "{error}");
}
