//! The decode options a lease carries reach the decoder: a JPEG tagged EXIF orientation 6
//! decodes rotated in a DeepfakeBench-layout dataset (OpenCV's rule, `apply`) and as stored in
//! a CNNSpot-layout one (PIL's, `ignore`), so the preprocessed tensors differ; the lease's
//! pixel limit refuses a larger image.

use dfbench_benchmarks::DatasetSpec;
use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::image_io::{
    DEFAULT_MAX_PIXELS, DecodeOptions, ExifOrientation, RgbImage, normalize_chw, resize, test_files,
};
use dfbench_benchmarks::perturb::Perturbation;
use dfbench_proto::v1 as pb;
use dfbench_worker::scoring::{decode_chunk_with, lease_decode_options};
use std::path::Path;

fn tagged_jpeg(root: &Path) -> Vec<pb::SampleRef> {
    let image = RgbImage::from_fn(64, 32, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 8) as u8, ((x + y) * 2) as u8])
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, image::ImageFormat::Jpeg)
        .expect("jpeg");
    let tagged = test_files::jpeg_with_exif_orientation(bytes.get_ref(), 6);
    std::fs::write(root.join("photo.jpg"), tagged).expect("write");
    vec![pb::SampleRef {
        sample_id: 1,
        path: "photo.jpg".to_string(),
        clip_only: false,
    }]
}

fn decoded(root: &Path, samples: &[pb::SampleRef], options: DecodeOptions) -> RgbImage {
    let mut chunk = decode_chunk_with(root, samples, &Perturbation::none(), options);
    chunk.remove(0).image.expect("decoded")
}

#[test]
fn layouts_decode_an_exif_rotated_jpeg_differently() {
    let dir = tempfile::tempdir().expect("tempdir");
    let samples = tagged_jpeg(dir.path());
    let dfb = DatasetSpec::new("d", "ffpp", dir.path()).decode_options();
    let cnnspot = DatasetSpec::new("c", "cnnspot", dir.path()).decode_options();
    assert_eq!(dfb.exif_orientation, ExifOrientation::Apply);
    assert_eq!(cnnspot.exif_orientation, ExifOrientation::Ignore);
    let rotated = decoded(dir.path(), &samples, dfb);
    let stored = decoded(dir.path(), &samples, cnnspot);
    assert_eq!(rotated.dimensions(), (32, 64));
    assert_eq!(stored.dimensions(), (64, 32));
    let tensor = |image: &RgbImage| normalize_chw(&resize(image, 16, 16), [0.5; 3], [0.5; 3]);
    let (a, b) = (tensor(&rotated), tensor(&stored));
    assert_eq!(a.len(), b.len());
    let differing = a
        .iter()
        .zip(&b)
        .filter(|(x, y)| (*x - *y).abs() > 0.05)
        .count();
    assert!(differing > a.len() / 4, "{differing} of {} differ", a.len());
}

#[test]
fn the_lease_carries_the_decode_options() {
    let dir = tempfile::tempdir().expect("tempdir");
    let samples = tagged_jpeg(dir.path());
    let old = pb::ShardLease::default();
    assert_eq!(lease_decode_options(&old), DecodeOptions::default());
    let lease = pb::ShardLease {
        exif_orientation: "apply".to_string(),
        max_pixels: 1000,
        ..Default::default()
    };
    let options = lease_decode_options(&lease);
    assert_eq!(
        options,
        DecodeOptions {
            max_pixels: 1000,
            exif_orientation: ExifOrientation::Apply
        }
    );
    let refused = decode_chunk_with(dir.path(), &samples, &Perturbation::none(), options)
        .remove(0)
        .image
        .expect_err("64x32 is above 1000 pixels");
    assert_eq!(refused.0, FailureKind::ImageTooLarge);
    assert!(refused.1.contains("photo.jpg") && refused.1.contains("1000 pixels"));
    let allowed = DecodeOptions {
        max_pixels: DEFAULT_MAX_PIXELS,
        ..options
    };
    assert_eq!(
        decoded(dir.path(), &samples, allowed).dimensions(),
        (32, 64)
    );
}
