//! MTCNN's nets as ONNX Runtime sessions (the worker's `onnx` feature), built like a scoring
//! detector's session (`crate::onnx::model::build_session`).

use super::{MtcnnNets, Net, NetOutput};
use crate::model_file::{LoadError, first_line};
use crate::onnx::{model::build_session, parse_device, runtime};
use dfbench_benchmarks::card::face::FaceDetectorCard;
use dfbench_benchmarks::face::FaceDetectError;
use ort::session::Session;
use ort::value::Tensor;

/// The three sessions.
pub struct OnnxNets {
    sessions: [Session; 3],
}

impl OnnxNets {
    /// Builds a session for each of the card's `pnet`, `rnet` and `onet` files.
    pub fn load(card: &FaceDetectorCard, device: &str) -> Result<OnnxNets, LoadError> {
        let cuda = parse_device(device)?;
        let runtime = runtime().map_err(LoadError::Runtime)?;
        let load = |path: &std::path::Path| {
            let bytes = std::fs::read(path).map_err(|error| LoadError::Unreadable {
                path: path.to_path_buf(),
                message: error.to_string(),
            })?;
            build_session(runtime, &bytes, path, cuda)
        };
        let [pnet, rnet, onet] = card.nets();
        Ok(OnnxNets {
            sessions: [load(pnet)?, load(rnet)?, load(onet)?],
        })
    }
}

impl MtcnnNets for OnnxNets {
    fn run(
        &mut self,
        net: Net,
        input: Vec<f32>,
        shape: [usize; 4],
    ) -> Result<Vec<NetOutput>, FaceDetectError> {
        let failed = |error: String| {
            FaceDetectError::Forward(format!("{net:?}-net: {}", first_line(&error)))
        };
        let tensor = Tensor::from_array((shape.to_vec(), input))
            .map_err(|error| failed(error.to_string()))?;
        let outputs = self.sessions[net.index()]
            .run(ort::inputs![tensor])
            .map_err(|error| failed(error.to_string()))?;
        (0..outputs.len())
            .map(|index| {
                let (shape, values) = outputs[index]
                    .try_extract_tensor::<f32>()
                    .map_err(|error| FaceDetectError::BadOutput(first_line(&error.to_string())))?;
                Ok(NetOutput {
                    shape: shape.iter().map(|&d| d.max(0) as usize).collect(),
                    values: values.to_vec(),
                })
            })
            .collect()
    }
}
