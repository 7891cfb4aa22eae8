//! TorchScript detectors through tch (libtorch 2.13.0), behind the worker's `torch` feature.
//!
//! A model is loaded once per process and device and stays resident: the cache is keyed by the
//! detector fingerprint (sha256 of the weights + preprocessing hash) and the device, so every
//! shard and every local worker of the process share it. A model that cannot be loaded is
//! cached as its typed failure, so a broken file is read once, not once per shard.
//!
//! Batches: scoring hands the detector every decoded image of a chunk; it cuts them into the
//! card's `batch_size` and prepares the next batch on CPU threads while the current one runs on
//! the device. Every forward pass of the process runs on one long-lived torch thread: libtorch's
//! OpenMP team belongs to the thread that calls it, and idle teams of short-lived threads keep
//! spinning on the cores, starving the next forward pass.

pub mod model;
/// Kept at its old path; the code lives outside the `torch` gate.
pub use crate::preprocess;

use crate::batching::{BatchScores, ForwardError, ModelDetector, ResidentModel, loaded_detector};
use crate::model_file::ModelCache;
use crate::preprocess::Preprocessing;
use crate::scoring::LoadedDetector;
use dfbench_proto::v1 as pb;
use model::{LoadError, TorchModel};
use std::sync::{Arc, Mutex, OnceLock};
use tch::Device;

/// The libtorch version the binary was built against (read from the wheel by build.rs).
pub const LIBTORCH_VERSION: &str = env!("DFBENCH_LIBTORCH_VERSION");

/// Threads libtorch uses inside one forward pass (intra-op), for the whole process.
pub fn set_threads(threads: usize) {
    tch::set_num_threads(threads.clamp(1, i32::MAX as usize) as i32);
}

pub fn cuda_available() -> bool {
    tch::Cuda::is_available()
}

/// Device, libtorch version and CUDA availability, for the worker's start-up log.
pub fn describe(device: &str) -> String {
    format!(
        "device {device}; libtorch {LIBTORCH_VERSION}; cuda available: {} ({} device(s), cudnn: {})",
        cuda_available(),
        tch::Cuda::device_count(),
        tch::Cuda::cudnn_is_available()
    )
}

/// `cpu`, `cuda` (= `cuda:0`) or `cuda:N`, checked against the devices libtorch sees.
pub fn parse_device(device: &str) -> Result<Device, LoadError> {
    let unusable = |reason: String| LoadError::Device {
        device: device.to_string(),
        reason,
    };
    let index = match device {
        "cpu" => return Ok(Device::Cpu),
        "cuda" => 0,
        other => match other.strip_prefix("cuda:").map(str::parse::<usize>) {
            Some(Ok(index)) => index,
            _ => return Err(unusable("expected cpu or cuda:N".to_string())),
        },
    };
    let count = tch::Cuda::device_count();
    if !cuda_available() || index as i64 >= count {
        return Err(unusable(format!(
            "libtorch {LIBTORCH_VERSION} sees {count} CUDA device(s)"
        )));
    }
    Ok(Device::Cuda(index))
}

type Job = Box<dyn FnOnce() + Send>;

/// Runs `job` on the process's torch thread and waits for its result; `None` if it panicked.
pub fn on_torch_thread<R: Send + 'static>(job: impl FnOnce() -> R + Send + 'static) -> Option<R> {
    static SENDER: OnceLock<Mutex<std::sync::mpsc::Sender<Job>>> = OnceLock::new();
    let sender = SENDER.get_or_init(|| {
        let (sender, receiver) = std::sync::mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("dfbench-torch".to_string())
            .spawn(move || {
                for job in receiver {
                    // A panicking job drops its reply sender; the thread lives on.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                }
            })
            .ok();
        Mutex::new(sender)
    });
    let (reply, result) = std::sync::mpsc::sync_channel(1);
    let boxed: Job = Box::new(move || {
        let _ = reply.send(job());
    });
    let sent = match sender.lock() {
        Ok(guard) => guard.send(boxed),
        Err(poisoned) => poisoned.into_inner().send(boxed),
    };
    sent.ok()?;
    result.recv().ok()
}

/// The model of `spec` on `device`, loaded on first use and kept for the life of the process.
pub fn load_model(spec: &pb::DetectorSpec, device: &str) -> Result<Arc<TorchModel>, LoadError> {
    static CACHE: OnceLock<ModelCache<TorchModel>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| ModelCache::new("torchscript"));
    cache.get_or_load(spec, device, || {
        parse_device(device)
            .and_then(|device| TorchModel::load(&spec.card_toml, &spec.fingerprint, device))
    })
}

/// A lease's torchscript detector, ready or with the typed reason it cannot run.
pub fn load_cached(spec: &pb::DetectorSpec, device: &str) -> LoadedDetector {
    loaded_detector(&spec.name, load_model(spec, device))
}

/// A resident TorchScript model under the name one suite gave it.
pub type TorchDetector = ModelDetector<TorchModel>;

impl ResidentModel for TorchModel {
    fn preprocessing(&self) -> &Preprocessing {
        &self.preprocessing
    }

    fn batch_size(&self) -> usize {
        self.batch_size
    }

    fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Runs on the process's torch thread (see the module comment).
    fn run(model: &Arc<Self>, input: Vec<f32>, batch: usize) -> Result<BatchScores, ForwardError> {
        let model = Arc::clone(model);
        on_torch_thread(move || model.score_prepared(&input, batch)).unwrap_or_else(|| {
            Err(ForwardError::Failed(
                "the forward pass panicked".to_string(),
            ))
        })
    }
}
