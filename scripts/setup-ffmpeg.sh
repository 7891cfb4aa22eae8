#!/usr/bin/env bash
# FFmpeg for `dfbench prepare` (it decodes videos through the `ffmpeg` CLI as a child process)
# and for the prepare tests (they generate their videos with it): Debian's package, installed
# when missing. Prints nothing on stdout; the prepare tests then fail instead of skipping
# (DFBENCH_REQUIRE_FFMPEG=1, set by scripts/test.sh).
set -euo pipefail
if ! command -v ffmpeg >/dev/null 2>&1 || ! command -v ffprobe >/dev/null 2>&1; then
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends ffmpeg >&2
fi
