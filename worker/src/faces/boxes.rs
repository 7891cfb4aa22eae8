//! MTCNN's box arithmetic as facenet-pytorch's `detect_face` does it, in f32 and in its order:
//! PNet's candidate boxes from its probability map (`generateBoundingBox`), NMS by IoU
//! (torchvision's `batched_nms`) and by the smaller area (`nms_numpy` "Min"), the two box
//! regressions, squaring (`rerec`) and the crop each box gives (`pad`: truncated to integers,
//! clamped to the frame, not padded).

use super::area::Rect;

/// A candidate face: corners, the stage's face probability and the offsets its net regressed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub x1: f32,
    pub y1: f32,
    pub x2: f32,
    pub y2: f32,
    pub score: f32,
    pub offsets: [f32; 4],
}

/// PNet's window (12 pixels at stride 2) over every cell whose face probability is at least
/// `threshold`, in row-major order, mapped back to frame coordinates at `scale`.
/// `offsets` is PNet's `[4, height, width]` output, `probabilities` its face channel.
pub fn generate(
    offsets: &[f32],
    probabilities: &[f32],
    (height, width): (usize, usize),
    scale: f64,
    threshold: f32,
) -> Vec<Candidate> {
    let plane = height * width;
    let scale = scale as f32;
    let mut found = Vec::new();
    for (cell, &score) in probabilities.iter().enumerate().take(plane) {
        if score < threshold {
            continue;
        }
        let (x, y) = ((cell % width) as f32, (cell / width) as f32);
        let corner = |at: f32, add: f32| ((2.0 * at + add) / scale).floor();
        found.push(Candidate {
            x1: corner(x, 1.0),
            y1: corner(y, 1.0),
            x2: corner(x, 12.0),
            y2: corner(y, 12.0),
            score,
            offsets: std::array::from_fn(|k| offsets[k * plane + cell]),
        });
    }
    found
}

/// torchvision's `nms`: indices kept, best score first (stable order among equal scores); a
/// box is dropped when its IoU with a kept one exceeds `threshold`. Areas without the +1.
pub fn nms_iou(boxes: &[Candidate], threshold: f64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..boxes.len()).collect();
    order.sort_by(|&a, &b| boxes[b].score.total_cmp(&boxes[a].score));
    let area = |b: &Candidate| (b.x2 - b.x1) * (b.y2 - b.y1);
    let mut suppressed = vec![false; boxes.len()];
    let mut keep = Vec::new();
    for (rank, &i) in order.iter().enumerate() {
        if suppressed[i] {
            continue;
        }
        keep.push(i);
        let kept = &boxes[i];
        for &j in &order[rank + 1..] {
            let other = &boxes[j];
            let w = (kept.x2.min(other.x2) - kept.x1.max(other.x1)).max(0.0);
            let h = (kept.y2.min(other.y2) - kept.y1.max(other.y1)).max(0.0);
            let inter = w * h;
            let iou = inter / (area(kept) + area(other) - inter);
            if f64::from(iou) > threshold {
                suppressed[j] = true;
            }
        }
    }
    keep
}

/// facenet-pytorch's `nms_numpy` in "Min" mode: the best remaining box is kept and boxes whose
/// overlap over the smaller area exceeds `threshold` are dropped; areas with the +1.
pub fn nms_min(boxes: &[Candidate], threshold: f32) -> Vec<usize> {
    let area = |b: &Candidate| (b.x2 - b.x1 + 1.0) * (b.y2 - b.y1 + 1.0);
    // np.argsort ascending (stable for the few boxes ONet leaves), best taken from the end.
    let mut remaining: Vec<usize> = (0..boxes.len()).collect();
    remaining.sort_by(|&a, &b| boxes[a].score.total_cmp(&boxes[b].score));
    let mut keep = Vec::new();
    while let Some(i) = remaining.pop() {
        keep.push(i);
        let kept = &boxes[i];
        remaining.retain(|&j| {
            let other = &boxes[j];
            let w = (kept.x2.min(other.x2) - kept.x1.max(other.x1) + 1.0).max(0.0);
            let h = (kept.y2.min(other.y2) - kept.y1.max(other.y1) + 1.0).max(0.0);
            w * h / area(kept).min(area(other)) <= threshold
        });
    }
    keep
}

impl Candidate {
    /// PNet's regression (`detect_face` after the first stage): offsets times the box's size.
    pub fn regress_unpadded(mut self) -> Candidate {
        let (w, h) = (self.x2 - self.x1, self.y2 - self.y1);
        self.shift(w, h);
        self
    }

    /// RNet's and ONet's regression (`bbreg`): the size counts both edges (+1).
    pub fn regress(mut self) -> Candidate {
        let (w, h) = (self.x2 - self.x1 + 1.0, self.y2 - self.y1 + 1.0);
        self.shift(w, h);
        self
    }

    fn shift(&mut self, w: f32, h: f32) {
        let [dx1, dy1, dx2, dy2] = self.offsets;
        self.x1 += dx1 * w;
        self.y1 += dy1 * h;
        self.x2 += dx2 * w;
        self.y2 += dy2 * h;
    }

    /// `rerec`: the square of the longer side, on the same centre.
    pub fn square(mut self) -> Candidate {
        let (w, h) = (self.x2 - self.x1, self.y2 - self.y1);
        let side = w.max(h);
        self.x1 = self.x1 + w * 0.5 - side * 0.5;
        self.y1 = self.y1 + h * 0.5 - side * 0.5;
        self.x2 = self.x1 + side;
        self.y2 = self.y1 + side;
        self
    }

    /// `pad` then the slice `[y − 1 : ey, x − 1 : ex]`: corners truncated to integers, clamped
    /// to the frame; `None` when nothing of the box is inside it.
    pub fn crop(&self, width: u32, height: u32) -> Option<Rect> {
        let (x, y) = ((self.x1 as i64).max(1), (self.y1 as i64).max(1));
        let ex = (self.x2 as i64).min(i64::from(width));
        let ey = (self.y2 as i64).min(i64::from(height));
        if ex < x || ey < y {
            return None;
        }
        Some(Rect {
            x: u32::try_from(x - 1).ok()?,
            y: u32::try_from(y - 1).ok()?,
            width: u32::try_from(ex - x + 1).ok()?,
            height: u32::try_from(ey - y + 1).ok()?,
        })
    }
}

#[cfg(test)]
#[path = "boxes_tests.rs"]
mod tests;
