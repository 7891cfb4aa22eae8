//! Video frames for `dfbench prepare`: which frames of a video are sampled (DeepfakeBench's
//! `fixed_num_frames` and `fixed_stride` modes, REFERENCE §1.2) and decoding exactly those, by
//! one of two [`VideoDecoder`]s that give the same bytes:
//! - `libav`: FFmpeg's libraries in this process ([`super::libav`], builds with the `libav`
//!   feature, where it is the default);
//! - `ffmpeg-cli`: FFmpeg's CLI as a child process, one `ffmpeg` pass whose `select` filter
//!   keeps only the sampled frames, streamed as PPM images (each says its own size).
//!
//! - Frame count: the container's `nb_frames`, what OpenCV's `CAP_PROP_FRAME_COUNT` (and so
//!   DeepfakeBench) reads. An MP4 / MOV's is read from its sample tables (`mp4`); any other
//!   container's from `ffprobe`, and one without any is counted by decoding (`-count_frames`).
//! - Frames are the stored pictures: display rotation metadata is not applied (`-noautorotate`).
//! - A video that cannot be probed or decoded, or that yields fewer frames than its container
//!   declares, is [`FailureKind::DecodeError`]; one with fewer frames than asked is
//!   [`FailureKind::VideoTooShort`]. Never a skip.
//!
//! Must not touch: faces, crops or output files (see the sibling modules).

use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::adapter::frames::linspace_indices;
use image::RgbImage;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Which frames of a video are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sampling {
    /// N frames evenly spaced over [0, n−1], `np.linspace(0, n−1, N, dtype=int)` (DFB: 32).
    Evenly(usize),
    /// Every k-th frame from the first (DFB `fixed_stride`).
    Every(usize),
}

impl Sampling {
    /// The original indices of the kept frames of a video of `count` frames, ascending; a video
    /// with fewer frames than asked is an error (DeepfakeBench's linspace would repeat frames).
    pub fn indices(&self, count: usize) -> Result<Vec<usize>, usize> {
        match *self {
            Sampling::Evenly(wanted) if count < wanted.max(1) => Err(wanted.max(1)),
            Sampling::Evenly(wanted) => Ok(linspace_indices(count, wanted.max(1))),
            Sampling::Every(_) if count == 0 => Err(1),
            Sampling::Every(step) => Ok((0..count).step_by(step.max(1)).collect()),
        }
    }
}

/// Why a video's frames could not be read.
#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    /// FFmpeg itself could not be started: a setup problem of the worker, not of the video.
    #[error("cannot run `{program}`: {source}; install FFmpeg (scripts/setup-ffmpeg.sh)")]
    NoFfmpeg {
        program: String,
        source: std::io::Error,
    },
    /// The file is missing or unreadable.
    #[error("video {path}: cannot be read: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    /// FFmpeg cannot decode it (or it has no video stream, or fewer frames than it declares).
    #[error("video {path}: cannot be decoded: {detail}")]
    Undecodable { path: PathBuf, detail: String },
    /// Fewer frames than the sampling asks for.
    #[error("video {path}: has {frames} frames, fewer than the {wanted} asked for")]
    TooShort {
        path: PathBuf,
        frames: usize,
        wanted: usize,
    },
}

impl VideoError {
    /// The typed failure this is for the video; `None` for a worker without FFmpeg.
    pub fn kind(&self) -> Option<FailureKind> {
        match self {
            VideoError::NoFfmpeg { .. } => None,
            VideoError::Unreadable { .. } => Some(FailureKind::FileUnreadable),
            VideoError::Undecodable { .. } => Some(FailureKind::DecodeError),
            VideoError::TooShort { .. } => Some(FailureKind::VideoTooShort),
        }
    }
}

/// What sampling needs to know of a video's first video stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoInfo {
    /// The container's frame count (`nb_frames`).
    pub frames: usize,
}

fn run(program: &str, args: &[&str], path: &Path) -> Result<(bool, Vec<u8>, String), VideoError> {
    let output = Command::new(program)
        .args(args)
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| VideoError::NoFfmpeg {
            program: program.to_string(),
            source,
        })?;
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
    Ok((output.status.success(), output.stdout, stderr))
}

pub(super) fn undecodable(path: &Path, detail: impl Into<String>) -> VideoError {
    VideoError::Undecodable {
        path: path.to_path_buf(),
        detail: without_addresses(&detail.into()),
    }
}

/// FFmpeg's message without the memory addresses in its log prefixes (`[mov,mp4 @ 0x55bd…]`),
/// so a redone video's record has the same bytes.
fn without_addresses(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find(" @ 0x") {
        out.push_str(&rest[..at]);
        rest = rest[at + 5..].trim_start_matches(|c: char| c.is_ascii_hexdigit());
    }
    out.push_str(rest);
    out
}

