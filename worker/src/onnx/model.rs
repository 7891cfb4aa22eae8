//! One ONNX Runtime session resident on a device: building it from the checked model file
//! (graph optimisation level all, intra-op threads = the worker's threads, CUDA EP for
//! `cuda:N`), running a batch through its single float input (NCHW images, or clips as the
//! card lays them out), with a fixed batch axis
//! padded (padded rows dropped), and decoding its first output with the shared output rules.

use crate::batching::{BatchScores, ForwardError, ResidentModel, decode_output};
use crate::model_file::{LoadError, first_line, read_checked};
use crate::preprocess::Preprocessing;
use dfbench_benchmarks::card::OutputKind;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::{Tensor, ValueType};
use std::sync::{Arc, Mutex};

/// A loaded session with the card it was loaded for.
pub struct OnnxModel {
    /// `Session::run` needs `&mut`; one forward pass at a time per session.
    session: Mutex<Session>,
    /// The model's declared inputs, e.g. `input: float32[batch, 3, 64, 64]`, for messages.
    pub declared_inputs: String,
    /// `Some(n)` when the model's batch axis is fixed to n (batches are padded to it).
    pub fixed_batch: Option<usize>,
    pub preprocessing: Preprocessing,
    pub output: OutputKind,
    pub batch_size: usize,
    pub fingerprint: String,
}

impl OnnxModel {
    /// Parses `card_toml` (model path already absolute), checks the weights against the
    /// fingerprint when one is given, and builds the session (`cuda`: the CUDA device index).
    pub fn load(
        runtime: &super::OnnxRuntime,
        card_toml: &str,
        fingerprint: &str,
        cuda: Option<i32>,
    ) -> Result<OnnxModel, LoadError> {
        let (card, bytes) = read_checked(card_toml, fingerprint)?;
        let session = build_session(runtime, &bytes, &card.model, cuda)?;
        let declared_inputs = describe_inputs(&session);
        let fixed_batch = session
            .inputs()
            .first()
            .and_then(|input| input.dtype().tensor_shape())
            .and_then(|shape| shape.first().copied())
            .and_then(|rows| usize::try_from(rows).ok())
            .filter(|rows| *rows > 0);
        Ok(OnnxModel {
            session: Mutex::new(session),
            declared_inputs,
            fixed_batch,
            preprocessing: Preprocessing::from_card(&card),
            output: card.output,
            batch_size: card.batch_size.max(1) as usize,
            fingerprint: fingerprint.to_string(),
        })
    }

    /// P(fake) per item of a prepared batch (`batch` items of `item_shape()` in `input`).
    /// A fixed-batch model runs in passes of its batch, the last one padded with zeros.
    pub fn score_prepared(
        &self,
        input: Vec<f32>,
        batch: usize,
    ) -> Result<BatchScores, ForwardError> {
        let Some(fixed) = self.fixed_batch else {
            return self.forward(input, batch, batch);
        };
        let per_image = self.preprocessing.item_len();
        let mut scores = Vec::with_capacity(batch);
        for pass in input.chunks(fixed * per_image) {
            let real = pass.len() / per_image;
            let mut padded = pass.to_vec();
            padded.resize(fixed * per_image, 0.0);
            let mut pass_scores = self.forward(padded, fixed, real)?;
            pass_scores.truncate(real);
            scores.extend(pass_scores);
        }
        Ok(scores)
    }

