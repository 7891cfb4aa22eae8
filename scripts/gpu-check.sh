#!/usr/bin/env bash
# The GPU figure of `dfbench bench detector` on a borrowed CUDA machine, in two steps:
#
#   scripts/gpu-check.sh build        # here: the binary, into target/gpu-check/
#   scripts/gpu-check.sh run [BIN]    # there: the reference card at batch 32 and 128
#
# That machine has no network and no Rust toolchain; its Python has torch 2.11.0+cu130, and at
# most 64 MiB travel with a command. So `build` makes dfbench-gpu-bench (package gpu-bench/,
# source cli/src/gpu_bench.rs: the `bench detector` path alone) against the PyPI torch==2.11.0
# wheel (the same cu130 build; only its include/ and lib/ are kept, cached outside the clone)
# with tch 0.24, the tch release for libtorch 2.11: tch 0.26 does not compile against 2.11's
# headers (31 errors, ops it binds that 2.11 lacks, e.g. torch::_philox_normal), and
# LIBTORCH_BYPASS_VERSION_CHECK cannot help with that. The tree is copied outside the clone
# with the worker's tch requirement changed to 0.24, so our own builds keep 0.26. Release,
# stripped, no rpath (libtorch is linked, not embedded; `run` points LD_LIBRARY_PATH at that
# machine's own torch/lib), at most 64 MiB.
#
# `run` needs only the binary, this script and worker/tests/fixtures/make_models.py (tracked,
# it travels with the tree): the card and its model are made with that machine's torch, and
# the binary generates the images. It prints, per batch size, forward-only and end-to-end
# images/s and their ratio (target >= 0.95 on CUDA). Every run is under `timeout`, so the
# whole step stays well under 8 minutes.
#
# Environment of `run` (gpu-bench/tests/gpu_check.rs, CI's smoke run on CPU, sets them all):
#   DFBENCH_GPU_CHECK_DEVICE  cuda:0        DFBENCH_GPU_CHECK_COUNT   4096 images
#   DFBENCH_GPU_CHECK_ROUNDS  3             DFBENCH_GPU_CHECK_PYTHON  python3 (with torch)
#   DFBENCH_GPU_CHECK_THREADS nproc         DFBENCH_GPU_CHECK_TIMEOUT 180 s per batch size
set -euo pipefail
cd "$(dirname "$0")/.."

torch_version=2.11.0
tch_version=0.24.0
max_bytes=$((64 * 1024 * 1024))
out_dir=target/gpu-check
bin_name=dfbench-gpu-bench

