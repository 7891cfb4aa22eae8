//! Faces found in a frame: what a face-detector card returns instead of a score, and the one
//! interface `dfbench prepare` crops through.
//!
//! The detector itself (MTCNN's three nets run by a model runtime, its image pyramid, NMS and box
//! regression) lives in the worker; the crop geometry that consumes these faces lives with
//! `prepare`. This module is only the shared vocabulary, so both sides agree on coordinates.

/// One detected face, in the frame's pixel coordinates (x to the right, y down, origin at the
/// top-left corner of the top-left pixel), as facenet-pytorch's MTCNN reports them.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Face {
    /// `[x1, y1, x2, y2]`.
    pub bbox: [f32; 4],
    /// The last stage's face probability, in [0, 1].
    pub score: f32,
    /// Five points `[x, y]`: left eye, right eye, nose, left mouth corner, right mouth corner
    /// ("left" as seen in the image, MTCNN's order).
    pub landmarks: [[f32; 2]; 5],
}

impl Face {
    /// The box's area in pixels (zero for a degenerate box).
    pub fn area(&self) -> f32 {
        let [x1, y1, x2, y2] = self.bbox;
        (x2 - x1).max(0.0) * (y2 - y1).max(0.0)
    }
}

/// The face a crop is made from: the largest box (DeepfakeBench keeps the largest face per
/// frame); ties keep the first, i.e. the detector's own order. `None` when there is no face.
pub fn largest(faces: &[Face]) -> Option<&Face> {
    faces.iter().reduce(|best, face| {
        if face.area() > best.area() {
            face
        } else {
            best
        }
    })
}

/// Why a face detector could not look at a frame (distinct from finding no face, which is an
/// empty list).
#[derive(Debug, thiserror::Error)]
pub enum FaceDetectError {
    /// One of the detector's networks failed to run.
    #[error("face detector forward pass failed: {0}")]
    Forward(String),
    /// A network returned a tensor of a shape the detector does not expect.
    #[error("face detector output has an unexpected shape: {0}")]
    BadOutput(String),
}

/// A face detector, loaded once per worker and called per frame.
pub trait FaceDetector: Send {
    /// Every face found in an RGB frame, in the detector's order.
    fn detect(&mut self, frame: &image::RgbImage) -> Result<Vec<Face>, FaceDetectError>;
    /// What identifies this detector in the prepare output's provenance (its card fingerprint).
    fn fingerprint(&self) -> String;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(bbox: [f32; 4]) -> Face {
        Face {
            bbox,
            score: 0.99,
            landmarks: [[0.0; 2]; 5],
        }
    }

    #[test]
    fn largest_keeps_the_biggest_box_and_the_first_of_equals() {
        let faces = [
            face([0.0, 0.0, 10.0, 10.0]),
            face([5.0, 5.0, 35.0, 25.0]),
            face([0.0, 0.0, 20.0, 30.0]),
        ];
        assert_eq!(
            largest(&faces).map(|f| f.bbox),
            Some([5.0, 5.0, 35.0, 25.0])
        );
        assert!(largest(&[]).is_none());
        let tie = [face([0.0, 0.0, 2.0, 2.0]), face([1.0, 1.0, 3.0, 3.0])];
        assert_eq!(largest(&tie).map(|f| f.bbox[0]), Some(0.0));
    }
}