/// The bytes of video `path`; `Unreadable` when it cannot be read.
pub fn read(path: &Path) -> Result<Vec<u8>, VideoError> {
    std::fs::read(path).map_err(|source| VideoError::Unreadable {
        path: path.to_path_buf(),
        source,
    })
}

/// The frame count of video `path` whose bytes are `bytes`: from an MP4's sample tables
/// ([`super::mp4::frame_count`]) when they answer, else from `ffprobe` ([`probe`]).
pub fn info(path: &Path, bytes: &[u8]) -> Result<VideoInfo, VideoError> {
    match super::mp4::frame_count(bytes) {
        Some(frames) => Ok(VideoInfo { frames }),
        None => probe(path),
    }
}

/// The frame count of `path`'s first video stream, as `ffprobe` reports it.
pub fn probe(path: &Path) -> Result<VideoInfo, VideoError> {
    if let Err(source) = std::fs::File::open(path) {
        return Err(VideoError::Unreadable {
            path: path.to_path_buf(),
            source,
        });
    }
    let mut args = vec![
        "-v",
        "error",
        "-select_streams",
        "v:0",
        "-show_entries",
        "stream=width,nb_frames,nb_read_frames",
        "-of",
        "default=noprint_wrappers=1",
    ];
    for pass in 0..2 {
        let (ok, stdout, stderr) = run("ffprobe", &args, path)?;
        if !ok {
            return Err(undecodable(path, format!("ffprobe: {stderr}")));
        }
        let text = String::from_utf8_lossy(&stdout);
        let field = |key: &str| {
            text.lines()
                .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
                .and_then(|value| value.trim().parse::<usize>().ok())
        };
        if field("width").is_none() {
            return Err(undecodable(path, "no video stream"));
        }
        let frames = field("nb_frames").filter(|n| *n > 0 || pass == 1);
        if let Some(frames) = frames.or_else(|| field("nb_read_frames").filter(|_| pass == 1)) {
            return Ok(VideoInfo { frames });
        }
        args.insert(0, "-count_frames");
    }
    Err(undecodable(path, "ffprobe reports no frame count"))
}

/// The `select` filter keeping exactly `indices`.
fn select_filter(indices: &[usize]) -> String {
    let terms: Vec<String> = indices.iter().map(|i| format!("eq(n\\,{i})")).collect();
    format!("select='{}'", terms.join("+"))
}

/// How a worker decodes videos (`--video-decoder`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoDecoder {
    /// FFmpeg's libraries in-process (only in builds with the `libav` feature).
    #[cfg(feature = "libav")]
    Libav,
    /// The `ffmpeg` CLI as a child process.
    FfmpegCli,
}

impl Default for VideoDecoder {
    /// `libav` where this build has it, else `ffmpeg-cli`.
    fn default() -> VideoDecoder {
        #[cfg(feature = "libav")]
        return VideoDecoder::Libav;
        #[cfg(not(feature = "libav"))]
        return VideoDecoder::FfmpegCli;
    }
}

impl VideoDecoder {
    /// The decoders this build has.
    pub fn available() -> Vec<VideoDecoder> {
        vec![
            #[cfg(feature = "libav")]
            VideoDecoder::Libav,
            VideoDecoder::FfmpegCli,
        ]
    }

    /// The name `--video-decoder` takes.
    pub fn name(self) -> &'static str {
        match self {
            #[cfg(feature = "libav")]
            VideoDecoder::Libav => "libav",
            VideoDecoder::FfmpegCli => "ffmpeg-cli",
        }
    }

    /// What a prepared video's record says decoded it.
    pub fn provenance(self) -> String {
        match self {
            #[cfg(feature = "libav")]
            VideoDecoder::Libav => format!(
                "{} in-process, rgb24 (swscale, bicubic flags), display rotation not applied",
                super::libav::version()
            ),
            VideoDecoder::FfmpegCli => {
                "ffmpeg CLI (child process), rgb24, display rotation not applied".to_string()
            }
        }
    }
}

impl std::fmt::Display for VideoDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for VideoDecoder {
    type Err = String;

    fn from_str(name: &str) -> Result<VideoDecoder, String> {
        match name {
            #[cfg(feature = "libav")]
            "libav" => Ok(VideoDecoder::Libav),
            #[cfg(not(feature = "libav"))]
            "libav" => Err("this build has no in-process decoder: build dfbench with \
                 `--features libav` (FFmpeg's -dev packages: scripts/setup-ffmpeg.sh --dev), or use \
                 ffmpeg-cli"
                .to_string()),
            "ffmpeg-cli" => Ok(VideoDecoder::FfmpegCli),
            other => Err(format!(
                "unknown video decoder `{other}`: libav or ffmpeg-cli"
            )),
        }
    }
}

