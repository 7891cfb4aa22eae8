#!/usr/bin/env bash
# Creates (or reuses) the Python venv that provides ONNX Runtime for the worker's `onnx` feature,
# and prints the environment to build and run with on stdout, so a caller can do:
#
#   eval "$(scripts/setup-onnx.sh)"
#   cargo build --release -p dfbench --features onnx
#
# Why a venv: the `ort` crate (2.0.0-rc.15, `load-dynamic`) opens libonnxruntime at run time and
# never downloads one at build time; the library comes from the PyPI `onnxruntime==1.31.*` wheel
# (CPU; set DFBENCH_ONNX_PACKAGE=onnxruntime-gpu on CUDA hosts). The same venv builds the test
# models (`onnx`, `numpy`) and computes ONNX Runtime's own reference scores and the Python anchor
# of `dfbench bench detector` (which decodes with Pillow).
#
# The venv lives outside the clone (default $HOME/.cache/dfbench/onnx-venv, override with
# DFBENCH_ONNX_VENV); a second call only checks it. Progress goes to stderr; stdout carries only
# `export` lines.
set -euo pipefail

ort_series=1.31
package=${DFBENCH_ONNX_PACKAGE:-onnxruntime}
venv=${DFBENCH_ONNX_VENV:-${DFBENCH_CACHE:-$HOME/.cache/dfbench}/onnx-venv}
# The marker names what is installed; a new requirement gets a new marker (installed once more).
marker="$venv/.dfbench-$package-$ort_series-pillow"

if [ ! -f "$marker" ]; then
  if [ ! -x "$venv/bin/python" ]; then
    echo "setup-onnx: creating venv at $venv" >&2
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv"
  fi
  echo "setup-onnx: installing $package==$ort_series.* onnx numpy<3 pillow (once)" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "$package==$ort_series.*" onnx 'numpy<3' 'pillow>=10' >&2
  # Checks the install really imports, and is the series the ort crate was built for.
  "$venv/bin/python" -c "import onnx, PIL, onnxruntime as o; assert o.__version__.startswith('$ort_series.'), o.__version__" >&2
  touch "$marker"
fi

# The library is found from the install, without importing onnxruntime.
capi=$(echo "$venv"/lib/python3*/site-packages/onnxruntime/capi)
dylib=$(ls "$capi"/libonnxruntime.so.1.* 2>/dev/null | head -n 1 || true)
if [ -z "$dylib" ] || [ ! -f "$dylib" ]; then
  echo "setup-onnx: no libonnxruntime.so.1.* in $capi; delete $venv and run this script again" >&2
  exit 1
fi

cat <<EOT
export ORT_DYLIB_PATH="$dylib"
export DFBENCH_ONNX_PYTHON="$venv/bin/python"
export DFBENCH_ONNX_VENV="$venv"
EOT
