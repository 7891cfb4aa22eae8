//! `dfbench bench prepare`: videos per CPU-second for frame sampling (+ face crop with a
//! face-detector card) by `dfbench prepare`, against DeepfakeBench's own path in Python on the
//! same generated videos (prepare.py: OpenCV `VideoCapture` + facenet-pytorch's MTCNN + the
//! aligned crop, one thread). Target, printed not asserted: dfbench ≥ 2× Python per core.
//! dfbench is measured with each video decoder the build has (`libav` in-process with the
//! `libav` feature, the `ffmpeg` CLI as a child process), in the same rounds.
//!
//! The videos: scikit-image's `astronaut` photograph zooming and panning (FFmpeg's `zoompan`,
//! x264), so every frame has a face. "Per core" is CPU time: dfbench's is the whole `dfbench
//! prepare --workers 1` process and its FFmpeg children (getrusage of waited-for children, start
//! and model load included); Python's is the process CPU time of its loop alone (imports and
//! model load left out), so the ratio leans towards Python. Rounds alternate A B A B; medians.

use super::perturb::median;
use crate::output::outln;
use anyhow::Context;
use dfbench_worker::prepare::video::VideoDecoder;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const ANCHOR: &str = include_str!("prepare.py");

#[derive(Debug, clap::Args)]
pub struct PrepareBenchArgs {
    /// Videos generated.
    #[arg(long, default_value_t = 6)]
    pub videos: usize,
    /// Frames in each video.
    #[arg(long, default_value_t = 120)]
    pub length: usize,
    /// Side of the (square) videos, in pixels.
    #[arg(long, default_value_t = 480)]
    pub side: u32,
    /// Frames sampled per video (DeepfakeBench: 32).
    #[arg(long, default_value_t = 32)]
    pub frames: usize,
    /// Face-detector card (`dfbench import --family mtcnn`), or `none` for whole frames on both
    /// sides. A card needs a build with its runtime (torch or onnx).
    #[arg(long, default_value = "none", value_name = "CARD|DIR|none")]
    pub faces: String,
    /// Timed rounds of each side; the median is printed.
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
    /// Python with OpenCV and scikit-image (and facenet-pytorch with --faces): the torch venv's
    /// (scripts/setup-torch.sh).
    #[arg(long, env = "DFBENCH_TORCH_PYTHON")]
    pub python: PathBuf,
}

pub async fn execute(args: PrepareBenchArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.videos > 0 && args.frames > 0 && args.rounds > 0 && args.length >= args.frames,
        "--videos, --frames and --rounds must be at least 1, and --length at least --frames"
    );
    let scratch = tempfile::tempdir().context("cannot create a scratch folder")?;
    let videos = generate_videos(&args, scratch.path())?;
    let faces = args.faces != "none";
    let script = scratch.path().join("prepare_anchor.py");
    std::fs::write(&script, ANCHOR).context("cannot write the Python anchor")?;
    outln!(
        "{} videos of {} frames, {side}x{side} x264; {} frames sampled from each; faces: {}",
        args.videos,
        args.length,
        args.frames,
        if faces {
            args.faces.as_str()
        } else {
            "none (whole frames)"
        },
        side = args.side,
    );
    // Each decoder this build has (libav in-process, the ffmpeg CLI) is measured in the same
    // rounds, so the two can be compared as well as each against Python.
    let decoders = VideoDecoder::available();
    let (mut ours, mut theirs) = (vec![Vec::new(); decoders.len()], Vec::new());
    for round in 0..args.rounds {
        for (times, decoder) in ours.iter_mut().zip(&decoders) {
            let out = scratch.path().join(format!("dfbench-{decoder}-{round}"));
            times.push(dfbench_cpu(&args, scratch.path(), &out, *decoder)?);
        }
        let out = scratch.path().join(format!("python-{round}"));
        theirs.push(python_cpu(&args, &script, &videos, &out, faces)?);
    }
    let ours: Vec<f64> = ours.into_iter().map(median).collect();
    let theirs = median(theirs);
    let per_second = |cpu: f64| args.videos as f64 / cpu;
    outln!(
        "{:<32} {:>14} {:>16}",
        "",
        "CPU s / video",
        "videos / CPU s"
    );
    let mut rows = vec![("python (OpenCV + facenet)".to_string(), theirs)];
    for (decoder, cpu) in decoders.iter().zip(&ours) {
        rows.push((format!("dfbench prepare ({decoder})"), *cpu));
    }
    for (name, cpu) in &rows {
        outln!(
            "{name:<32} {:>14.3} {:>16.3}",
            cpu / args.videos as f64,
            per_second(*cpu)
        );
    }
    for (decoder, cpu) in decoders.iter().zip(&ours) {
        let ratio = theirs / cpu;
        let verdict = if ratio >= 2.0 { "met" } else { "missed" };
        outln!("dfbench ({decoder}) ÷ python per core: {ratio:.2}  (target ≥ 2: {verdict})");
    }
    Ok(ExitCode::SUCCESS)
}

