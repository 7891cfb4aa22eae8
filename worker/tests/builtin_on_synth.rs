//! The built-in detectors on the deterministic demo dataset: every subset is detectable by
//! both, the detectors differ per subset, and trace strength shows in the AUCs. (The clip
//! built-in `temporal` is left out explicitly: it reads clips, not images.)

use dfbench_benchmarks::adapter::cnnspot;
use dfbench_benchmarks::image_io::{decode_rgb, to_gray_f32};
use dfbench_benchmarks::synth::write_demo_dataset;
use dfbench_worker::builtin::{builtin_detector, image_builtins};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Mann–Whitney AUC: P(score(fake) > score(real)), ties count ½.
fn auc(real: &[f64], fake: &[f64]) -> f64 {
    let mut wins = 0.0;
    for f in fake {
        for r in real {
            wins += if f > r {
                1.0
            } else if f == r {
                0.5
            } else {
                0.0
            };
        }
    }
    wins / (real.len() * fake.len()) as f64
}

#[test]
fn auc_mann_whitney_counts_ties_half() {
    assert_eq!(auc(&[0.1, 0.2], &[0.3, 0.4]), 1.0);
    assert_eq!(auc(&[0.3, 0.4], &[0.1, 0.2]), 0.0);
    assert_eq!(auc(&[0.5], &[0.5]), 0.5);
}

/// (real scores, fake scores) per subset.
type Scores = BTreeMap<String, (Vec<f64>, Vec<f64>)>;

#[test]
fn builtin_detectors_find_the_synthetic_traces() {
    let dir = tempfile::tempdir().expect("tempdir");
    let started = Instant::now();
    let summary = write_demo_dataset(dir.path()).expect("demo dataset");
    println!(
        "write_demo_dataset: {} images in {:?}",
        summary.images,
        started.elapsed()
    );
    let enumerated = cnnspot::enumerate("demo", &summary.root).expect("enumerate");
    assert_eq!(enumerated.samples.len(), summary.images);

    // Image built-ins only: `temporal` reads clips (tests/clip_scoring.rs).
    let names: Vec<&str> = image_builtins().collect();
    assert!(names.len() < dfbench_benchmarks::suite::BUILTIN_DETECTORS.len());
    let detectors: Vec<_> = names
        .iter()
        .map(|name| builtin_detector(name, name).expect("known built-in"))
        .collect();
    let mut scores: Vec<Scores> = vec![Scores::new(); detectors.len()];
    let mut scoring = vec![Duration::ZERO; detectors.len()];
    // Mean brightness as a "detector": must be useless, fakes differ only by their traces.
    let mut brightness = Scores::new();
    for sample in &enumerated.samples {
        let image = decode_rgb(&summary.root.join(&sample.rel_path)).expect("decode");
        let gray = to_gray_f32(&image);
        let mean = gray.iter().map(|&v| f64::from(v)).sum::<f64>() / gray.len() as f64;
        let entry = brightness.entry(sample.subset.clone()).or_default();
        if sample.label.is_fake() {
            &mut entry.1
        } else {
            &mut entry.0
        }
        .push(mean);
        for (d, detector) in detectors.iter().enumerate() {
            let started = Instant::now();
            let score = detector.score(&image).expect("score");
            scoring[d] += started.elapsed();
            assert!(score.is_finite() && (0.0..=1.0).contains(&score), "{score}");
            let entry = scores[d].entry(sample.subset.clone()).or_default();
            if sample.label.is_fake() {
                &mut entry.1
            } else {
                &mut entry.0
            }
            .push(score);
        }
    }

    println!(
        "{:<16} {:>9} {:>9} {:>11}",
        "subset", names[0], names[1], "brightness"
    );
    let mut table: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for subset in &summary.subsets {
        let row: Vec<f64> = scores
            .iter()
            .map(|per_subset| {
                let (real, fake) = &per_subset[subset];
                assert_eq!((real.len(), fake.len()), (40, 40), "{subset}");
                auc(real, fake)
            })
            .collect();
        let (real, fake) = &brightness[subset];
        let by_brightness = auc(real, fake);
        println!(
            "{subset:<16} {:>9.3} {:>9.3} {by_brightness:>11.3}",
            row[0], row[1]
        );
        assert!(
            (0.25..0.75).contains(&by_brightness),
            "{subset}: mean brightness alone separates real from fake (AUC {by_brightness:.3})"
        );
        table.insert(subset.clone(), row);
    }
    let overall: Vec<f64> = scores
        .iter()
        .map(|per_subset| {
            let real: Vec<f64> = per_subset.values().flat_map(|(r, _)| r.clone()).collect();
            let fake: Vec<f64> = per_subset.values().flat_map(|(_, f)| f.clone()).collect();
            auc(&real, &fake)
        })
        .collect();
    println!("{:<16} {:>9.3} {:>9.3}", "overall", overall[0], overall[1]);
    for (d, name) in names.iter().enumerate() {
        println!(
            "{name}: {:?} per image (debug build)",
            scoring[d] / summary.images as u32
        );
    }

    for (subset, row) in &table {
        for (d, value) in row.iter().enumerate() {
            assert!(
                *value > 0.6,
                "{} on {subset}: AUC {value:.3} ≤ 0.6",
                names[d]
            );
        }
    }
    for (d, value) in overall.iter().enumerate() {
        assert!(*value > 0.7, "{} overall: AUC {value:.3} ≤ 0.7", names[d]);
    }
    let differs = table.values().any(|row| (row[0] - row[1]).abs() > 0.02);
    assert!(
        differs,
        "the two detectors should not agree on every subset: {table:?}"
    );
    let strong = &table["upconv-strong"];
    let weak = &table["diffusion-weak"];
    assert!(
        (0..names.len()).any(|d| strong[d] > weak[d] + 0.02),
        "trace strength must show: strong {strong:?} vs weak {weak:?}"
    );
}
