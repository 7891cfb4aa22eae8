//! One TorchScript model resident on a device: loading it (checking the weights are the ones the
//! coordinator fingerprinted), running a batch (of images, or of clips for a clip card) under
//! `no_grad`, and turning its output into P(fake) per item after checking the output's shape and values.

use super::preprocess::Preprocessing;
pub use crate::batching::ForwardError;
use crate::batching::{BatchScores, decode_output};
pub use crate::model_file::LoadError;
use crate::model_file::{first_line, read_checked};
use dfbench_benchmarks::card::OutputKind;
use tch::{CModule, Device, Kind, Tensor};

/// A loaded model with the card it was loaded for.
pub struct TorchModel {
    module: CModule,
    pub device: Device,
    pub preprocessing: Preprocessing,
    pub output: OutputKind,
    pub batch_size: usize,
    pub fingerprint: String,
}

impl TorchModel {
    /// Parses `card_toml` (model path already absolute), checks the weights against the
    /// `sha256:<hex>:…` fingerprint when one is given, and loads the model in eval mode.
    pub fn load(
        card_toml: &str,
        fingerprint: &str,
        device: Device,
    ) -> Result<TorchModel, LoadError> {
        let (card, bytes) = read_checked(card_toml, fingerprint)?;
        let mut module =
            CModule::load_data_on_device(&mut bytes.as_slice(), device).map_err(|error| {
                LoadError::NotAModel {
                    path: card.model.clone(),
                    format: "a TorchScript",
                    device: format!("{device:?}"),
                    message: first_line(&error.to_string()),
                    hint: "export it with torch.jit.trace or torch.jit.script and torch.jit.save",
                }
            })?;
        module.set_eval();
        Ok(TorchModel {
            module,
            device,
            preprocessing: Preprocessing::from_card(&card),
            output: card.output,
            batch_size: card.batch_size.max(1) as usize,
            fingerprint: fingerprint.to_string(),
        })
    }

    /// Runs one batch (`batch` items of `Preprocessing::item_shape()` in `input`: NCHW images,
    /// or clips as the card lays them out) and returns the raw output as a contiguous CPU f32
    /// tensor (its shape is checked by `score_prepared`).
    pub fn forward(&self, input: &[f32], batch: usize) -> Result<Tensor, ForwardError> {
        let shape: Vec<i64> = std::iter::once(batch)
            .chain(self.preprocessing.item_shape())
            .map(|size| size as i64)
            .collect();
        let input = Tensor::from_slice(input)
            .view(shape.as_slice())
            .to_device(self.device);
        let output = tch::no_grad(|| self.module.forward_ts(&[input]))
            .map_err(|error| ForwardError::Failed(first_line(&error.to_string())))?;
        Ok(output
            .to_device(Device::Cpu)
            .to_kind(Kind::Float)
            .contiguous())
    }

    /// P(fake) per image of a prepared batch; an image whose outputs are not finite fails alone.
    pub fn score_prepared(&self, input: &[f32], batch: usize) -> Result<BatchScores, ForwardError> {
        let output = self.forward(input, batch)?;
        let shape = output.size();
        let values = Vec::<f32>::try_from(&output.view(-1))
            .map_err(|error| ForwardError::Failed(error.to_string()))?;
        decode_output(self.output, &shape, &values, batch)
    }
}
