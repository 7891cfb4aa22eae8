//! Turning a clip's preprocessed frames (each a normalised C×S×S tensor, see
//! [`crate::preprocess`]) into the one tensor a clip model takes per clip:
//!
//! - `input = "clip"`, `layout = "bcthw"`: C×T×S×S (the batch gives B×C×T×H×W);
//! - `input = "clip"`, `layout = "btchw"`: T×C×S×S (B×T×C×H×W);
//! - `input = "thumbnail"`, `grid = RxC`: the T = R·C frames tiled row-major (frame 0 top left,
//!   then left to right, top to bottom) into a C×(R·S)×(C·S) image, resized to C×S×S exactly as
//!   `torch.nn.functional.interpolate(mode='bilinear', align_corners=False)` does on the
//!   normalised tensor (DeepfakeBench's TALL order: resize each frame, tile, resize the tile).

use dfbench_benchmarks::card::clip::{ClipLayout, ClipSpec, Grid, InputKind};

/// Shape of one clip's tensor (without the batch axis) for frames of side `side`.
pub fn clip_shape(spec: &ClipSpec, side: usize) -> Vec<usize> {
    let frames = spec.clip_size as usize;
    match (spec.input, spec.layout) {
        (InputKind::Clip, Some(ClipLayout::Btchw)) => vec![frames, 3, side, side],
        (InputKind::Clip, _) => vec![3, frames, side, side],
        (InputKind::Thumbnail | InputKind::Image, _) => vec![3, side, side],
    }
}

/// One clip's tensor from its frames' C×S×S tensors (`frames.len()` = `clip_size`).
pub fn stack_clip(spec: &ClipSpec, frames: &[Vec<f32>], side: usize) -> Vec<f32> {
    match (spec.input, spec.layout, spec.grid) {
        (InputKind::Clip, Some(ClipLayout::Btchw), _) => frames.concat(),
        (InputKind::Thumbnail, _, Some(grid)) => {
            bilinear_downscale(&tile(frames, grid, side), grid, side)
        }
        // bcthw (and an image card, which never gets here: one frame, CHW).
        _ => {
            let plane = side * side;
            let mut out = Vec::with_capacity(3 * frames.len() * plane);
            for channel in 0..3 {
                for frame in frames {
                    out.extend_from_slice(&frame[channel * plane..(channel + 1) * plane]);
                }
            }
            out
        }
    }
}

/// The frames tiled row-major into one C×(rows·S)×(cols·S) tensor.
fn tile(frames: &[Vec<f32>], grid: Grid, side: usize) -> Vec<f32> {
    let (rows, cols) = (grid.rows as usize, grid.cols as usize);
    let (height, width) = (rows * side, cols * side);
    let mut out = vec![0.0f32; 3 * height * width];
    for (index, frame) in frames.iter().enumerate().take(rows * cols) {
        let (top, left) = (index / cols * side, index % cols * side);
        for channel in 0..3 {
            for y in 0..side {
                let source = &frame[(channel * side + y) * side..][..side];
                let start = (channel * height + top + y) * width + left;
                out[start..start + side].copy_from_slice(source);
            }
        }
    }
    out
}

/// Source indices and weights along one axis, as PyTorch's bilinear kernel computes them
/// (`area_pixel_compute_source_index` with align_corners=False, scale = in / out in float).
fn axis_weights(input: usize, output: usize) -> Vec<(usize, usize, f32, f32)> {
    let scale = input as f32 / output as f32;
    (0..output)
        .map(|o| {
            let source = (scale * (o as f32 + 0.5) - 0.5).max(0.0);
            let low = (source as usize).min(input - 1);
            let high = if low < input - 1 { low + 1 } else { low };
            let lambda = source - low as f32;
            (low, high, 1.0 - lambda, lambda)
        })
        .collect()
}

