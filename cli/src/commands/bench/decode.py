"""Python anchor of `dfbench bench decode`: the loaders' own path from file bytes to a normalised
tensor, timed on the same files as dfbench. Prints one line per case and thread count on stdout:
`CASE THREADS R1 R2 ...`, images per second of each timed round (after one warm-up round).

    python decode_anchor.py --threads T --rounds R --case NAME:PIPELINE:SIZE:SHORTER:LISTING ...

PIPELINE `torchvision` is the CNNSpot/UnivFD loaders' path: PIL `Image.open(...).convert("RGB")`,
`Resize(SHORTER)` + `CenterCrop(SIZE)` (bilinear), `ToTensor`, `Normalize` (ImageNet).
PIPELINE `dfb` is DeepfakeBench's: `cv2.imdecode`, `cv2.cvtColor(BGR2RGB)`, `cv2.resize` to
SIZE x SIZE (cubic), `ToTensor`, `Normalize(0.5, 0.5)`.

One thread: one process, torch and OpenCV at one thread. T threads: a multiprocessing pool of T
single-threaded processes, each preparing an equal share of the files (the DataLoader's model;
each process reads its files once, in the warm-up round, so every timed round starts from bytes in
memory, as dfbench's does).
"""

import argparse
import io
import time
from multiprocessing import Pool

import cv2
import numpy as np
import torch
from PIL import Image
from torchvision import transforms as T

IMAGENET = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])


def pipeline(name, size, shorter):
    if name == "torchvision":
        transform = T.Compose(
            [
                T.Resize(shorter, interpolation=T.InterpolationMode.BILINEAR),
                T.CenterCrop(size),
                T.ToTensor(),
                T.Normalize(*IMAGENET),
            ]
        )
        return lambda data: transform(Image.open(io.BytesIO(data)).convert("RGB"))
    to_tensor = T.Compose([T.ToTensor(), T.Normalize([0.5] * 3, [0.5] * 3)])

    def dfb(data):
        bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        return to_tensor(cv2.resize(rgb, (size, size), interpolation=cv2.INTER_CUBIC))

    return dfb


def single_threaded():
    torch.set_num_threads(1)
    cv2.setNumThreads(1)


CACHE = {}


def read_blobs(listing):
    if listing not in CACHE:
        with open(listing) as lines:
            CACHE[listing] = [open(p.strip(), "rb").read() for p in lines if p.strip()]
    return CACHE[listing]


def run_share(job):
    """Prepares share `index` of `threads` of the listing's files (read once per process)."""
    kind, size, shorter, listing, index, threads = job
    prepare = pipeline(kind, size, shorter)
    blobs = read_blobs(listing)[index::threads]
    for data in blobs:
        prepare(data)
    return len(blobs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--rounds", type=int, required=True)
    parser.add_argument("--case", action="append", required=True)
    args = parser.parse_args()
    single_threaded()
    with Pool(args.threads, initializer=single_threaded) as pool:
        for case in args.case:
            name, kind, size, shorter, listing = case.split(":", 4)
            size, shorter = int(size), int(shorter)
            count = len(read_blobs(listing))
            shares = [(kind, size, shorter, listing, i, args.threads) for i in range(args.threads)]
            for threads in sorted({1, args.threads}):
                rates = []
                for round_index in range(args.rounds + 1):
                    started = time.perf_counter()
                    if threads == 1:
                        run_share((kind, size, shorter, listing, 0, 1))
                    else:
                        pool.map(run_share, shares, chunksize=1)
                    elapsed = time.perf_counter() - started
                    if round_index > 0:
                        rates.append(count / elapsed)
                print(name, threads, " ".join(f"{rate:.3f}" for rate in rates), flush=True)


if __name__ == "__main__":
    main()
