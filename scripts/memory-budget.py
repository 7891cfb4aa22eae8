#!/usr/bin/env python3
"""Peak RSS of a real `dfbench run` with one worker on hostile and huge images (issue 20).

Two datasets, each run on its own (`dfbench run --workers 1`, local mode: the coordinator and the
worker run in the one `dfbench` process, so its peak RSS is the worker's plus the coordinator's):

  bomb    4 PNGs of a few hundred bytes whose header declares 20000x20000 pixels (1.2 GB of RGB
          each if decoded), beside 8 ordinary 256x256 PNGs: the bombs must record
          `image_too_large`, the others score.
  budget  40 PNGs of 7000x7000 (49 MP each, under the 64 MP limit; 5.9 GB of RGB together),
          flat colour with a little noise so they encode fast: every one must score.

The peak RSS is the child's `ru_maxrss` (getrusage of waited-for children, exact), checked
against --limit-mib (default 1536, the issue's 1.5 GiB). Exits non-zero when a run goes over or
an outcome is wrong. Needs only Python's standard library and a dfbench binary (--dfbench; the
debug build works, slowly: decoding 40 such PNGs takes minutes there). CI need not run it.

  scripts/memory-budget.py --dfbench target/debug/dfbench [--work DIR] [--only bomb|budget]
"""

import argparse
import csv
import os
import random
import re
import shutil
import resource
import struct
import subprocess
import sys
import tempfile
import time
import zlib


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png(width, height, rows):
    """A PNG (8-bit RGB) from an iterator of raw rows (width*3 bytes each), deflated fast."""
    compressor = zlib.compressobj(1)
    parts = []
    for row in rows:
        parts.append(compressor.compress(b"\x00" + row))
    parts.append(compressor.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", b"".join(parts))
        + chunk(b"IEND", b"")
    )


def header_bomb(width, height):
    """As benchmarks' test_files::header_bomb_png: the header declares width x height, the data
    holds one short row (a stored deflate block)."""
    row = bytes(64)
    idat = b"\x78\x01\x00" + struct.pack("<HH", len(row), 0xFFFF ^ len(row)) + row
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def noisy_rows(width, height, seed):
    """Flat colour (by seed) with a few random pixels per row."""
    rng = random.Random(seed)
    base = bytes([(seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256]) * width
    for _ in range(height):
        row = bytearray(base)
        for _ in range(8):
            at = rng.randrange(width) * 3
            row[at : at + 3] = bytes(rng.randrange(256) for _ in range(3))
        yield bytes(row)


SUITE = """name = "{name}"
shard_size = 64
[[datasets]]
name = "{name}"
format = "cnnspot"
root = "data"
[[detectors]]
name = "spectral"
kind = "builtin"
[[detectors]]
name = "npr"
kind = "builtin"
"""


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".part", "wb") as out:
        out.write(data)
    os.replace(path + ".part", path)


def make_bomb(folder):
    for index in range(4):
        label = "0_real" if index % 2 == 0 else "1_fake"
        write(os.path.join(folder, "data", label, f"bomb{index}.png"), header_bomb(20000, 20000))
    for index in range(8):
        label = "0_real" if index % 2 == 0 else "1_fake"
        write(
            os.path.join(folder, "data", label, f"ok{index}.png"),
            png(256, 256, noisy_rows(256, 256, index + 1)),
        )
    return {f"bomb{index}.png": "image_too_large" for index in range(4)}, 12


def make_budget(folder):
    for index in range(40):
        label = "0_real" if index % 2 == 0 else "1_fake"
        path = os.path.join(folder, "data", label, f"big{index:02}.png")
        if os.path.exists(path):
            continue  # written by an earlier run of this script in the same --work folder
        write(path, png(7000, 7000, noisy_rows(7000, 7000, index + 1)))
    return {}, 40


def measure(dfbench, folder):
    """Runs the suite in `folder` in a child; returns (peak RSS in KiB, wall seconds, stderr)."""
    started = time.monotonic()
    child = subprocess.run(
        [dfbench, "run", "suite.toml", "--workers", "1", "--database-url", "sqlite:m.db",
         "--out", "reports"],
        cwd=folder, capture_output=True, text=True,
    )
    wall = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if child.returncode != 0:
        sys.exit(f"dfbench run failed in {folder}:\n{child.stderr}")
    return peak, wall, child.stderr


def outcomes(dfbench, folder, stderr):
    match = re.search(r"run (r[0-9a-z-]+):", stderr)
    if not match:
        sys.exit(f"no run id in:\n{stderr}")
    subprocess.run(
        [dfbench, "export", "--run", match.group(1), "--out", "p.csv", "--database-url",
         "sqlite:m.db"],
        cwd=folder, check=True, capture_output=True,
    )
    with open(os.path.join(folder, "p.csv"), newline="") as rows:
        return list(csv.DictReader(rows))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    parser.add_argument("--dfbench", default=os.path.join(target, "debug", "dfbench"))
    parser.add_argument("--work", default=None, help="folder for the datasets (default: a temp dir)")
    parser.add_argument("--only", choices=["bomb", "budget"], default=None)
    parser.add_argument("--limit-mib", type=int, default=1536)
    args = parser.parse_args()
    dfbench = os.path.abspath(args.dfbench)
    work = args.work or tempfile.mkdtemp(prefix="dfbench-memory-")
    failed = False
    for name, make in [("bomb", make_bomb), ("budget", make_budget)]:
        if args.only and args.only != name:
            continue
        folder = os.path.join(work, name)
        os.makedirs(folder, exist_ok=True)
        started = time.monotonic()
        for stale in ["m.db", "m.db-wal", "m.db-shm", "p.csv"]:
            if os.path.exists(os.path.join(folder, stale)):
                os.remove(os.path.join(folder, stale))
        if os.path.isdir(os.path.join(folder, "reports")):
            shutil.rmtree(os.path.join(folder, "reports"))
        expected_failures, samples = make(folder)
        with open(os.path.join(folder, "suite.toml"), "w") as suite:
            suite.write(SUITE.format(name=name))
        generated = time.monotonic() - started
        # Each dataset is measured in a fresh Python child so RUSAGE_CHILDREN is its run alone.
        if os.fork() == 0:
            peak, wall, stderr = measure(dfbench, folder)
            rows = outcomes(dfbench, folder, stderr)
            problems = []
            if len(rows) != samples * 2:
                problems.append(f"{len(rows)} predictions, expected {samples * 2}")
            for row in rows:
                file = row["sample_path"].rsplit("/", 1)[-1]
                want = expected_failures.get(file, "")
                if row["failure"] != want:
                    problems.append(f"{file} ({row['detector']}): failure `{row['failure']}`, expected `{want or 'a score'}`")
            over = peak > args.limit_mib * 1024
            print(
                f"{name}: {samples} images ({generated:.0f}s to write), run {wall:.1f}s, "
                f"peak RSS {peak} KiB = {peak / 1024:.0f} MiB (limit {args.limit_mib} MiB): "
                f"{'OVER' if over else 'under'}; "
                f"{sum(1 for r in rows if r['failure'] == 'image_too_large')} image_too_large, "
                f"{sum(1 for r in rows if r['score'])} scores",
                flush=True,
            )
            for problem in problems[:10]:
                print(f"  {problem}", flush=True)
            os._exit(1 if over or problems else 0)
        _, status = os.wait()
        failed |= status != 0
    print(f"datasets under {work}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
