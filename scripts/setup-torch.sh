#!/usr/bin/env bash
# Creates (or reuses) the Python venv that provides libtorch for the worker's `torch` feature,
# and prints the environment to build with on stdout, so a caller can do:
#
#   eval "$(scripts/setup-torch.sh)"
#   cargo build --release -p dfbench --features torch
#
# Why a venv: tch 0.26 needs libtorch 2.13.0 exactly, and the only place it can come from on
# our machines is the PyPI `torch==2.13.0` wheel (see shared/TCH.md). The same venv runs the
# Python side of the torch tests (tracing the reference models, PyTorch reference scores) and
# the PyTorch anchor of `dfbench bench detector` (hence torchvision, whose 0.28.0 pins 2.13.0).
#
# The venv lives outside the clone (default $HOME/.cache/dfbench/torch-venv, override with
# DFBENCH_TORCH_VENV) because the install is about 4.7 GB; a second call only checks it.
# Progress goes to stderr; stdout carries only `export` lines.
set -euo pipefail

torch_version=2.13.0
torchvision_version=0.28.0
onnx_version=1.23.2
efficientnet_version=0.7.1
transformers_version=5.23.0
open_clip_version=3.3.0
# cv2 for the preprocessing-parity reference (DeepfakeBench loads with cv2.imread / cv2.resize);
# 5.x wheels are built against numpy 2.
opencv_version=5.1.0.95
# Pillow (torchvision's dependency) pinned for the same test: its resize pass order changed in 13.0.
pillow_version=13.0.0
# MTCNN's released nets for `dfbench import --family mtcnn` and the reference detector of the
# face-detector test (cli/tests/faces.rs). Installed with --no-deps: its pins are for torch 2.2,
# numpy 1 and Pillow 10.2; it runs on the versions above. It imports `requests` at import time.
facenet_pytorch_version=2.6.0
requests_version=2.32.5
# Only for its data files (skimage/data/astronaut.png, the face photograph of the face-detector
# test), so --no-deps: the test reads the PNG, never imports skimage.
scikit_image_version=0.26.0
venv=${DFBENCH_TORCH_VENV:-${DFBENCH_CACHE:-$HOME/.cache/dfbench}/torch-venv}
marker="$venv/.dfbench-torch-$torch_version-torchvision-$torchvision_version"

if [ ! -f "$marker" ]; then
  if [ ! -x "$venv/bin/python" ]; then
    echo "setup-torch: creating venv at $venv" >&2
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv"
  fi
  echo "setup-torch: installing torch==$torch_version torchvision==$torchvision_version (about 4.7 GB, once)" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "torch==$torch_version" "torchvision==$torchvision_version" >&2
  # Checks the install really imports before marking it done.
  "$venv/bin/python" -c "import torch, torchvision; assert torch.__version__.startswith('$torch_version'), torch.__version__" >&2
  touch "$marker"
fi

# `dfbench import`'s exporter: `onnx` for --onnx (torch.onnx needs it), efficientnet-pytorch,
# which DeepfakeBench's EfficientNet-B4 detectors are built on, transformers (the CLIP vision
# models of DeepfakeBench's clip and effort detectors), open_clip (UnivFD's OpenAI-layout
# CLIP ViT-L/14) and opencv-python-headless (cv2: DeepfakeBench's test loader, re-run by
# cli/tests/fixtures/preprocess_reference.py for the preprocessing-parity test). Their
# requirements are met by the torch above (none reinstalls torch). Checked on every call so an
# existing venv gains them without reinstalling torch.
if ! "$venv/bin/python" -c "import onnx, efficientnet_pytorch, transformers, open_clip, cv2, PIL; assert PIL.__version__ == '$pillow_version'" 2>/dev/null; then
  echo "setup-torch: installing onnx, efficientnet-pytorch, transformers, open_clip and opencv for dfbench import" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "onnx==$onnx_version" "efficientnet-pytorch==$efficientnet_version" \
    "transformers==$transformers_version" "open-clip-torch==$open_clip_version" \
    "opencv-python-headless==$opencv_version" "pillow==$pillow_version" >&2
  "$venv/bin/python" -c "import torch; assert torch.__version__.startswith('$torch_version'), torch.__version__" >&2
fi

# facenet-pytorch and scikit-image beside the project's torch (see their versions above).
if ! "$venv/bin/python" - <<EOF 2>/dev/null
import importlib.metadata as m
assert m.version("facenet-pytorch") == "$facenet_pytorch_version"
assert m.version("scikit-image") == "$scikit_image_version"
import requests
EOF
then
  echo "setup-torch: installing facenet-pytorch $facenet_pytorch_version and scikit-image $scikit_image_version (--no-deps)" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "requests==$requests_version" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps \
    "facenet-pytorch==$facenet_pytorch_version" "scikit-image==$scikit_image_version" >&2
  "$venv/bin/python" -c "import torch, facenet_pytorch; assert torch.__version__.startswith('$torch_version'), torch.__version__" >&2
fi

# The library folder is found from the install, without importing torch (which takes seconds).
torch_dir=$(echo "$venv"/lib/python3*/site-packages/torch)
if [ ! -f "$torch_dir/lib/libtorch_cpu.so" ]; then
  echo "setup-torch: $torch_dir/lib/libtorch_cpu.so is missing; delete $venv and run this script again" >&2
  exit 1
fi

# LIBTORCH (rather than LIBTORCH_USE_PYTORCH=1) keeps torch-sys's build independent of which
# `python` is first on PATH, so the torch build is not redone when PATH changes. The binaries
# get an rpath to "$torch_dir/lib" from worker/build.rs and cli/build.rs, so LD_LIBRARY_PATH is
# needed only to run them against another libtorch.
cat <<EOF
export LIBTORCH="$torch_dir"
export DFBENCH_TORCH_PYTHON="$venv/bin/python"
export DFBENCH_TORCH_VENV="$venv"
EOF