/// Decodes the frames of `path` at `indices` (ascending, from [`Sampling::indices`]) with
/// `decoder` and hands each to `visit` with its original index, one frame in memory at a time.
/// `visit`'s error stops the decode and is returned as `Ok(Err(..))`.
pub fn decode_frames<E>(
    decoder: VideoDecoder,
    path: &Path,
    info: &VideoInfo,
    indices: &[usize],
    visit: impl FnMut(usize, RgbImage) -> Result<(), E>,
) -> Result<Result<(), E>, VideoError> {
    match decoder {
        #[cfg(feature = "libav")]
        VideoDecoder::Libav => super::libav::decode_frames(path, info, indices, visit),
        VideoDecoder::FfmpegCli => decode_frames_cli(path, info, indices, visit),
    }
}

/// [`decode_frames`] through the `ffmpeg` CLI.
fn decode_frames_cli<E>(
    path: &Path,
    info: &VideoInfo,
    indices: &[usize],
    mut visit: impl FnMut(usize, RgbImage) -> Result<(), E>,
) -> Result<Result<(), E>, VideoError> {
    let filter = select_filter(indices);
    let mut child = Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-noautorotate", "-i"])
        .arg(path)
        .args(["-map", "0:v:0", "-vf", &filter, "-fps_mode", "passthrough"])
        .args(["-pix_fmt", "rgb24", "-c:v", "ppm", "-f", "image2pipe", "-"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| VideoError::NoFfmpeg {
            program: "ffmpeg".to_string(),
            source,
        })?;
    let mut stderr = child.stderr.take();
    let stderr_reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(stderr) = stderr.as_mut() {
            let _ = stderr.read_to_string(&mut text);
        }
        text
    });
    let mut produced = 0;
    let mut visited = Ok(());
    if let Some(stdout) = child.stdout.take() {
        let mut stdout = std::io::BufReader::new(stdout);
        for &index in indices {
            let Some(frame) = read_ppm(&mut stdout) else {
                break;
            };
            produced += 1;
            visited = visit(index, frame);
            if visited.is_err() {
                break;
            }
        }
    }
    let _ = child.kill();
    let status = child.wait();
    let stderr = stderr_reader.join().unwrap_or_default();
    if visited.is_err() {
        return Ok(visited);
    }
    if produced < indices.len() {
        let exit = match status {
            Ok(status) if !status.success() => format!("ffmpeg exited with {status}: "),
            _ => String::new(),
        };
        return Err(undecodable(
            path,
            format!(
                "{exit}decoded {produced} of the {} sampled frames (the container declares {}); {}",
                indices.len(),
                info.frames,
                stderr.lines().last().unwrap_or("no message")
            ),
        ));
    }
    Ok(Ok(()))
}

/// One binary PPM (`P6`, maxval 255) image from `input`, as FFmpeg's `ppm` encoder writes it;
/// `None` at the end of the stream or on anything else.
fn read_ppm(input: &mut impl std::io::BufRead) -> Option<RgbImage> {
    let mut fields = [0u32; 3];
    let mut magic = [0u8; 2];
    input.read_exact(&mut magic).ok()?;
    if &magic != b"P6" {
        return None;
    }
    for field in &mut fields {
        let mut byte = [0u8; 1];
        loop {
            input.read_exact(&mut byte).ok()?;
            if !byte[0].is_ascii_whitespace() {
                break;
            }
        }
        let mut value = u32::from(byte[0].checked_sub(b'0').filter(|d| *d < 10)?);
        loop {
            input.read_exact(&mut byte).ok()?;
            match byte[0] {
                digit @ b'0'..=b'9' => {
                    value = value
                        .checked_mul(10)?
                        .checked_add(u32::from(digit - b'0'))?;
                }
                // One white-space byte ends each field; after the last, the pixels begin.
                other if other.is_ascii_whitespace() => break,
                _ => return None,
            }
        }
        *field = value;
    }
    let [width, height, maxval] = fields;
    if maxval != 255 {
        return None;
    }
    let size = (width as usize)
        .checked_mul(height as usize)?
        .checked_mul(3)?;
    let mut pixels = vec![0u8; size];
    input.read_exact(&mut pixels).ok()?;
    RgbImage::from_raw(width, height, pixels)
}

/// Samples video `path` (its `bytes`, from [`read`]): the video's info and the original
/// indices to decode.
pub fn plan(
    path: &Path,
    bytes: &[u8],
    sampling: Sampling,
) -> Result<(VideoInfo, Vec<usize>), VideoError> {
    let info = info(path, bytes)?;
    let indices = sampling
        .indices(info.frames)
        .map_err(|wanted| VideoError::TooShort {
            path: path.to_path_buf(),
            frames: info.frames,
            wanted,
        })?;
    Ok((info, indices))
}