build() {
  local cache=${DFBENCH_CACHE:-$HOME/.cache/dfbench}
  local torch_root="$cache/torch-$torch_version"
  local torch="$torch_root/torch"
  if [ ! -f "$torch/lib/libtorch_cpu.so" ] || [ ! -f "$torch/include/torch/script.h" ]; then
    # The wheel is about 530 MB; its include/ and lib/ about 1 GB unpacked.
    local free_kb
    free_kb=$(df -Pk "$cache" 2>/dev/null | awk 'NR == 2 { print $4 }' || echo 0)
    if [ "${free_kb:-0}" -lt $((3 * 1024 * 1024)) ]; then
      echo "gpu-check: less than 3 GB free under $cache; free some space first" >&2
      exit 1
    fi
    local pip_python=${DFBENCH_PYTHON:-$cache/venv/bin/python}
    [ -x "$pip_python" ] || pip_python=python3
    rm -rf "$torch_root" && mkdir -p "$torch_root"
    echo "gpu-check: downloading torch==$torch_version (PyPI's Linux wheel, the cu130 build)" >&2
    "$pip_python" -m pip download --quiet --disable-pip-version-check --no-deps \
      -d "$torch_root" "torch==$torch_version" >&2
    local wheel
    wheel=$(echo "$torch_root"/torch-"$torch_version"-*.whl)
    unzip -q "$wheel" 'torch/include/*' 'torch/lib/*' torch/version.py -d "$torch_root"
    rm -f "$wheel"
  fi

  # The tree as checked out (tracked and untracked, not ignored), with mtimes kept so a second
  # build only redoes what changed; the worker asks for tch 0.24 there.
  local src="$cache/gpu-check/src"
  mkdir -p "$src"
  git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$src"
  sed -i -e "s/^tch = { version = \"[^\"]*\"/tch = { version = \"=$tch_version\"/" \
    -e "s/^torch-sys = { version = \"[^\"]*\"/torch-sys = { version = \"=$tch_version\"/" \
    "$src/worker/Cargo.toml"
  touch -r worker/Cargo.toml "$src/worker/Cargo.toml"
  grep -q "^tch = { version = \"=$tch_version\"" "$src/worker/Cargo.toml" || {
    echo "gpu-check: worker/Cargo.toml has no \`tch = { version = ...\` line to pin" >&2
    exit 1
  }

  local target=${DFBENCH_GPU_CHECK_TARGET:-$cache/target-gpu-check}
  echo "gpu-check: building $bin_name against libtorch $torch_version in $target" >&2
  (cd "$src" && LIBTORCH="$torch" DFBENCH_TORCH_NO_RPATH=1 CARGO_TARGET_DIR="$target" \
    cargo build --release --config profile.release.strip=true \
      -p dfbench-gpu-bench --bin "$bin_name" --features torch)
  mkdir -p "$out_dir"
  cp "$target/release/$bin_name" "$out_dir/$bin_name"
  local binary="$out_dir/$bin_name" bytes
  if readelf -d "$binary" | grep -Eq 'RPATH|RUNPATH'; then
    echo "gpu-check: $binary has an rpath; it must find libtorch through LD_LIBRARY_PATH" >&2
    exit 1
  fi
  bytes=$(stat -c %s "$binary")
  echo "gpu-check: $binary is $bytes bytes ($((bytes / 1024 / 1024)) MiB; limit 64 MiB)"
  echo "gpu-check: it needs $(readelf -d "$binary" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')"
  if [ "$bytes" -gt "$max_bytes" ]; then
    echo "gpu-check: $binary is over 64 MiB and cannot travel" >&2
    exit 1
  fi
}

run() {
  local binary=${1:-$out_dir/$bin_name}
  [ -x "$binary" ] || { echo "gpu-check: no binary at $binary; run \`$0 build\` first" >&2; exit 1; }
  binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
  local python=${DFBENCH_GPU_CHECK_PYTHON:-python3}
  local device=${DFBENCH_GPU_CHECK_DEVICE:-cuda:0}
  local count=${DFBENCH_GPU_CHECK_COUNT:-4096}
  local rounds=${DFBENCH_GPU_CHECK_ROUNDS:-3}
  local threads=${DFBENCH_GPU_CHECK_THREADS:-$(nproc)}
  local limit=${DFBENCH_GPU_CHECK_TIMEOUT:-180}
  local torch_dir
  torch_dir=$("$python" -c 'import torch, os; print(os.path.dirname(torch.__file__))')
  # Global: the EXIT trap runs after this function has returned.
  gpu_check_work=$(mktemp -d "${TMPDIR:-/tmp}/dfbench-gpu-check.XXXXXX")
  trap 'rm -rf "$gpu_check_work"' EXIT
  local work=$gpu_check_work
  # The reference models and their cards (small_cnn: 64x64 input, 1 logit), traced by this
  # machine's torch so its libtorch reads them.
  timeout 120 "$python" worker/tests/fixtures/make_models.py models "$work/models"
  echo "gpu-check: $binary on $device, torch $("$python" -c 'import torch; print(torch.__version__)') from $torch_dir"
  for batch in 32 128; do
    echo "gpu-check: batch $batch"
    LD_LIBRARY_PATH="$torch_dir/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
      timeout "$limit" "$binary" "$work/models/small_cnn.toml" --device "$device" \
      --batch-size "$batch" --count "$count" --rounds "$rounds" --threads "$threads" --python none
  done
}

case "${1:-}" in
  build) build ;;
  run) shift; run "$@" ;;
  *) echo "usage: $0 build | run [BINARY]" >&2; exit 2 ;;
esac
