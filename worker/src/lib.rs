//! dfbench-worker: the pull loop that leases shards from the coordinator, decodes each sample
//! once (and perturbs it, when the shard says so) on CPU threads, runs every detector of the run on it, and streams the scores back.
//! Also owns the detector runtimes (built-in weight-free detectors; TorchScript behind `torch`;
//! ONNX Runtime behind `onnx`), the face detector `dfbench prepare` crops through (`faces`:
//! MTCNN's cascade in Rust around nets on those runtimes), and prepare runs' shards (`prepare`:
//! videos → frames, written only under the worker's own `--output-root`).
//!
//! Must not touch the database: a worker speaks only gRPC, so it needs no credentials.

pub mod batching;
pub mod budget;
pub mod builtin;
pub mod chunks;
pub mod clip_tensor;
pub mod clips;
pub mod decode;
pub mod detector;
pub mod faces;
pub mod model_file;
#[cfg(feature = "onnx")]
pub mod onnx;
pub mod prepare;
pub mod preprocess;
pub mod pull;
pub mod runtime;
pub mod scoring;
#[cfg(feature = "torch")]
pub mod torch;

pub use detector::{Detector, DetectorFailure};
pub use pull::{WorkerConfig, WorkerError, WorkerStats, run_worker};
