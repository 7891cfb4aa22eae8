//! MTCNN's cascade as facenet-pytorch's `detect_face` runs it for one frame: the image pyramid
//! and PNet on each level, per-level NMS 0.5, NMS 0.7, regression and squaring; RNet on 24×24
//! crops, threshold, NMS 0.7, regression, squaring; ONet on 48×48 crops, threshold, landmarks,
//! regression, "Min" NMS 0.7; then the largest face first, as `MTCNN.detect` orders them.
//! The nets run through [`MtcnnNets`] (a model runtime); everything else is here.

use super::area::{AreaSampler, Rect};
use super::boxes::{Candidate, generate, nms_iou, nms_min};
use super::{MtcnnNets, Net, NetOutput};
use dfbench_benchmarks::card::face::FaceDetectorCard;
use dfbench_benchmarks::face::{Face, FaceDetectError, FaceDetector};
use image::RgbImage;

/// RNet and ONet crops per forward pass (facenet-pytorch's `fixed_batch_process`).
const CROP_BATCH: usize = 512;

/// A box with its crop's row of every net output (offsets, [landmarks,] probabilities).
type Scored = (Candidate, Vec<Vec<f32>>);

/// An MTCNN detector: the card's parameters and its nets on a runtime.
pub struct Mtcnn<N> {
    nets: N,
    thresholds: [f32; 3],
    min_face_size: f64,
    factor: f64,
    fingerprint: String,
}

impl<N: MtcnnNets> Mtcnn<N> {
    pub fn new(nets: N, card: &FaceDetectorCard, fingerprint: &str) -> Mtcnn<N> {
        Mtcnn {
            nets,
            thresholds: card.thresholds.map(|t| t as f32),
            min_face_size: f64::from(card.min_face_size),
            factor: card.factor,
            fingerprint: fingerprint.to_string(),
        }
    }

    /// The pyramid's scales: 12 / min_face_size, then times `factor` while the shorter side
    /// scaled stays at least 12 (PNet's window).
    fn scales(&self, frame: &RgbImage) -> Vec<f64> {
        let first = 12.0 / self.min_face_size;
        let mut shorter = f64::from(frame.width().min(frame.height())) * first;
        let mut scale = first;
        let mut scales = Vec::new();
        while shorter >= 12.0 {
            scales.push(scale);
            scale *= self.factor;
            shorter *= self.factor;
        }
        scales
    }

    /// PNet over the pyramid: candidates after per-level and overall NMS, regressed, squared.
    fn proposals(
        &mut self,
        frame: &RgbImage,
        sampler: &AreaSampler,
    ) -> Result<Vec<Candidate>, FaceDetectError> {
        let (height, width) = (f64::from(frame.height()), f64::from(frame.width()));
        let mut candidates = Vec::new();
        for scale in self.scales(frame) {
            let size = (
                (height * scale + 1.0) as usize,
                (width * scale + 1.0) as usize,
            );
            let mut input = Vec::new();
            sampler.resample(Rect::of(frame), size.0, size.1, &mut input);
            let outputs = self.nets.run(Net::P, input, [1, 3, size.0, size.1])?;
            let [offsets, probabilities] = expect_outputs(Net::P, outputs, 1)?;
            let map = (offsets.shape[2], offsets.shape[3]);
            let face = &probabilities.values[map.0 * map.1..];
            let level = generate(&offsets.values, face, map, scale, self.thresholds[0]);
            candidates.extend(nms_iou(&level, 0.5).into_iter().map(|i| level[i]));
        }
        Ok(nms_iou(&candidates, 0.7)
            .into_iter()
            .map(|i| candidates[i].regress_unpadded().square())
            .collect())
    }

    /// Crops of `boxes` resampled to `side`, run through `net` in batches: the boxes whose crop
    /// lies in the frame and the net's outputs for each.
    fn crops(
        &mut self,
        frame: &RgbImage,
        sampler: &AreaSampler,
        boxes: &[Candidate],
        net: Net,
        side: usize,
    ) -> Result<Vec<Scored>, FaceDetectError> {
        let inside: Vec<(Candidate, Rect)> = boxes
            .iter()
            .filter_map(|b| b.crop(frame.width(), frame.height()).map(|rect| (*b, rect)))
            .collect();
        let mut results = Vec::with_capacity(inside.len());
        for chunk in inside.chunks(CROP_BATCH) {
            let mut input = Vec::with_capacity(chunk.len() * 3 * side * side);
            for (_, rect) in chunk {
                sampler.resample(*rect, side, side, &mut input);
            }
            let outputs = self.nets.run(net, input, [chunk.len(), 3, side, side])?;
            let outputs = expect_rows(net, outputs, chunk.len())?;
            for (row, (candidate, _)) in chunk.iter().enumerate() {
                let per_output = outputs.iter().map(|o| o.row(row).to_vec()).collect();
                results.push((*candidate, per_output));
            }
        }
        Ok(results)
    }

    /// RNet: kept boxes (score above the threshold, NMS 0.7), regressed and squared.
    fn refine(
        &mut self,
        frame: &RgbImage,
        sampler: &AreaSampler,
        boxes: &[Candidate],
    ) -> Result<Vec<Candidate>, FaceDetectError> {
        let kept: Vec<Candidate> = self
            .crops(frame, sampler, boxes, Net::R, 24)?
            .into_iter()
            .filter_map(|(candidate, outputs)| {
                let (offsets, probabilities) = (&outputs[0], &outputs[1]);
                (probabilities[1] > self.thresholds[1]).then(|| Candidate {
                    score: probabilities[1],
                    offsets: [offsets[0], offsets[1], offsets[2], offsets[3]],
                    ..candidate
                })
            })
            .collect();
        Ok(nms_iou(&kept, 0.7)
            .into_iter()
            .map(|i| kept[i].regress().square())
            .collect())
    }

