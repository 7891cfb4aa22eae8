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

use crate::detector::{Detector, DetectorFailure};
use crate::scoring::LoadedDetector;
use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::image_io::RgbImage;
use dfbench_proto::v1 as pb;
use model::{LoadError, TorchModel};
use std::collections::HashMap;
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

type CacheKey = (String, String);
type Cached = Result<Arc<TorchModel>, LoadError>;

fn cache() -> &'static Mutex<HashMap<CacheKey, Cached>> {
    static CACHE: OnceLock<Mutex<HashMap<CacheKey, Cached>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The model of `spec` on `device`, loaded on first use and kept for the life of the process.
pub fn load_model(spec: &pb::DetectorSpec, device: &str) -> Cached {
    // Without a planned fingerprint the card text (absolute model path) names the model.
    let identity = if spec.fingerprint.is_empty() {
        spec.card_toml.clone()
    } else {
        spec.fingerprint.clone()
    };
    let key = (identity, device.to_string());
    let mut models = match cache().lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(cached) = models.get(&key) {
        return cached.clone();
    }
    let started = std::time::Instant::now();
    let loaded = parse_device(device)
        .and_then(|device| TorchModel::load(&spec.card_toml, &spec.fingerprint, device))
        .map(Arc::new);
    match &loaded {
        Ok(_) => {
            tracing::info!(detector = %spec.name, %device, elapsed = ?started.elapsed(), "torchscript model loaded")
        }
        Err(error) => {
            tracing::warn!(detector = %spec.name, %device, %error, "torchscript model cannot be loaded")
        }
    }
    models.insert(key, loaded.clone());
    loaded
}

/// A lease's torchscript detector, ready or with the typed reason it cannot run.
pub fn load_cached(spec: &pb::DetectorSpec, device: &str) -> LoadedDetector {
    match load_model(spec, device) {
        Ok(model) => LoadedDetector::Ready(Arc::new(TorchDetector {
            name: spec.name.clone(),
            model,
        })),
        Err(error) => LoadedDetector::Unavailable {
            name: spec.name.clone(),
            kind: error.kind(),
            reason: error.to_string(),
        },
    }
}

/// A resident model under the name one suite gave it.
pub struct TorchDetector {
    pub name: String,
    pub model: Arc<TorchModel>,
}

impl TorchDetector {
    fn score_prepared(&self, input: Vec<f32>, batch: usize) -> Vec<Result<f64, DetectorFailure>> {
        let model = Arc::clone(&self.model);
        let scored =
            on_torch_thread(move || model.score_prepared(&input, batch)).unwrap_or_else(|| {
                Err(model::ForwardError::Failed(
                    "the forward pass panicked".to_string(),
                ))
            });
        match scored {
            Ok(scores) => scores
                .into_iter()
                .map(|score| {
                    score.map_err(|kind| {
                        DetectorFailure::new(
                            kind,
                            format!("{}: model output is NaN or infinite", self.name),
                        )
                    })
                })
                .collect(),
            Err(error) => {
                let failure = DetectorFailure::new(error.kind(), format!("{}: {error}", self.name));
                vec![Err(failure); batch]
            }
        }
    }
}

impl Detector for TorchDetector {
    fn name(&self) -> &str {
        &self.name
    }

    fn fingerprint(&self) -> String {
        self.model.fingerprint.clone()
    }

    fn score(&self, image: &RgbImage) -> Result<f64, DetectorFailure> {
        let mut scores = self.score_batch(&[image]);
        scores.pop().unwrap_or_else(|| {
            Err(DetectorFailure::new(
                FailureKind::DetectorError,
                "empty batch",
            ))
        })
    }

    /// Batches of the card's `batch_size`; batch k+1 is prepared on a scoped thread (which
    /// fans out on the rayon pool) while batch k runs forward on this thread.
    fn score_batch(&self, images: &[&RgbImage]) -> Vec<Result<f64, DetectorFailure>> {
        let preprocessing = &self.model.preprocessing;
        let mut batches = images.chunks(self.model.batch_size);
        let mut results = Vec::with_capacity(images.len());
        let Some(first) = batches.next() else {
            return results;
        };
        let mut current = (preprocessing.prepare_batch(first), first.len());
        loop {
            let next_batch = batches.next();
            let (scores, next) = std::thread::scope(|scope| {
                let preparing = next_batch.map(|batch| {
                    scope.spawn(move || (preprocessing.prepare_batch(batch), batch.len()))
                });
                let scores = self.score_prepared(std::mem::take(&mut current.0), current.1);
                (scores, preparing.map(|handle| handle.join()))
            });
            results.extend(scores);
            match next {
                None => return results,
                Some(Ok(prepared)) => current = prepared,
                Some(Err(_)) => {
                    let failure =
                        DetectorFailure::new(FailureKind::DetectorPanic, "preprocessing panicked");
                    results.resize(images.len(), Err(failure));
                    return results;
                }
            }
        }
    }
}
