//! One video through `dfbench prepare`: probe, sample, decode, crop each sampled frame and
//! write it, then the video's record (its provenance, written last: the video's "done" mark).
//!
//! Per-video outcomes are data, never errors: an undecodable or too-short video is a record with
//! a typed failure, a frame without a face is a frame record with [`FailureKind::NoFace`], one
//! the face detector fails on a frame record with [`FailureKind::ForwardError`]. Only
//! what stops every video (no FFmpeg, an unwritable output folder) is a [`PrepareError`].
//! Everything written is a pure function of the video's bytes and the [`Recipe`], so a video
//! redone after a killed worker gets identical bytes.

use super::output::{Layout, OutputError, sha256_hex};
use super::video::{self, Sampling, VideoDecoder, VideoError};
use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::align::{self, DFB_MARGIN, Similarity};
use dfbench_benchmarks::face::{FaceDetector, largest};
use image::RgbImage;
use std::path::Path;

/// Bumped when the bytes `prepare` writes for the same recipe change.
pub const PREPARE_VERSION: u32 = 1;

/// How each sampled frame becomes an output image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Crop {
    /// No face detector: the frame's centred square, resized (not DeepfakeBench's faces).
    WholeFrame,
    /// DeepfakeBench's aligned crop (five landmarks onto the ArcFace template, margin 1.3).
    Dfb,
    /// The largest face box enlarged 1.3×, squared, resized (not DeepfakeBench's geometry).
    Box,
}

/// Everything that decides the output bytes; its fingerprint is in every record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Recipe {
    pub sampling: Sampling,
    pub size: u32,
    pub crop: Crop,
    /// The face detector's fingerprint (`None` for [`Crop::WholeFrame`]).
    pub detector: Option<String>,
    pub version: u32,
}

impl Recipe {
    pub fn fingerprint(&self) -> String {
        let text = serde_json::to_string(self).unwrap_or_default();
        sha256_hex(text.as_bytes())
    }

    /// A line for the provenance saying what geometry this is.
    pub fn geometry(&self) -> &'static str {
        match self.crop {
            Crop::WholeFrame => "whole frame, centred square resized (no face detector; not DFB)",
            Crop::Dfb => {
                "DFB aligned crop: 5 landmarks → ArcFace template (+8 x), margin 1.3, MTCNN landmarks in place of dlib"
            }
            Crop::Box => "largest face box ×1.3, squared, resized (not DFB)",
        }
    }
}

/// Which crop a face becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaceAlign {
    Dfb,
    Box,
}

/// What a worker thread crops with: nothing, or its own face detector.
pub enum Cropper {
    WholeFrame,
    Faces(Box<dyn FaceDetector>, FaceAlign),
}

/// The provenance of one sampled frame.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FrameRecord {
    /// Original frame index in the video.
    pub index: usize,
    /// Written image, relative to the output folder (`None` on failure).
    pub path: Option<String>,
    pub sha256: Option<String>,
    #[serde(rename = "box")]
    pub bbox: Option<[f32; 4]>,
    pub landmarks: Option<[[f32; 2]; 5]>,
    /// The crop transform, OpenCV's 2×3 `M`.
    pub transform: Option<[[f64; 3]; 2]>,
    pub failure: Option<FailureKind>,
    pub message: Option<String>,
}

/// The provenance of one video: one line of the manifest.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VideoRecord {
    /// The video's path relative to the input folder.
    pub video: String,
    pub sha256: String,
    pub recipe: String,
    /// What decoded its frames ([`VideoDecoder::provenance`]); empty in records written
    /// before it was recorded.
    #[serde(default)]
    pub decoder: String,
    pub frames_in_video: Option<usize>,
    pub failure: Option<FailureKind>,
    pub message: Option<String>,
    pub frames: Vec<FrameRecord>,
}

