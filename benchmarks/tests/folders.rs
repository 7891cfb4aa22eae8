//! The folder adapters on hand-written trees: FF++ folders with pair lists, DF40 known and
//! unknown sets with their real sides, DiffusionForensics, and the CSV manifest.

mod support;

use dfbench_benchmarks::Label;
use support::*;

fn ffpp_tree(root: &std::path::Path) {
    for video in ["000", "003", "004"] {
        for frame in ["000", "015"] {
            png(
                root,
                &format!(
                    "FaceForensics++/original_sequences/youtube/c23/frames/{video}/{frame}.png"
                ),
            );
        }
    }
    for method in ["Deepfakes", "Face2Face", "FaceSwap", "NeuralTextures"] {
        for video in ["000_003", "003_000", "004_005"] {
            png(
                root,
                &format!(
                    "FaceForensics++/manipulated_sequences/{method}/c23/frames/{video}/000.png"
                ),
            );
        }
    }
    text(root, "FaceForensics++/test.json", r#"[["000", "003"]]"#);
}

#[test]
fn ffpp_folders_follow_the_pair_lists_and_keep_methods_apart() {
    let dir = tempfile::tempdir().expect("tmp");
    ffpp_tree(dir.path());
    let spec = "name = \"ff\"\nformat = \"ffpp\"\nroot = \"FaceForensics++\"\nframes = \"all\"\nsets = [\"FaceForensics++\", \"FF-NT\"]";
    let found = enumerate_ok(spec, dir.path());
    let all = dataset(&found, "ff/FaceForensics++");
    assert!(
        all.samples.iter().all(|s| !s.rel_path.contains("/004")),
        "train pair left out"
    );
    assert_eq!(all.samples.len(), 4 + 4 * 2);
    assert_ne!(
        key_of(all, "Deepfakes/c23/frames/000_003"),
        key_of(all, "Face2Face/c23/frames/000_003")
    );
    assert_eq!(
        key_of(all, "youtube/c23/frames/000/"),
        "ff/FaceForensics++/FF-real/real/c23/000"
    );
    let nt = dataset(&found, "ff/FF-NT");
    let methods: std::collections::BTreeSet<_> =
        nt.samples.iter().map(|s| s.method.as_str()).collect();
    assert_eq!(methods, ["NeuralTextures", "real"].into_iter().collect());
    assert!(
        nt.samples
            .iter()
            .all(|s| s.split == "test" && s.subset == "FF-NT")
    );

    let message = enumerate_err(&spec.replace("\"FF-NT\"", "\"FF-NT_c40\""), dir.path());
    assert!(
        message.contains("c40") && message.contains("does not exist"),
        "{message}"
    );
    let message = enumerate_err(&spec.replace("\"FF-NT\"", "\"FF-XX\""), dir.path());
    assert!(
        message.contains("unknown set `FF-XX`") && message.contains("FF-DF"),
        "{message}"
    );
    std::fs::remove_file(dir.path().join("FaceForensics++/test.json")).expect("rm");
    let unsplit = enumerate_ok(spec, dir.path());
    let all = dataset(&unsplit, "ff/FaceForensics++");
    assert!(all.samples.iter().any(|s| s.rel_path.contains("/004")));
    assert!(all.samples.iter().all(|s| s.split == "unsplit"));
}

#[test]
fn df40_known_sets_take_ffpp_and_celeb_df_reals_and_unknown_sets_their_own() {
    let dir = tempfile::tempdir().expect("tmp");
    ffpp_tree(dir.path());
    png(dir.path(), "DF40/simswap/ff/frames/000_003/000.png");
    png(dir.path(), "DF40/simswap/ff/frames/000_003/015.png");
    png(dir.path(), "DF40/StyleGAN2/cdf/0001.png");
    png(dir.path(), "Celeb-DF-v2/Celeb-real/frames/id0_0000/000.png");
    png(dir.path(), "Celeb-DF-v2/Celeb-real/frames/id9_0009/000.png");
    png(dir.path(), "Celeb-DF-v2/YouTube-real/frames/00000/000.png");
    text(
        dir.path(),
        "Celeb-DF-v2/List_of_testing_videos.txt",
        "1 Celeb-real/id0_0000.mp4\n1 YouTube-real/00000.mp4\n0 Celeb-synthesis/id0_id1_0000.mp4\n",
    );
    png(dir.path(), "DF40/whichfaceisreal/fake/a.png");
    png(dir.path(), "DF40/whichfaceisreal/real/b.png");
    let spec = "name = \"df40\"\nformat = \"df40\"\nroot = \".\"\nframes = \"all\"\nsets = [\"simswap_ff\", \"StyleGAN2_cdf\", \"whichisreal\"]";
    let found = enumerate_ok(spec, dir.path());
    let simswap = dataset(&found, "df40/simswap_ff");
    let reals: Vec<_> = simswap
        .samples
        .iter()
        .filter(|s| s.label == Label::Real)
        .collect();
    assert_eq!(
        reals.len(),
        4,
        "FF++ c23 test reals 000 and 003, two frames each"
    );
    assert!(
        reals
            .iter()
            .all(|s| s.label_group == "FF-real" && s.rel_path.starts_with("FaceForensics++/"))
    );
    let fake = simswap
        .samples
        .iter()
        .find(|s| s.label == Label::Fake)
        .expect("fake");
    assert_eq!(
        (fake.method.as_str(), fake.label_group.as_str()),
        ("simswap", "simswap_Fake")
    );
    let stylegan = dataset(&found, "df40/StyleGAN2_cdf");
    let paths: Vec<_> = stylegan
        .samples
        .iter()
        .map(|s| s.rel_path.as_str())
        .collect();
    assert_eq!(paths.len(), 3, "{paths:?}");
    assert!(
        !paths.iter().any(|p| p.contains("id9_0009")),
        "only listed test reals"
    );
    let unknown = dataset(&found, "df40/whichisreal");
    assert_eq!(unknown.samples.len(), 2);
    assert!(unknown.samples.iter().all(|s| s.subset == "whichisreal"));
    assert_ne!(unknown.samples[0].video_key, unknown.samples[1].video_key);

    let message = enumerate_err(&spec.replace("\"whichisreal\"", "\"FSAll_ff\""), dir.path());
    assert!(
        message.contains("fsgan") && message.contains("does not exist"),
        "{message}"
    );
    let message = enumerate_err(&spec.replace("\"whichisreal\"", "\"nosuch\""), dir.path());
    assert!(
        message.contains("unknown set `nosuch`") && message.contains("heygen"),
        "{message}"
    );
}

#[test]
fn dire_folders_become_one_dataset_per_generator_with_the_shared_reals() {
    let dir = tempfile::tempdir().expect("tmp");
    let base = "DF/dire/test/lsun_bedroom/lsun_bedroom";
    png(dir.path(), &format!("{base}/real/r0.jpg"));
    png(dir.path(), &format!("{base}/real/r1.png"));
    png(dir.path(), &format!("{base}/adm/f0.png"));
    png(dir.path(), &format!("{base}/sdv2/f0.png"));
    let spec = "name = \"dire\"\nformat = \"dire\"\nroot = \"DF\"\ntree = \"dire\"";
    let found = enumerate_ok(spec, dir.path());
    let names: Vec<_> = found.datasets.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["dire/adm", "dire/sdv2"]);
    let adm = dataset(&found, "dire/adm");
    assert_eq!(adm.samples.len(), 3);
    assert!(adm.samples.iter().all(|s| s.subset == "adm"));
    assert_eq!(adm.samples.iter().filter(|s| s.method == "real").count(), 2);
    let message = enumerate_err(&format!("{spec}\nsets = [\"ddpm\"]"), dir.path());
    assert!(
        message.contains("unknown set `ddpm`") && message.contains("adm, sdv2"),
        "{message}"
    );
    let message = enumerate_err(&format!("{spec}\ndomain = \"imagenet\""), dir.path());
    assert!(
        message.contains("imagenet") && message.contains("real"),
        "{message}"
    );
}