    /// ONet: faces with landmarks, regressed, after "Min" NMS 0.7.
    fn output(
        &mut self,
        frame: &RgbImage,
        sampler: &AreaSampler,
        boxes: &[Candidate],
    ) -> Result<Vec<Face>, FaceDetectError> {
        let mut kept = Vec::new();
        for (candidate, outputs) in self.crops(frame, sampler, boxes, Net::O, 48)? {
            let (offsets, points, probabilities) = (&outputs[0], &outputs[1], &outputs[2]);
            let score = probabilities[1];
            if score <= self.thresholds[2] {
                continue;
            }
            let (w, h) = (
                candidate.x2 - candidate.x1 + 1.0,
                candidate.y2 - candidate.y1 + 1.0,
            );
            let landmarks: [[f32; 2]; 5] = std::array::from_fn(|k| {
                [
                    w * points[k] + candidate.x1 - 1.0,
                    h * points[k + 5] + candidate.y1 - 1.0,
                ]
            });
            let regressed = Candidate {
                score,
                offsets: [offsets[0], offsets[1], offsets[2], offsets[3]],
                ..candidate
            }
            .regress();
            kept.push((regressed, landmarks));
        }
        let boxes: Vec<Candidate> = kept.iter().map(|(b, _)| *b).collect();
        Ok(nms_min(&boxes, 0.7)
            .into_iter()
            .map(|i| {
                let (b, landmarks) = kept[i];
                Face {
                    bbox: [b.x1, b.y1, b.x2, b.y2],
                    score: b.score,
                    landmarks,
                }
            })
            .collect())
    }
}

/// `MTCNN.detect`'s order: largest box area first (`argsort(...)[::-1]`: of equal areas, the
/// later one first).
fn largest_first(faces: Vec<Face>) -> Vec<Face> {
    let area = |f: &Face| (f.bbox[2] - f.bbox[0]) * (f.bbox[3] - f.bbox[1]);
    let mut order: Vec<usize> = (0..faces.len()).collect();
    order.sort_by(|&a, &b| area(&faces[a]).total_cmp(&area(&faces[b])));
    order.iter().rev().map(|&i| faces[i]).collect()
}

impl<N: MtcnnNets> FaceDetector for Mtcnn<N> {
    fn detect(&mut self, frame: &RgbImage) -> Result<Vec<Face>, FaceDetectError> {
        // One summed-area table serves every pyramid level and crop of the frame.
        let sampler = AreaSampler::new(frame);
        let proposals = self.proposals(frame, &sampler)?;
        let refined = self.refine(frame, &sampler, &proposals)?;
        Ok(largest_first(self.output(frame, &sampler, &refined)?))
    }

    fn fingerprint(&self) -> String {
        self.fingerprint.clone()
    }
}

/// Exactly `count` outputs of 4 dimensions with batch 1 (PNet), else a typed error.
fn expect_outputs<const K: usize>(
    net: Net,
    outputs: Vec<NetOutput>,
    batch: usize,
) -> Result<[NetOutput; K], FaceDetectError> {
    let found = outputs.len();
    let outputs: [NetOutput; K] = outputs.try_into().map_err(|_| {
        FaceDetectError::BadOutput(format!("{net:?}-net returned {found} outputs, not {K}"))
    })?;
    for output in &outputs {
        let expected = output.shape.len() == 4 && output.shape[0] == batch;
        if !expected || output.values.len() != output.shape.iter().product::<usize>() {
            return Err(FaceDetectError::BadOutput(format!(
                "{net:?}-net output of shape {:?} for a batch of {batch}",
                output.shape
            )));
        }
    }
    let (first, last) = (&outputs[0].shape, &outputs[K - 1].shape);
    if first[2..] != last[2..] || first[1] != 4 || last[1] != 2 {
        return Err(FaceDetectError::BadOutput(format!(
            "{net:?}-net returned maps {first:?} and {last:?}; expected 4 offsets and 2 classes"
        )));
    }
    Ok(outputs)
}

/// RNet's (offsets 4, probabilities 2) or ONet's (offsets 4, landmarks 10, probabilities 2)
/// outputs for `rows` crops, else a typed error.
fn expect_rows(
    net: Net,
    outputs: Vec<NetOutput>,
    rows: usize,
) -> Result<Vec<NetOutput>, FaceDetectError> {
    let widths: &[usize] = match net {
        Net::R => &[4, 2],
        Net::P | Net::O => &[4, 10, 2],
    };
    let shapes: Vec<&[usize]> = outputs.iter().map(|o| o.shape.as_slice()).collect();
    let fits = outputs.len() == widths.len()
        && outputs.iter().zip(widths).all(|(output, width)| {
            output.shape == [rows, *width] && output.values.len() == rows * width
        });
    if !fits {
        return Err(FaceDetectError::BadOutput(format!(
            "{net:?}-net returned shapes {shapes:?} for {rows} crops; expected {widths:?} columns"
        )));
    }
    Ok(outputs)
}
