//! MTCNN's nets as TorchScript modules through tch, run on the process's torch thread like
//! every other forward pass (`crate::torch::on_torch_thread`).

use super::{MtcnnNets, Net, NetOutput};
use crate::model_file::{LoadError, first_line};
use crate::torch::{on_torch_thread, parse_device};
use dfbench_benchmarks::card::face::FaceDetectorCard;
use dfbench_benchmarks::face::FaceDetectError;
use std::sync::Arc;
use tch::{CModule, Device, IValue, Kind, Tensor};

/// The three nets, loaded in eval mode on one device.
pub struct TorchNets {
    modules: Arc<[CModule; 3]>,
    device: Device,
}

impl TorchNets {
    /// Loads the card's `pnet`, `rnet` and `onet` files (paths already absolute).
    pub fn load(card: &FaceDetectorCard, device: &str) -> Result<TorchNets, LoadError> {
        let device = parse_device(device)?;
        let load = |path: &std::path::Path| {
            let mut module =
                CModule::load_on_device(path, device).map_err(|error| LoadError::NotAModel {
                    path: path.to_path_buf(),
                    format: "a TorchScript",
                    device: format!("{device:?}"),
                    message: first_line(&error.to_string()),
                    hint: "import the nets with `dfbench import --family mtcnn`",
                })?;
            module.set_eval();
            Ok::<_, LoadError>(module)
        };
        let [pnet, rnet, onet] = card.nets();
        Ok(TorchNets {
            modules: Arc::new([load(pnet)?, load(rnet)?, load(onet)?]),
            device,
        })
    }
}

impl MtcnnNets for TorchNets {
    fn run(
        &mut self,
        net: Net,
        input: Vec<f32>,
        shape: [usize; 4],
    ) -> Result<Vec<NetOutput>, FaceDetectError> {
        let (modules, device) = (Arc::clone(&self.modules), self.device);
        on_torch_thread(move || forward(&modules[net.index()], &input, shape, device))
            .unwrap_or_else(|| Err(FaceDetectError::Forward(format!("{net:?}-net panicked"))))
    }
}

fn forward(
    module: &CModule,
    input: &[f32],
    shape: [usize; 4],
    device: Device,
) -> Result<Vec<NetOutput>, FaceDetectError> {
    let dims = shape.map(|size| size as i64);
    let input = Tensor::from_slice(input).view(dims).to_device(device);
    let output = tch::no_grad(|| module.forward_is(&[IValue::Tensor(input)]))
        .map_err(|error| FaceDetectError::Forward(first_line(&error.to_string())))?;
    let IValue::Tuple(items) = output else {
        return Err(FaceDetectError::BadOutput(format!(
            "expected a tuple of tensors, got {output:?}"
        )));
    };
    items
        .into_iter()
        .map(|item| match item {
            IValue::Tensor(tensor) => {
                let tensor = tensor
                    .to_device(Device::Cpu)
                    .to_kind(Kind::Float)
                    .contiguous();
                let shape = tensor.size().iter().map(|&d| d.max(0) as usize).collect();
                let values = Vec::<f32>::try_from(&tensor.view(-1))
                    .map_err(|error| FaceDetectError::BadOutput(error.to_string()))?;
                Ok(NetOutput { shape, values })
            }
            other => Err(FaceDetectError::BadOutput(format!(
                "expected a tensor in the output tuple, got {other:?}"
            ))),
        })
        .collect()
}