#[test]
fn csv_manifest_videos_stills_labels_and_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    for rel in [
        "data/v1/000.png",
        "data/v1/010.png",
        "data/v2/000.png",
        "data/s.png",
    ] {
        png(dir.path(), rel);
    }
    text(
        dir.path(),
        "data/manifest.csv",
        "path,label,video,method,split\ndata\\v1\\000.png,real,v1,,test\ndata\\v1\\010.png,real,v1,,test\ndata/v2/000.png,1,v2,faceswap,test\ndata/s.png,My_Fake,,,val\ndata/gone.png,0,,,test\n",
    );
    let spec = "name = \"mine\"\nformat = \"csv\"\nroot = \".\"\nmanifest = \"data/manifest.csv\"";
    let found = enumerate_ok(spec, dir.path());
    let set = dataset(&found, "mine");
    assert_eq!(set.samples.len(), 5);
    assert_eq!(set.missing.len(), 1, "data/gone.png is listed but absent");
    assert_eq!(key_of(set, "v1/000"), key_of(set, "v1/010"));
    let still = set
        .samples
        .iter()
        .find(|s| s.rel_path == "data/s.png")
        .expect("still");
    assert_eq!(
        (still.label, still.split.as_str(), still.method.as_str()),
        (Label::Fake, "val", "My")
    );
    assert_eq!(key_of(set, "v2/000"), "mine/fake/faceswap/raw/v2");

    text(
        dir.path(),
        "data/manifest.csv",
        "path,label\ndata/s.png,weird\n",
    );
    let message = enumerate_err(spec, dir.path());
    assert!(
        message.contains("`weird`") && message.contains("line 2") && message.contains("label_map"),
        "{message}"
    );
    text(
        dir.path(),
        "data/manifest.csv",
        "file,label\ndata/s.png,1\n",
    );
    let message = enumerate_err(spec, dir.path());
    assert!(
        message.contains("`path`") && message.contains("manifest.csv"),
        "{message}"
    );
}
