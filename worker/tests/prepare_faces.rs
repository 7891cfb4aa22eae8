//! The per-frame face step of `dfbench prepare` through the `FaceDetector` trait, with a
//! scripted detector (the MTCNN card is built elsewhere): a frame without a face is a `no_face`
//! frame record and no file, a frame the detector fails on a `forward_error` frame record (the
//! video goes on); a frame with faces is cropped from the largest one with DFB's
//! aligned geometry, and its record carries the box, the landmarks and the crop matrix; the
//! written PNG is exactly the crop of FFmpeg's own decode of that frame.

mod prepare_support;

use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::align;
use dfbench_benchmarks::face::{Face, FaceDetectError, FaceDetector};
use dfbench_worker::prepare::job::{
    Crop, Cropper, FaceAlign, PREPARE_VERSION, Recipe, prepare_video,
};
use dfbench_worker::prepare::output::Layout;
use dfbench_worker::prepare::video::{Sampling, VideoDecoder};

/// No face on its first call, a forward failure on its third; otherwise a small face and a
/// large one (the large one must be used).
struct Scripted {
    calls: usize,
}

const LANDMARKS: [[f32; 2]; 5] = [
    [60.0, 70.0],
    [95.0, 68.0],
    [78.0, 90.0],
    [64.0, 110.0],
    [93.0, 108.0],
];

impl FaceDetector for Scripted {
    fn detect(&mut self, _frame: &image::RgbImage) -> Result<Vec<Face>, FaceDetectError> {
        self.calls += 1;
        if self.calls == 1 {
            return Ok(Vec::new());
        }
        if self.calls == 3 {
            return Err(FaceDetectError::Forward("scripted failure".to_string()));
        }
        let small = Face {
            bbox: [0.0, 0.0, 10.0, 10.0],
            score: 0.99,
            landmarks: [[5.0, 5.0]; 5],
        };
        let large = Face {
            bbox: [40.0, 40.0, 115.0, 130.0],
            score: 0.98,
            landmarks: LANDMARKS,
        };
        Ok(vec![small, large])
    }

    fn fingerprint(&self) -> String {
        "scripted-test-detector".to_string()
    }
}

#[test]
fn faceless_and_failed_frames_are_recorded_and_faces_are_cropped_from_the_largest() {
    let Some(photo) = prepare_support::astronaut() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("videos");
    std::fs::create_dir_all(input.join("real")).unwrap();
    prepare_support::video(&photo, &input.join("real/a.mp4"), 12, 160);
    let layout = Layout {
        out: dir.path().join("out"),
        dataset: "Test".to_string(),
    };
    let recipe = Recipe {
        sampling: Sampling::Evenly(4),
        size: 64,
        crop: Crop::Dfb,
        detector: Some("scripted-test-detector".to_string()),
        version: PREPARE_VERSION,
    };
    let mut cropper = Cropper::Faces(Box::new(Scripted { calls: 0 }), FaceAlign::Dfb);
    let record = prepare_video(
        &input,
        "real/a.mp4",
        &recipe,
        &mut cropper,
        &layout,
        VideoDecoder::default(),
    )
    .unwrap();
    assert_eq!(record.failure, None);
    let indices: Vec<usize> = record.frames.iter().map(|f| f.index).collect();
    assert_eq!(indices, vec![0, 3, 7, 11]);

    let first = &record.frames[0];
    assert_eq!(first.failure, Some(FailureKind::NoFace));
    assert!(first.path.is_none());
    assert!(!layout.out.join("rgb/Test/real/frames/a/000.png").exists());

    let failed = &record.frames[2];
    assert_eq!(failed.failure, Some(FailureKind::ForwardError));
    assert!(
        failed
            .message
            .as_deref()
            .unwrap()
            .contains("scripted failure")
    );
    assert!(!layout.out.join("rgb/Test/real/frames/a/007.png").exists());

    let reference = prepare_support::all_frames(&input.join("real/a.mp4"), &dir.path().join("all"));
    let transform = align::dfb_transform(&LANDMARKS, 64).unwrap();
    for frame in [&record.frames[1], &record.frames[3]] {
        assert_eq!(frame.failure, None);
        assert_eq!(frame.landmarks, Some(LANDMARKS));
        assert_eq!(frame.bbox, Some([40.0, 40.0, 115.0, 130.0]));
        assert_eq!(frame.transform, Some(transform.matrix()));
        let rel = frame.path.as_deref().unwrap();
        assert_eq!(
            rel,
            format!("rgb/Test/real/frames/a/{:03}.png", frame.index)
        );
        let written = image::open(layout.out.join(rel)).unwrap().to_rgb8();
        let decoded = image::open(&reference[frame.index]).unwrap().to_rgb8();
        assert!(written == align::warp(&decoded, &transform, 64).unwrap());
    }
}
