//! `dfbench prepare`: turning videos into benchmark frames — sampling and decoding (`video`:
//! FFmpeg's libraries in-process, `libav`, or its CLI as a child process; `mp4` counts an
//! MP4's frames without either), cropping (the geometry in `dfbench_benchmarks::align`) and writing
//! DeepfakeBench's layout with a per-frame provenance manifest. A prepare job is a run: workers
//! lease its videos (`leased`), and the client assembles the manifest and JSON when it is over
//! (`finish`).
//!
//! Must not touch: the database or the network (a worker speaks only gRPC, through `pull`),
//! and no file outside the output root it is given.

pub mod dataset_json;
pub mod finish;
pub mod job;
pub mod leased;
#[cfg(feature = "libav")]
pub mod libav;
pub mod mp4;
pub mod output;
pub mod video;
