use super::*;

#[test]
fn dfb_template_is_deepfakebenchs_float32_arithmetic() {
    // preprocess.py's img_align_crop with outsize (256, 256), scale 1.3, numpy 2 (float32).
    let expected = [
        [96.869_628_906_25, 120.433_059_692_382_81],
        [158.825_149_536_132_8, 120.090_377_807_617_19],
        [128.044_311_523_437_5, 155.668_762_207_031_25],
        [102.592_185_974_121_1, 191.939_346_313_476_56],
        [153.898_742_675_781_25, 191.655_563_354_492_2],
    ];
    let template = dfb_template(256, DFB_MARGIN);
    for (got, want) in template.iter().zip(expected) {
        assert_eq!(got.map(f64::from), want);
    }
}

#[test]
fn estimate_matches_scikit_image_on_fixed_landmarks() {
    let src = [
        [200.5, 230.25],
        [280.0, 228.0],
        [240.0, 275.5],
        [210.0, 310.0],
        [272.0, 312.0],
    ];
    // SimilarityTransform().estimate(src, dst).params, scikit-image 0.26.
    let got = dfb_transform(&src, 256).unwrap().matrix();
    let want = [
        [8.387_057_06e-01, -1.457_806_59e-03, -7.326_744_81e+01],
        [1.457_806_59e-03, 8.387_057_06e-01, -7.180_822_16e+01],
    ];
    for (row, want_row) in got.iter().zip(want) {
        for (value, want) in row.iter().zip(want_row) {
            assert!((value - want).abs() < 1e-6 * want.abs().max(1.0), "{got:?}");
        }
    }
}

#[test]
fn estimate_recovers_an_exact_similarity_and_inverse_undoes_it() {
    let truth = Similarity {
        a: 0.8,
        b: -0.35,
        tx: 12.5,
        ty: -3.0,
    };
    let src = [
        [10.0, 20.0],
        [40.0, 22.0],
        [25.0, 35.0],
        [14.0, 50.0],
        [37.0, 51.0],
    ];
    let dst = src.map(|[x, y]| truth.apply([f64::from(x), f64::from(y)]).map(|v| v as f32));
    let found = estimate(&src, &dst).unwrap();
    for (got, want) in [
        (found.a, truth.a),
        (found.b, truth.b),
        (found.tx, truth.tx),
        (found.ty, truth.ty),
    ] {
        assert!((got - want).abs() < 1e-4, "{found:?}");
    }
    let back = truth.inverse().unwrap().apply(truth.apply([3.0, -7.0]));
    assert!((back[0] - 3.0).abs() < 1e-12 && (back[1] + 7.0).abs() < 1e-12);
    assert!(estimate(&[[1.0, 1.0]; 5], &dst).is_none());
}

#[test]
fn square_crops_map_the_square_onto_the_output_and_black_outside() {
    // A 4×2 frame: the whole-frame crop is its centred 2×2 square, copied 1:1.
    let frame = RgbImage::from_fn(4, 2, |x, y| Rgb([(x * 10 + y) as u8, 0, 0]));
    let crop = warp(&frame, &whole_frame_transform(4, 2, 2).unwrap(), 2).unwrap();
    let reds: Vec<u8> = crop.pixels().map(|p| p.0[0]).collect();
    assert_eq!(reds, vec![10, 20, 11, 21]);
    // A box enlarged past the frame reads black there.
    let face = Face {
        bbox: [0.0, 0.0, 2.0, 2.0],
        score: 1.0,
        landmarks: [[0.0; 2]; 5],
    };
    let crop = warp(&frame, &box_transform(&face, 4, 2.0).unwrap(), 4).unwrap();
    assert_eq!(crop.get_pixel(0, 0).0, [0, 0, 0]);
    assert_eq!(crop.get_pixel(2, 2).0[0], 11);
}
