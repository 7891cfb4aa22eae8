//! The box arithmetic on hand-computed cases (the whole pipeline is compared with facenet-pytorch
//! in cli/tests/faces.rs).
use super::*;

fn candidate(corners: [f32; 4], score: f32) -> Candidate {
    Candidate {
        x1: corners[0],
        y1: corners[1],
        x2: corners[2],
        y2: corners[3],
        score,
        offsets: [0.0; 4],
    }
}

#[test]
fn generate_maps_cells_back_through_the_scale() {
    // A 2×3 map; cells (x 2, y 0) and (x 1, y 1) pass 0.6.
    let probabilities = [0.1, 0.2, 0.9, 0.3, 0.6, 0.5];
    let offsets: Vec<f32> = (0..24).map(|v| v as f32).collect();
    let found = generate(&offsets, &probabilities, (2, 3), 0.5, 0.6);
    assert_eq!(found.len(), 2);
    assert_eq!(
        [found[0].x1, found[0].y1, found[0].x2, found[0].y2],
        [10.0, 2.0, 32.0, 24.0]
    );
    assert_eq!(found[0].offsets, [2.0, 8.0, 14.0, 20.0]);
    assert_eq!(
        [found[1].x1, found[1].y1, found[1].x2, found[1].y2],
        [6.0, 6.0, 28.0, 28.0]
    );
}

#[test]
fn nms_iou_keeps_the_best_of_overlapping_boxes_best_first() {
    let boxes = [
        candidate([0.0, 0.0, 10.0, 10.0], 0.7),
        candidate([1.0, 1.0, 11.0, 11.0], 0.9), // IoU 81/119 = 0.68 with the first
        candidate([20.0, 20.0, 30.0, 30.0], 0.8),
    ];
    assert_eq!(nms_iou(&boxes, 0.5), vec![1, 2]);
    assert_eq!(nms_iou(&boxes, 0.7), vec![1, 2, 0]);
}

#[test]
fn nms_min_drops_a_box_inside_a_better_one() {
    let boxes = [
        candidate([0.0, 0.0, 99.0, 99.0], 0.8),
        candidate([10.0, 10.0, 29.0, 29.0], 0.99), // wholly inside: overlap / smaller area = 1
        candidate([200.0, 0.0, 299.0, 99.0], 0.9),
    ];
    assert_eq!(nms_min(&boxes, 0.7), vec![1, 2]);
}

#[test]
fn regressions_square_and_crop() {
    let mut moved = candidate([10.0, 20.0, 30.0, 60.0], 1.0);
    moved.offsets = [0.1, -0.1, 0.2, 0.0];
    let unpadded = moved.regress_unpadded();
    assert_eq!(
        [unpadded.x1, unpadded.y1, unpadded.x2, unpadded.y2],
        [12.0, 16.0, 34.0, 60.0]
    );
    let padded = moved.regress();
    let expected = [12.1, 15.9, 34.2, 60.0];
    for (got, want) in [padded.x1, padded.y1, padded.x2, padded.y2]
        .iter()
        .zip(expected)
    {
        assert!((got - want).abs() < 1e-5, "{got} vs {want}");
    }
    let square = candidate([10.0, 20.0, 30.0, 60.0], 1.0).square();
    assert_eq!(
        [square.x1, square.y1, square.x2, square.y2],
        [0.0, 20.0, 40.0, 60.0]
    );
    let rect = candidate([-5.7, 3.9, 12.2, 50.0], 1.0)
        .crop(40, 30)
        .expect("inside");
    // x clamps to 1, y truncates to 3, ex to 12, ey clamps to 30: slice [0:12, 2:30].
    assert_eq!((rect.x, rect.y, rect.width, rect.height), (0, 2, 12, 28));
    assert!(
        candidate([50.0, 0.0, 60.0, 10.0], 1.0)
            .crop(40, 30)
            .is_none()
    );
}
