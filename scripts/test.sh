#!/usr/bin/env bash
# Runs every check and test: formatting, clippy, and the whole workspace's tests against a
# throwaway PostgreSQL cluster (deleted afterwards, even on failure) and a Python venv with
# scikit-learn for the metric reference checks.
set -euo pipefail
cd "$(dirname "$0")/.."

cache=${DFBENCH_CACHE:-$HOME/.cache/dfbench}
mkdir -p "$cache"

# Python reference tools (scikit-learn, Pillow, OpenCV for the resize parity test; scikit-image
# for the aligned-crop reference and its `astronaut` photograph, which the prepare tests turn
# into videos), cached outside the clone.
venv="$cache/venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import sklearn, PIL, cv2, skimage' 2>/dev/null; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'scikit-learn==1.9.*' 'numpy<3' 'pillow>=10' opencv-python-headless 'scikit-image==0.26.*'
fi
export DFBENCH_PYTHON="$venv/bin/python"
export DFBENCH_REQUIRE_PYTHON_REFS=1

# Headless Chromium for the report page test (reports/tests/report_html_chromium.rs): Debian's
# package, installed when missing; the test then fails instead of skipping without it.
if ! command -v chromium >/dev/null 2>&1; then
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium
fi
export DFBENCH_REQUIRE_CHROMIUM=1

# FFmpeg for `dfbench prepare` and its tests (worker/tests/prepare_video.rs, cli/tests/prepare.rs):
# Debian's package, installed when missing; without it those tests fail instead of skipping.
scripts/setup-ffmpeg.sh
export DFBENCH_REQUIRE_FFMPEG=1

# The torch venv (scripts/setup-torch.sh, cached outside the clone): libtorch for the model
# builds below, and the python that `dfbench import` runs its exporter with. The default build's
# import tests (cli/tests/import.rs) need it; DFBENCH_REQUIRE_TORCH=1 turns their skip into a
# failure. LIBTORCH does not touch the default build (only the `torch` feature reads it).
eval "$(scripts/setup-torch.sh)"
export DFBENCH_REQUIRE_TORCH=1

# Throwaway PostgreSQL cluster.
pg_dir=$(mktemp -d /tmp/dfbench-pg.XXXXXX)
cleanup() { scripts/pg-throwaway.sh stop "$pg_dir"; }
trap cleanup EXIT
eval "$(scripts/pg-throwaway.sh start "$pg_dir")"
export DFBENCH_REQUIRE_POSTGRES=1
echo "PostgreSQL test cluster at $DATABASE_URL"

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace

# The cluster path: deploy/k8s validated offline against the API schemas plus what schemas cannot
# check (probes, requests, grace period, env names), then deploy/slurm's recipes on a throwaway
# single-node Slurm cluster (slurm-wlm and munge installed by slurm-throwaway.sh when missing):
# a coordinator job, a two-task worker array on CPU, one task scancelled mid-shard.
scripts/k8s-check.sh
DFBENCH_BIN="${CARGO_TARGET_DIR:-target}/debug/dfbench" scripts/slurm-test.sh

# --- Optional features: `torch`, `onnx` and `libav` (worker + dfbench binary) -------------------
# CI builds both ways: the default build above, and ONE extra build with every optional feature in
# its own target dir (switching features never invalidates the default build; no third build).
# libtorch 2.13.0 comes from the PyPI torch wheel in a venv cached outside the clone
# (scripts/setup-torch.sh, about 4.7 GB once); ONNX Runtime 1.31 from the onnxruntime wheel
# (scripts/setup-onnx.sh), opened at run time through ORT_DYLIB_PATH. The tests build reference
# models with each venv's python and compare dfbench's scores with PyTorch's and
# onnxruntime-Python's; DFBENCH_REQUIRE_ONNX=1 turns a skipped onnx test into a failure.
eval "$(scripts/setup-onnx.sh)"
export DFBENCH_REQUIRE_ONNX=1
# The third optional feature, `libav` (prepare's in-process video decoder), builds against
# FFmpeg's -dev packages and libclang (bindgen); its tests compare it with the CLI decoder.
scripts/setup-ffmpeg.sh --dev
models_target="${CARGO_TARGET_DIR:-target}-torch"
CARGO_TARGET_DIR="$models_target" cargo clippy -p dfbench-worker -p dfbench -p dfbench-gpu-bench --features torch,onnx,libav --all-targets -- -D warnings
# The feature-independent tests already ran above; here the worker's own tests (reference
# scores, typed model failures for both runtimes), the local runs with model cards, and
# import_parity: every imported image family scores as PyTorch (its TorchScript card) and as
# onnxruntime-Python (its ONNX card) to 1e-5; faces: the imported MTCNN face-detector card
# (TorchScript and ONNX) finds the faces facenet-pytorch's MTCNN finds, within 4 px; prepare_video:
# the libav decoder gives FFmpeg's own decode byte for byte, as the CLI decoder does.
CARGO_TARGET_DIR="$models_target" cargo test -p dfbench-worker --features torch,onnx,libav
# With them, gpu_check: scripts/gpu-check.sh's run step as a smoke check on CPU, with the
# dfbench-gpu-bench binary of this build (same features, so nothing else is rebuilt) and the
# torch venv's python and libtorch; prepare: `dfbench prepare` end to end with the libav decoder
# (a SIGKILLed worker's shard redone with identical bytes).
CARGO_TARGET_DIR="$models_target" cargo test -p dfbench -p dfbench-gpu-bench --features torch,onnx,libav --test torch_run --test onnx_run --test bench_detector --test import_parity --test faces --test gpu_check --test prepare
# `dfbench cards check` scoring a synthetic batch of an imported card through the torch runtime
# (the other import tests ran in the default build above).
CARGO_TARGET_DIR="$models_target" cargo test -p dfbench --features torch,onnx,libav --test import module_prefix_is_accepted
