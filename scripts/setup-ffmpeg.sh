#!/usr/bin/env bash
# FFmpeg for `dfbench prepare` and for the prepare tests (they generate their videos with it):
# Debian's packages, installed when missing. Prints nothing on stdout; the prepare tests then
# fail instead of skipping (DFBENCH_REQUIRE_FFMPEG=1, set by scripts/test.sh).
#   scripts/setup-ffmpeg.sh         # the `ffmpeg` / `ffprobe` CLI (`--video-decoder ffmpeg-cli`)
#   scripts/setup-ffmpeg.sh --dev   # also what the `libav` feature builds against: FFmpeg's
#                                   # -dev packages, pkg-config, and libclang for bindgen
set -euo pipefail
packages=()
if ! command -v ffmpeg >/dev/null 2>&1 || ! command -v ffprobe >/dev/null 2>&1; then
  packages+=(ffmpeg)
fi
if [ "${1:-}" = "--dev" ]; then
  if ! pkg-config --exists libavcodec libavformat libavutil libswscale 2>/dev/null; then
    packages+=(pkg-config libavcodec-dev libavformat-dev libavutil-dev libswscale-dev)
  fi
  if ! dpkg-query -W -f='${Status}' libclang-dev 2>/dev/null | grep -q 'ok installed'; then
    packages+=(libclang-dev)
  fi
fi
if [ "${#packages[@]}" -gt 0 ]; then
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${packages[@]}" >&2
fi
