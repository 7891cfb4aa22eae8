//! Tests of the demo generator: determinism, layout, and that fakes differ only by traces.

use super::*;
use sha2::{Digest, Sha256};
use std::time::Instant;

/// SHA-256 over every file under `dir` (relative path and bytes, sorted by path).
fn tree_hash(dir: &Path) -> (String, usize) {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut hasher = Sha256::new();
    for file in &files {
        let rel = file.strip_prefix(dir).expect("under dir");
        hasher.update(rel.to_string_lossy().as_bytes());
        hasher.update(std::fs::read(file).expect("read"));
    }
    (hex::encode(hasher.finalize()), files.len())
}

#[test]
fn synth_is_deterministic_and_complete() {
    let (a, b) = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    // Two runs at once (the generator has no shared state), timed together.
    let started = Instant::now();
    let (first, second) = std::thread::scope(|scope| {
        let other = scope.spawn(|| write_demo_dataset(b.path()).expect("second run"));
        let first = write_demo_dataset(a.path()).expect("first run");
        (first, other.join().expect("second run panicked"))
    });
    println!(
        "two concurrent write_demo_dataset runs took {:?}",
        started.elapsed()
    );
    assert_eq!(first.images, 3 * 2 * PER_CLASS);
    assert_eq!(
        first.subsets,
        ["upconv-strong", "nearest-medium", "diffusion-weak"]
    );
    assert_eq!(first.root, a.path().join("cnnspot"));
    assert_eq!(first.images, second.images);
    let (hash_a, count_a) = tree_hash(a.path());
    let (hash_b, count_b) = tree_hash(b.path());
    let (_, cnnspot_files) = tree_hash(&first.root);
    assert_eq!(
        cnnspot_files, first.images,
        "cnnspot/ holds exactly the demo images"
    );
    let layout_images: usize = first.layouts.iter().map(|layout| layout.images).sum();
    assert!(
        count_a > first.images + layout_images,
        "images, layout images, JSONs, README: {count_a} files"
    );
    assert_eq!(count_a, count_b);
    assert_eq!(hash_a, hash_b, "two runs must write byte-identical files");
    let readme = std::fs::read_to_string(a.path().join("README.txt")).expect("readme");
    assert!(readme.contains("diffusion-weak"));
    let names: Vec<&str> = first
        .layouts
        .iter()
        .map(|layout| layout.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "ffpp",
            "dfb-cross",
            "df40",
            "diffusionforensics",
            "custom",
            "clips",
            "genimage",
            "community-forensics",
            "aigibench"
        ]
    );
    assert!(readme.contains("format csv"), "{readme}");
}

#[test]
fn synth_scenes_differ_per_seed_and_fakes_match_real_brightness() {
    let subset = &SUBSETS[1];
    let (mut real_mean, mut fake_mean, mut seen) = (0.0, 0.0, Vec::new());
    for index in 0..24u64 {
        let real = render_real(&mut Rng::new(index), 128);
        let fake = render_fake(&mut Rng::new(1000 + index), 128, subset);
        assert_eq!((real.len(), fake.len()), (128 * 128 * 3, 128 * 128 * 3));
        real_mean += real.iter().map(|&v| f64::from(v)).sum::<f64>() / real.len() as f64;
        fake_mean += fake.iter().map(|&v| f64::from(v)).sum::<f64>() / fake.len() as f64;
        assert!(!seen.contains(&real), "seed {index} repeated an image");
        seen.push(real);
    }
    let (real_mean, fake_mean) = (real_mean / 24.0, fake_mean / 24.0);
    assert!(
        (real_mean - fake_mean).abs() < 12.0,
        "mean brightness must not give fakes away: real {real_mean:.1} fake {fake_mean:.1}"
    );
}

#[test]
fn synth_nearest_upsampling_repeats_pixels() {
    let plane = vec![1.0, 2.0, 3.0, 4.0];
    let up = upsample(&plane, 2, &SUBSETS[1]);
    assert_eq!(
        up,
        [
            1.0, 1.0, 2.0, 2.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 4.0, 3.0, 3.0, 4.0, 4.0
        ]
    );
}

#[test]
fn synth_unwritable_output_names_the_path() {
    let dir = tempfile::tempdir().expect("tmp");
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"x").expect("write");
    let error = write_demo_dataset(&blocker).expect_err("a file is not a directory");
    assert!(error.to_string().contains("file"), "{error}");
}