/// A C×(rows·S)×(cols·S) tile resized bilinearly (align_corners=False) to C×S×S.
fn bilinear_downscale(tiled: &[f32], grid: Grid, side: usize) -> Vec<f32> {
    let (height, width) = (grid.rows as usize * side, grid.cols as usize * side);
    let ys = axis_weights(height, side);
    let xs = axis_weights(width, side);
    let mut out = Vec::with_capacity(3 * side * side);
    for channel in 0..3 {
        let plane = &tiled[channel * height * width..(channel + 1) * height * width];
        for &(y0, y1, wy0, wy1) in &ys {
            for &(x0, x1, wx0, wx1) in &xs {
                let at = |y: usize, x: usize| plane[y * width + x];
                let value = wy0 * (wx0 * at(y0, x0) + wx1 * at(y0, x1))
                    + wy1 * (wx0 * at(y1, x0) + wx1 * at(y1, x1));
                out.push(value);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use dfbench_benchmarks::card::clip::ClipsPerVideo;

    fn spec(input: InputKind, layout: Option<ClipLayout>, grid: Option<Grid>) -> ClipSpec {
        ClipSpec {
            input,
            clip_size: grid.map_or(2, |g| g.frames()),
            clip_stride: 2,
            clips_per_video: ClipsPerVideo::All,
            layout,
            grid,
        }
    }

    /// Frame t, channel c, pixel p holds 1000 t + 100 c + p.
    fn frames(count: usize, side: usize) -> Vec<Vec<f32>> {
        (0..count)
            .map(|t| {
                (0..3 * side * side)
                    .map(|i| (1000 * t + 100 * (i / (side * side)) + i % (side * side)) as f32)
                    .collect()
            })
            .collect()
    }

    #[test]
    fn layouts_put_time_and_channels_where_they_say() {
        let frames = frames(2, 2);
        let bcthw = spec(InputKind::Clip, Some(ClipLayout::Bcthw), None);
        let btchw = spec(InputKind::Clip, Some(ClipLayout::Btchw), None);
        assert_eq!(clip_shape(&bcthw, 2), [3, 2, 2, 2]);
        assert_eq!(clip_shape(&btchw, 2), [2, 3, 2, 2]);
        let c_t = stack_clip(&bcthw, &frames, 2);
        // [c][t][p]: channel 1 of frame 1 starts at (1·2 + 1)·4.
        assert_eq!(c_t[12..16], [1100.0, 1101.0, 1102.0, 1103.0]);
        let t_c = stack_clip(&btchw, &frames, 2);
        // [t][c][p]: channel 1 of frame 1 starts at (1·3 + 1)·4.
        assert_eq!(t_c[16..20], [1100.0, 1101.0, 1102.0, 1103.0]);
    }

    #[test]
    fn a_2x2_thumbnail_of_uniform_frames_averages_each_quadrant() {
        let grid = Grid { rows: 2, cols: 2 };
        let spec = spec(InputKind::Thumbnail, None, Some(grid));
        let side = 4;
        let frames: Vec<Vec<f32>> = (0..4).map(|t| vec![t as f32; 3 * side * side]).collect();
        let thumbnail = stack_clip(&spec, &frames, side);
        assert_eq!(clip_shape(&spec, side), [3, 4, 4]);
        assert_eq!(thumbnail.len(), 3 * side * side);
        // ×2 bilinear down-scaling averages 2×2 blocks: each quadrant keeps its frame's value.
        let row = |y: usize| thumbnail[y * side..(y + 1) * side].to_vec();
        assert_eq!(row(0), [0.0, 0.0, 1.0, 1.0]);
        assert_eq!(row(3), [2.0, 2.0, 3.0, 3.0]);
    }

    #[test]
    fn bilinear_weights_follow_pytorch_align_corners_false() {
        // 5 → 3: scale 5/3, sources 0.3333, 2.0, 3.6667.
        let weights = axis_weights(5, 3);
        assert_eq!((weights[0].0, weights[0].1), (0, 1));
        assert!((weights[0].3 - 1.0 / 3.0).abs() < 1e-6);
        assert_eq!((weights[1].0, weights[1].1), (2, 3));
        assert!(weights[1].3.abs() < 1e-6);
        assert_eq!((weights[2].0, weights[2].1), (3, 4));
        // Up-scaling clamps negative sources to 0 and the last index to itself.
        let up = axis_weights(2, 4);
        assert_eq!((up[0].0, up[0].1, up[0].3), (0, 1, 0.0));
        assert_eq!((up[3].0, up[3].1), (1, 1));
    }
}