    /// Runs `rows` items (the first `real` of them real) and decodes the first output.
    fn forward(
        &self,
        input: Vec<f32>,
        rows: usize,
        real: usize,
    ) -> Result<BatchScores, ForwardError> {
        let shape: Vec<usize> = std::iter::once(rows)
            .chain(self.preprocessing.item_shape())
            .collect();
        let fed = shape
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let failed = |error: String| {
            ForwardError::Failed(format!(
                "{} (fed float32[{fed}] for {real} item(s); the model declares inputs {})",
                // ONNX Runtime's messages are short but split the detail over lines.
                error.split_whitespace().collect::<Vec<_>>().join(" "),
                self.declared_inputs
            ))
        };
        let tensor =
            Tensor::from_array((shape, input)).map_err(|error| failed(error.to_string()))?;
        let mut session = match self.session.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let outputs = session
            .run(ort::inputs![tensor])
            .map_err(|error| failed(error.to_string()))?;
        if outputs.len() == 0 {
            return Err(ForwardError::Failed("the model has no outputs".to_string()));
        }
        let (shape, values) = outputs[0].try_extract_tensor::<f32>().map_err(|error| {
            ForwardError::Failed(format!(
                "the first output is not a float32 tensor: {}",
                first_line(&error.to_string())
            ))
        })?;
        decode_output(self.output, shape, values, rows)
    }
}

impl ResidentModel for OnnxModel {
    fn preprocessing(&self) -> &Preprocessing {
        &self.preprocessing
    }

    fn batch_size(&self) -> usize {
        self.batch_size
    }

    fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// ONNX Runtime runs the session on its own intra-op thread pool, called from this thread.
    fn run(model: &Arc<Self>, input: Vec<f32>, batch: usize) -> Result<BatchScores, ForwardError> {
        model.score_prepared(input, batch)
    }
}

/// A session of the ONNX model in `bytes` (read from `path`, named in errors): graph
/// optimisation level all, intra-op threads = the worker's threads, the CUDA EP for `cuda`.
pub(crate) fn build_session(
    runtime: &super::OnnxRuntime,
    bytes: &[u8],
    path: &std::path::Path,
    cuda: Option<i32>,
) -> Result<Session, LoadError> {
    let device = cuda.map_or_else(|| "cpu".to_string(), |index| format!("cuda:{index}"));
    let options = |error: String| {
        LoadError::Runtime(format!(
            "ONNX Runtime session options were refused: {error}"
        ))
    };
    let threads = rayon::current_num_threads().max(1);
    let mut builder = Session::builder(&runtime.environment)
        .map_err(|error| options(error.to_string()))?
        .with_optimization_level(GraphOptimizationLevel::All)
        .map_err(|error| options(error.to_string()))?
        .with_intra_threads(threads)
        .map_err(|error| options(error.to_string()))?;
    if let Some(index) = cuda {
        let cuda_ep = ort::ep::CUDA::default()
            .with_device_id(index)
            .build()
            .error_on_failure();
        builder = builder
            .with_execution_providers([cuda_ep])
            .map_err(|error| LoadError::Device {
                device: device.clone(),
                reason: format!(
                    "the CUDA execution provider cannot be used ({}); install onnxruntime-gpu 1.31 (DFBENCH_ONNX_PACKAGE=onnxruntime-gpu scripts/setup-onnx.sh)",
                    first_line(&error.to_string())
                ),
            })?;
    }
    builder
        .commit_from_memory(bytes)
        .map_err(|error| LoadError::NotAModel {
            path: path.to_path_buf(),
            format: "an ONNX",
            device: device.clone(),
            message: first_line(&error.to_string()),
            hint: "export it with torch.onnx.export (or any ONNX exporter) and check it with onnx.checker",
        })
}

/// `name: float32[batch, 3, 64, 64], …` with `?` for a dynamic axis without a symbol.
fn describe_inputs(session: &Session) -> String {
    let inputs: Vec<String> = session
        .inputs()
        .iter()
        .map(|input| match input.dtype() {
            ValueType::Tensor {
                ty,
                shape,
                dimension_symbols,
            } => {
                let dims: Vec<String> = shape
                    .iter()
                    .zip(dimension_symbols.iter())
                    .map(|(size, symbol)| match *size {
                        size if size >= 0 => size.to_string(),
                        _ if !symbol.is_empty() => symbol.clone(),
                        _ => "?".to_string(),
                    })
                    .collect();
                format!("{}: {ty}[{}]", input.name(), dims.join(", "))
            }
            other => format!("{}: {other:?}", input.name()),
        })
        .collect();
    format!("[{}]", inputs.join(", "))
}