/// What stops the whole job (not one video).
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error(transparent)]
    Video(#[from] VideoError),
    #[error(transparent)]
    Output(#[from] OutputError),
    /// A worker thread could not start (its face detector did not load) or died.
    #[error("prepare worker: {0}")]
    Setup(String),
}

fn frame_failure(index: usize, kind: FailureKind, message: String) -> FrameRecord {
    FrameRecord {
        index,
        path: None,
        sha256: None,
        bbox: None,
        landmarks: None,
        transform: None,
        failure: Some(kind),
        message: Some(message),
    }
}

/// What became of one sampled frame.
enum Cropped {
    /// The crop and its record (without path and hash yet).
    Image(RgbImage, FrameRecord),
    Failed(FrameRecord),
}

/// Crops one frame: the image and its record (without path and hash), or a failed record (no
/// face, a degenerate crop, or the face detector failing on this frame: `forward_error`).
fn crop_frame(cropper: &mut Cropper, frame: &RgbImage, index: usize, size: u32) -> Cropped {
    let (transform, face): (Option<Similarity>, _) = match cropper {
        Cropper::WholeFrame => (
            align::whole_frame_transform(frame.width(), frame.height(), size),
            None,
        ),
        Cropper::Faces(detector, crop) => {
            let faces = match detector.detect(frame) {
                Ok(faces) => faces,
                Err(error) => {
                    let message = format!("face detector {}: {error}", detector.fingerprint());
                    return Cropped::Failed(frame_failure(
                        index,
                        FailureKind::ForwardError,
                        message,
                    ));
                }
            };
            let Some(face) = largest(&faces).copied() else {
                let message = format!("no face found by {}", detector.fingerprint());
                return Cropped::Failed(frame_failure(index, FailureKind::NoFace, message));
            };
            let transform = match crop {
                FaceAlign::Box => align::box_transform(&face, size, DFB_MARGIN),
                FaceAlign::Dfb => align::dfb_transform(&face.landmarks, size),
            };
            (transform, Some(face))
        }
    };
    let crop = transform.and_then(|t| Some((align::warp(frame, &t, size)?, t)));
    let Some((image, transform)) = crop else {
        let message = "degenerate crop (zero-size box or coinciding landmarks)".to_string();
        return Cropped::Failed(frame_failure(index, FailureKind::NoFace, message));
    };
    let record = FrameRecord {
        index,
        path: None,
        sha256: None,
        bbox: face.map(|f| f.bbox),
        landmarks: face.map(|f| f.landmarks),
        transform: Some(transform.matrix()),
        failure: None,
        message: None,
    };
    Cropped::Image(image, record)
}

/// Prepares the video at `input_root/video` under `layout` and writes its record.
pub fn prepare_video(
    input_root: &Path,
    video: &str,
    recipe: &Recipe,
    cropper: &mut Cropper,
    layout: &Layout,
    decoder: VideoDecoder,
) -> Result<VideoRecord, PrepareError> {
    let path = input_root.join(video);
    let mut record = VideoRecord {
        video: video.to_string(),
        sha256: String::new(),
        recipe: recipe.fingerprint(),
        decoder: decoder.provenance(),
        frames_in_video: None,
        failure: None,
        message: None,
        frames: Vec::new(),
    };
    layout.clear_video(video)?;
    let planned = video::read(&path).and_then(|bytes| {
        record.sha256 = sha256_hex(&bytes);
        video::plan(&path, &bytes, recipe.sampling)
    });
    let decoded = planned.and_then(|(info, indices)| {
        record.frames_in_video = Some(info.frames);
        video::decode_frames(decoder, &path, &info, &indices, |index, frame| {
            let frame_record = match crop_frame(cropper, &frame, index, recipe.size) {
                Cropped::Image(image, mut frame_record) => {
                    let (rel, sha256) = layout.write_frame(video, index, &image)?;
                    frame_record.path = Some(rel);
                    frame_record.sha256 = Some(sha256);
                    frame_record
                }
                Cropped::Failed(failed) => failed,
            };
            record.frames.push(frame_record);
            Ok::<(), PrepareError>(())
        })
    });
    match decoded {
        Ok(visited) => visited?,
        Err(error) => match error.kind() {
            Some(kind) => {
                layout.clear_video(video)?;
                record.frames.clear();
                record.failure = Some(kind);
                record.message = Some(error.to_string());
            }
            None => return Err(error.into()),
        },
    }
    layout.write_record(&record)?;
    Ok(record)
}
