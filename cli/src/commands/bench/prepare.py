"""The Python anchor of `dfbench bench prepare`: DeepfakeBench's frame extraction on one thread.

Per video: OpenCV's VideoCapture reads every frame in order and keeps the N frames of
np.linspace(0, n - 1, N, dtype=int) over the container's frame count. Each kept frame is then
either (--faces) cropped as DeepfakeBench crops faces, with facenet-pytorch's MTCNN in place of
dlib (the largest face's five landmarks, a least-squares similarity transform onto the ArcFace
template, +8 on x, margin 1.3, as skimage's SimilarityTransform.estimate computes it (Umeyama),
cv2.warpAffine to 256 x 256), or (no --faces) centre-cropped to a square and
resized to 256 bilinearly; and written as PNG. Prints one line:
`videos V frames F cpu_s T`, T the process CPU time of the loop (imports and model load left out).
"""
import argparse
import os
import time

import cv2
import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("--frames", type=int, required=True)
parser.add_argument("--faces", action="store_true")
parser.add_argument("--out", required=True)
parser.add_argument("videos", nargs="+")
args = parser.parse_args()
cv2.setNumThreads(1)

if args.faces:
    import torch
    from facenet_pytorch import MTCNN

    torch.set_num_threads(1)
    mtcnn = MTCNN(keep_all=True, device="cpu")
    template = np.array(
        [[30.2946, 51.6963], [65.5318, 51.5014], [48.0252, 71.7366],
         [33.5493, 92.3655], [62.7299, 92.2041]],
        dtype=np.float32,
    )
    template[:, 0] += 8.0
    template *= 256 / 112
    margin = 256 * (1.3 - 1) / 2.0
    template += margin
    template *= 256 / (256 + 2 * margin)


def similarity(src, dst):
    """The 2 x 3 least-squares similarity transform taking src onto dst (Umeyama, 1991), what
    skimage's SimilarityTransform.estimate computes (the torch venv has skimage --no-deps)."""
    src_mean, dst_mean = src.mean(axis=0), dst.mean(axis=0)
    src_c, dst_c = src - src_mean, dst - dst_mean
    cov = dst_c.T @ src_c / len(src)
    sign = np.ones(2)
    if np.linalg.det(cov) < 0:
        sign[1] = -1
    u, s, vt = np.linalg.svd(cov)
    rotation = u @ np.diag(sign) @ vt
    scale = (s * sign).sum() / src_c.var(axis=0).sum()
    shift = dst_mean - scale * rotation @ src_mean
    return np.hstack([scale * rotation, shift[:, None]])


def crop(frame):
    """The frame as written: the largest face aligned, or the centre square resized."""
    if not args.faces:
        h, w = frame.shape[:2]
        side = min(h, w)
        top, left = (h - side) // 2, (w - side) // 2
        square = frame[top:top + side, left:left + side]
        return cv2.resize(square, (256, 256), interpolation=cv2.INTER_LINEAR)
    rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
    boxes, _, points = mtcnn.detect(rgb, landmarks=True)
    if boxes is None:
        return None
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    largest = int(np.argmax(areas))
    matrix = similarity(points[largest].astype(np.float64), template.astype(np.float64))
    return cv2.warpAffine(frame, matrix, (256, 256))


started = time.process_time()
written = 0
for number, path in enumerate(args.videos):
    capture = cv2.VideoCapture(path)
    count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    keep = set(np.linspace(0, count - 1, args.frames, dtype=int).tolist())
    folder = os.path.join(args.out, str(number))
    os.makedirs(folder, exist_ok=True)
    for index in range(count):
        ok, frame = capture.read()
        if not ok:
            break
        if index not in keep:
            continue
        cropped = crop(frame)
        if cropped is not None:
            cv2.imwrite(os.path.join(folder, f"{index:03d}.png"), cropped)
            written += 1
    capture.release()
print(f"videos {len(args.videos)} frames {written} cpu_s {time.process_time() - started:.4f}")
