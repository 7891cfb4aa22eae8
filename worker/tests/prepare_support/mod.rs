//! Test videos for `dfbench prepare`: generated with FFmpeg from scikit-image's `astronaut`
//! photograph (shipped inside the scikit-image package, no download), zoomed and panned over
//! the frames so every frame differs.
//!
//! Needs `ffmpeg` (scripts/setup-ffmpeg.sh) and `$DFBENCH_PYTHON` (else `python3`) with
//! scikit-image (scripts/test.sh). Without them a test prints "SKIPPED" and passes, unless
//! `DFBENCH_REQUIRE_FFMPEG=1`, which scripts/test.sh sets.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn python() -> String {
    std::env::var("DFBENCH_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

/// The astronaut PNG inside the installed scikit-image package, or `None` (after printing
/// SKIPPED) when FFmpeg or scikit-image is missing and not required.
pub fn astronaut() -> Option<PathBuf> {
    let ffmpeg = Command::new("ffmpeg").arg("-version").output();
    let found = Command::new(python())
        .args([
            "-c",
            "import os, skimage.data; print(os.path.join(os.path.dirname(skimage.data.__file__), 'astronaut.png'))",
        ])
        .output();
    let path = match (&ffmpeg, &found) {
        (Ok(ffmpeg), Ok(found)) if ffmpeg.status.success() && found.status.success() => {
            PathBuf::from(String::from_utf8_lossy(&found.stdout).trim())
        }
        _ => {
            let why = format!("ffmpeg: {ffmpeg:?}; scikit-image: {found:?}");
            if std::env::var("DFBENCH_REQUIRE_FFMPEG").is_ok_and(|v| v == "1") {
                panic!("DFBENCH_REQUIRE_FFMPEG=1 but FFmpeg or scikit-image is missing: {why}");
            }
            eprintln!("SKIPPED: FFmpeg or scikit-image missing ({why})");
            return None;
        }
    };
    assert!(path.is_file(), "{} is not a file", path.display());
    Some(path)
}

/// Writes `out` (its extension picks the container; x264 for .mp4, FFV1 for .mkv): `frames`
/// frames of `size`×`size` pixels from `photo`, zooming in from 1× by 1.5 % a frame while
/// panning right.
pub fn video(photo: &Path, out: &Path, frames: usize, size: u32) {
    video_with(photo, out, frames, size, &[]);
}

/// As [`video`], with `extra` output options (e.g. colour tags) after the codec's.
pub fn video_with(photo: &Path, out: &Path, frames: usize, size: u32, extra: &[&str]) {
    let zoom = format!(
        "zoompan=z='1+0.015*on':x='iw/2-iw/zoom/2+on*2':y='ih/2-ih/zoom/2':d={frames}:s={size}x{size}:fps=25"
    );
    let codec: &[&str] = if out.extension().is_some_and(|e| e == "mkv") {
        &["-c:v", "ffv1"]
    } else {
        &["-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "18"]
    };
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(photo)
        .args(["-vf", &zoom, "-frames:v", &frames.to_string()])
        .args(codec)
        .args(extra)
        .arg(out)
        .status()
        .unwrap();
    assert!(status.success(), "ffmpeg could not write {}", out.display());
}

/// Every frame of `video` decoded by FFmpeg's own image writer (the reference for which picture
/// an original index is): `dir/<n+1>.png` for frame n.
pub fn all_frames(video: &Path, dir: &Path) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-noautorotate", "-i"])
        .arg(video)
        .args(["-fps_mode", "passthrough", "-pix_fmt", "rgb24"])
        .arg(dir.join("%d.png"))
        .status()
        .unwrap();
    assert!(status.success());
    let mut files: Vec<PathBuf> = (1..)
        .map(|n| dir.join(format!("{n}.png")))
        .take_while(|path| path.is_file())
        .collect();
    files.shrink_to_fit();
    files
}
