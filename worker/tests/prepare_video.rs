//! `dfbench prepare`'s frame sampling and FFmpeg decoding on generated videos (see
//! `prepare_support`): the sampled original indices are DeepfakeBench's linspace / stride, each
//! decoded frame is the picture FFmpeg's own full decode has at that index, and an undecodable
//! or too-short video is a typed failure.

mod prepare_support;

use dfbench_benchmarks::FailureKind;
use dfbench_worker::prepare::mp4;
use dfbench_worker::prepare::video::{self, Sampling, VideoDecoder, VideoError, VideoInfo};
use std::path::Path;

/// Reads and samples `path`, as a prepare job does.
fn plan(path: &Path, sampling: Sampling) -> Result<(VideoInfo, Vec<usize>), VideoError> {
    video::plan(path, &video::read(path)?, sampling)
}

#[test]
fn sampling_is_dfb_linspace_or_stride_and_refuses_short_videos() {
    // np.linspace(0, 99, 32, dtype=int)[:6] and the last; np.arange(0, 25, 10).
    let evenly = Sampling::Evenly(32).indices(100).unwrap();
    assert_eq!(&evenly[..6], &[0, 3, 6, 9, 12, 15]);
    assert_eq!((evenly.len(), evenly[31]), (32, 99));
    assert_eq!(Sampling::Evenly(4).indices(4).unwrap(), vec![0, 1, 2, 3]);
    assert_eq!(Sampling::Every(10).indices(25).unwrap(), vec![0, 10, 20]);
    assert_eq!(Sampling::Evenly(32).indices(31), Err(32));
    assert_eq!(Sampling::Every(10).indices(0), Err(1));
}

#[test]
fn sampled_frames_are_the_pictures_at_their_original_indices() {
    let Some(photo) = prepare_support::astronaut() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // x264 untagged; FFV1; x264 tagged BT.709 full range (another YCbCr matrix and range).
    let tagged: &[&str] = &["-colorspace", "bt709", "-color_range", "pc"];
    for (name, frames, extra) in [
        ("moving.mp4", 40, &[][..]),
        ("moving.mkv", 23, &[][..]),
        ("tagged.mp4", 20, tagged),
    ] {
        let path = dir.path().join(name);
        prepare_support::video_with(&photo, &path, frames, 160, extra);
        let (info, indices) = plan(&path, Sampling::Evenly(8)).unwrap();
        assert_eq!(info.frames, frames);
        // The MP4's count comes from its sample tables and equals ffprobe's `nb_frames`; the
        // Matroska file's comes from ffprobe.
        let from_tables = mp4::frame_count(&std::fs::read(&path).unwrap());
        let expected = name.ends_with(".mp4").then_some(frames);
        assert_eq!(from_tables, expected, "{name}");
        assert_eq!(video::probe(&path).unwrap(), info, "{name}");
        let reference = prepare_support::all_frames(&path, &dir.path().join(format!("{name}-all")));
        assert_eq!(reference.len(), frames);
        // Every decoder of this build gives FFmpeg's own full decode, byte for byte.
        for decoder in VideoDecoder::available() {
            let mut seen = Vec::new();
            let visited: Result<(), ()> =
                video::decode_frames(decoder, &path, &info, &indices, |index, frame| {
                    let expected = image::open(&reference[index]).unwrap().to_rgb8();
                    assert_eq!(frame.dimensions(), (160, 160), "{name} {decoder}");
                    assert!(
                        frame == expected,
                        "{name}: frame {index} by {decoder} differs from FFmpeg's own decode"
                    );
                    seen.push(index);
                    Ok(())
                })
                .unwrap();
            visited.unwrap();
            assert_eq!(seen, indices, "{name} {decoder}");
        }
        assert_eq!(indices, Sampling::Evenly(8).indices(frames).unwrap());
        // Consecutive frames differ (the video moves), so an off-by-one index would fail above.
        let first = image::open(&reference[0]).unwrap().to_rgb8();
        let second = image::open(&reference[1]).unwrap().to_rgb8();
        assert!(first != second, "{name}: the generated video does not move");
    }
}

#[test]
fn undecodable_and_short_videos_are_typed_failures() {
    let Some(photo) = prepare_support::astronaut() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.mp4");
    std::fs::write(
        &broken,
        b"\x00\x00\x00\x18ftypmp42 this is not a video at all",
    )
    .unwrap();
    let error = plan(&broken, Sampling::Evenly(32)).unwrap_err();
    assert_eq!(error.kind(), Some(FailureKind::DecodeError), "{error}");
    assert!(error.to_string().contains("broken.mp4"), "{error}");
    // No memory addresses from FFmpeg's log prefixes: a redo writes the same message.
    assert!(!error.to_string().contains(" @ 0x"), "{error}");

    let short = dir.path().join("short.mp4");
    prepare_support::video(&photo, &short, 10, 96);
    let error = plan(&short, Sampling::Evenly(32)).unwrap_err();
    assert!(
        matches!(
            error,
            VideoError::TooShort {
                frames: 10,
                wanted: 32,
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(error.kind(), Some(FailureKind::VideoTooShort));

    let missing = plan(&dir.path().join("absent.mp4"), Sampling::Every(5)).unwrap_err();
    assert_eq!(
        missing.kind(),
        Some(FailureKind::FileUnreadable),
        "{missing}"
    );

    // A file whose header declares more frames than its data holds: the decode comes up short.
    let bytes = std::fs::read(&short).unwrap();
    let truncated = dir.path().join("truncated.mp4");
    std::fs::write(&truncated, &bytes[..bytes.len() * 2 / 3]).unwrap();
    match plan(&truncated, Sampling::Evenly(10)) {
        Err(error) => assert_eq!(error.kind(), Some(FailureKind::DecodeError), "{error}"),
        Ok((info, indices)) => {
            for decoder in VideoDecoder::available() {
                let error = video::decode_frames(decoder, &truncated, &info, &indices, |_, _| {
                    Ok::<(), ()>(())
                })
                .unwrap_err();
                assert_eq!(
                    error.kind(),
                    Some(FailureKind::DecodeError),
                    "{decoder}: {error}"
                );
            }
        }
    }
    // Bytes that are no video at all, handed straight to each decoder: typed, named, and
    // without FFmpeg's memory addresses.
    let info = VideoInfo { frames: 10 };
    for decoder in VideoDecoder::available() {
        let error = video::decode_frames(decoder, &broken, &info, &[0, 5], |_, _| Ok::<(), ()>(()))
            .unwrap_err();
        assert_eq!(
            error.kind(),
            Some(FailureKind::DecodeError),
            "{decoder}: {error}"
        );
        assert!(
            error.to_string().contains("broken.mp4"),
            "{decoder}: {error}"
        );
        assert!(!error.to_string().contains(" @ 0x"), "{decoder}: {error}");
    }
}
