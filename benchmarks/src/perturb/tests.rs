use super::grid::{expand_all, expand_entry};
use super::*;

fn gradient(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([
            (x * 7 % 256) as u8,
            (y * 5 % 256) as u8,
            ((x * y) % 251) as u8,
        ])
    })
}

#[test]
fn ids_round_trip_to_their_canonical_spelling() {
    for (written, canonical) in [
        ("none", "none"),
        (" jpeg:q=75 ", "jpeg:q=75"),
        ("blur:sigma=2.0", "blur:sigma=2"),
        ("blur:sigma=0.5", "blur:sigma=0.5"),
        ("rescale:0.50", "rescale:0.5"),
        ("rescale-down:0.25", "rescale-down:0.25"),
        ("noise:sigma=5", "noise:sigma=5"),
        ("jpeg:q=75 + rescale:0.5", "jpeg:q=75+rescale:0.5"),
    ] {
        let parsed = parse(written).expect(written);
        assert_eq!(parsed.id(), canonical);
        assert_eq!(parse(canonical).expect(canonical), parsed);
    }
    assert_eq!(
        parse("blur:sigma=1+jpeg:q=30").expect("chain").steps(),
        &[Step::Blur { sigma: 1.0 }, Step::Jpeg { quality: 30 }]
    );
}

#[test]
fn bad_ids_name_themselves_and_the_syntax() {
    for bad in [
        "",
        "jpeg",
        "jpeg:75",
        "jpeg:q=0",
        "jpeg:q=101",
        "jpeg:q=7.5",
        "blur:sigma=0",
        "blur:sigma=-1",
        "blur:sigma=nan",
        "blur:s=2",
        "rescale:1",
        "rescale:0",
        "rescale:2",
        "noise:sigma=300",
        "sharpen:1",
        "none+jpeg:q=75",
        "jpeg:q=75+",
        "blur:sigma=inf",
    ] {
        let error = parse(bad).expect_err(bad);
        let message = error.to_string();
        assert!(message.contains(&format!("`{bad}`")), "{message}");
        assert!(message.contains("jpeg:q=Q"), "{message}");
        assert_eq!(error.kind(), crate::FailureKind::PerturbationError);
    }
}

#[test]
fn grids_and_presets_expand_to_canonical_ids() {
    assert_eq!(
        expand_entry("jpeg:q=95, 75,50").expect("grid"),
        ["jpeg:q=95", "jpeg:q=75", "jpeg:q=50"]
    );
    assert_eq!(
        expand_entry("rescale:0.5,0.25").expect("grid"),
        ["rescale:0.5", "rescale:0.25"]
    );
    let univfd = expand_entry("preset:univfd").expect("preset");
    assert_eq!(univfd, expand_entry("univfd").expect("plain name"));
    assert_eq!(univfd.len(), 1 + 8 + 4);
    assert_eq!(univfd[0], "none");
    assert!(univfd.contains(&"jpeg:q=30".to_string()));
    assert!(univfd.contains(&"blur:sigma=4".to_string()));
    assert_eq!(
        expand_all(["none", "aigcdb", "jpeg:q=95,30"]).expect("list"),
        [
            "none",
            "jpeg:q=95",
            "blur:sigma=1",
            "rescale-down:0.5",
            "jpeg:q=30"
        ]
    );
    for bad in [
        "preset:nope",
        "jpeg:q=95,0",
        "jpeg:q=75,50+rescale:0.5",
        "jpeg,75",
    ] {
        assert!(expand_entry(bad).is_err(), "{bad}");
    }
}

#[test]
fn every_step_keeps_or_sets_the_size_and_changes_pixels() {
    let image = gradient(64, 48);
    for id in ["jpeg:q=50", "blur:sigma=2", "rescale:0.5", "noise:sigma=5"] {
        let out = parse(id)
            .expect(id)
            .apply(image.clone(), "a/b.png")
            .expect(id);
        assert_eq!(out.dimensions(), (64, 48), "{id}");
        assert_ne!(out, image, "{id}");
    }
    let down = parse("rescale-down:0.5").expect("id");
    assert_eq!(
        down.apply(image.clone(), "x").expect("down").dimensions(),
        (32, 24)
    );
    assert_eq!(
        Perturbation::none()
            .apply(image.clone(), "x")
            .expect("none"),
        image
    );
}

#[test]
fn failures_are_typed_and_name_the_step() {
    let tiny = gradient(1, 3);
    let error = parse("rescale:0.25")
        .expect("id")
        .apply(tiny, "x")
        .expect_err("0 pixels wide");
    assert!(error.to_string().contains("rescale:0.25"), "{error}");
    assert!(error.to_string().contains("1x3"), "{error}");
}

#[test]
fn noise_is_unbiased_clamped_and_deterministic_per_sample() {
    let grey = RgbImage::from_raw(200, 200, vec![128; 200 * 200 * 3]).expect("size");
    let noise = parse("noise:sigma=5").expect("id");
    let out = noise.apply(grey.clone(), "real/0001.png").expect("noise");
    let deltas: Vec<f64> = out.iter().map(|&v| f64::from(v) - 128.0).collect();
    let mean = deltas.iter().sum::<f64>() / deltas.len() as f64;
    let std = (deltas.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / deltas.len() as f64).sqrt();
    assert!(mean.abs() < 0.05, "mean {mean}");
    // Rounding to integers adds a variance of 1/12.
    assert!(
        (std - (25.0f64 + 1.0 / 12.0).sqrt()).abs() < 0.05,
        "std {std}"
    );
    let from_other_thread = {
        let (noise, grey) = (noise.clone(), grey.clone());
        std::thread::spawn(move || noise.apply(grey, "real/0001.png").expect("noise"))
            .join()
            .expect("thread")
    };
    assert_eq!(from_other_thread, out);
    assert_ne!(
        noise.apply(grey.clone(), "real/0002.png").expect("noise"),
        out
    );
    let black = RgbImage::new(100, 100);
    let clamped = parse("noise:sigma=50")
        .expect("id")
        .apply(black, "x")
        .expect("noise");
    let zeros = clamped.iter().filter(|&&v| v == 0).count();
    assert!(
        (zeros as f64 / clamped.len() as f64 - 0.5).abs() < 0.02,
        "{zeros}"
    );
}

#[test]
fn seeds_depend_on_sample_perturbation_and_step() {
    let base = seed("a.png", "noise:sigma=5", 0);
    assert_eq!(base, seed("a.png", "noise:sigma=5", 0));
    assert_ne!(base, seed("b.png", "noise:sigma=5", 0));
    assert_ne!(base, seed("a.png", "noise:sigma=6", 0));
    assert_ne!(base, seed("a.png", "noise:sigma=5", 1));
}

/// The bytes of every step, pinned: a change of the noise generator, the seed derivation or any
/// filter changes stored results (predictions are reused by perturbation id and dataset
/// fingerprint), so it must show here, in every process and on every machine, and come with a
/// bump of `image_io::PREPROCESSING_VERSION` (the last: `noise=2`).
#[test]
fn outputs_are_pinned_across_processes_and_machines() {
    let image = gradient(40, 30);
    let chain = parse("blur:sigma=1.5+noise:sigma=5+rescale:0.5+jpeg:q=75").expect("chain");
    let out = chain.apply(image, "real/0001.png").expect("chain");
    let digest = crate::fingerprint::sha256_hex(out.as_raw());
    assert_eq!(
        digest,
        "bf645c1df754911cf45228d7347d8cde8c619dbe6aaaaf7401c5eaef621446ba"
    );
}