/// The astronaut photograph's path, from scikit-image in `python`.
fn astronaut(python: &Path) -> anyhow::Result<PathBuf> {
    let output = Command::new(python)
        .args([
            "-c",
            // Found without importing scikit-image (the torch venv has it --no-deps).
            "import os, importlib.util as u; \
             print(os.path.join(os.path.dirname(u.find_spec('skimage').origin), 'data', 'astronaut.png'))",
        ])
        .output()
        .with_context(|| format!("cannot run {}", python.display()))?;
    anyhow::ensure!(
        output.status.success(),
        "{} has no scikit-image: give the torch venv's python (scripts/setup-torch.sh) with --python",
        python.display()
    );
    Ok(PathBuf::from(
        String::from_utf8_lossy(&output.stdout).trim(),
    ))
}

/// `args.videos` x264 videos of the photograph zooming in and panning, each from its own start.
fn generate_videos(args: &PrepareBenchArgs, scratch: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let photo = astronaut(&args.python)?;
    let folder = scratch.join("videos/bench_real");
    std::fs::create_dir_all(&folder).context("cannot create the videos folder")?;
    let mut videos = Vec::with_capacity(args.videos);
    for number in 0..args.videos {
        let zoom = format!(
            "zoompan=z='1+0.01*on':x='iw/2-iw/zoom/2+on*2-{shift}':y='ih/2-ih/zoom/2':d={length}:s={side}x{side}:fps=25",
            shift = number * 10,
            length = args.length,
            side = args.side
        );
        let video = folder.join(format!("{number:03}.mp4"));
        let status = Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-i"])
            .arg(&photo)
            .args(["-vf", &zoom, "-frames:v", &args.length.to_string()])
            .args(["-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "18"])
            .arg(&video)
            .status()
            .context("cannot run ffmpeg (scripts/setup-ffmpeg.sh installs it)")?;
        anyhow::ensure!(
            status.success(),
            "ffmpeg could not write {}",
            video.display()
        );
        videos.push(video);
    }
    Ok(videos)
}

/// CPU seconds of one `dfbench prepare --workers 1 --video-decoder DECODER` over the videos
/// into `out`.
fn dfbench_cpu(
    args: &PrepareBenchArgs,
    scratch: &Path,
    out: &Path,
    decoder: VideoDecoder,
) -> anyhow::Result<f64> {
    let exe = std::env::current_exe().context("cannot find this dfbench executable")?;
    let mut command = Command::new(exe);
    command
        .current_dir(scratch)
        .args(["prepare", "videos", "--dataset", "bench", "--out"])
        .arg(out)
        .args(["--frames", &args.frames.to_string(), "--workers", "1"])
        .args(["--size", "256", "--faces", &args.faces])
        .args(["--video-decoder", decoder.name()])
        .env("RAYON_NUM_THREADS", "1")
        .env("OMP_NUM_THREADS", "1");
    let (output, cpu) = children_cpu(|| command.output())?;
    anyhow::ensure!(
        output.status.success(),
        "dfbench prepare failed: {}",
        String::from_utf8_lossy(&output.stderr).trim()
    );
    Ok(cpu)
}

/// CPU seconds of the Python anchor's loop over `videos` into `out`.
fn python_cpu(
    args: &PrepareBenchArgs,
    script: &Path,
    videos: &[PathBuf],
    out: &Path,
    faces: bool,
) -> anyhow::Result<f64> {
    let mut command = Command::new(&args.python);
    command
        .arg(script)
        .args(["--frames", &args.frames.to_string(), "--out"])
        .arg(out)
        .env("OMP_NUM_THREADS", "1");
    if faces {
        command.arg("--faces");
    }
    let output = command
        .args(videos)
        .output()
        .with_context(|| format!("cannot run {}", args.python.display()))?;
    anyhow::ensure!(
        output.status.success(),
        "the Python anchor failed: {}",
        String::from_utf8_lossy(&output.stderr).trim()
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let cpu = stdout
        .split_whitespace()
        .skip_while(|word| *word != "cpu_s")
        .nth(1)
        .and_then(|value| value.parse::<f64>().ok());
    cpu.with_context(|| format!("the Python anchor printed no `cpu_s` figure: {stdout}"))
}

/// `run`'s result and the CPU seconds (user + system) of the child processes it waited for.
fn children_cpu<T>(run: impl FnOnce() -> std::io::Result<T>) -> anyhow::Result<(T, f64)> {
    let before = rusage_children();
    let result = run().context("cannot run dfbench prepare")?;
    Ok((result, rusage_children() - before))
}

/// CPU seconds of this process's waited-for children so far.
fn rusage_children() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a whole `rusage` into the pointer it is given.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr());
        usage.assume_init()
    };
    let seconds = |time: libc::timeval| time.tv_sec as f64 + time.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
