//! One TorchScript model resident on a device: loading it (checking the weights are the ones the
//! coordinator fingerprinted), running a batch under `no_grad`, and turning its output into
//! P(fake) per image after checking the output's shape and values.

use super::preprocess::Preprocessing;
use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::card::{DetectorCard, OutputKind};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use tch::{CModule, Device, Kind, Tensor};

/// Why a TorchScript detector cannot be loaded; every prediction of it records `kind()`.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LoadError {
    #[error("the detector card shipped with the lease is not valid: {0}")]
    Card(String),
    #[error(
        "device `{device}` is not usable: {reason}; run the worker with --device cpu or on a host with that GPU"
    )]
    Device { device: String, reason: String },
    #[error(
        "model file {path} cannot be read: {message}; the file must be readable on every worker"
    )]
    Unreadable { path: PathBuf, message: String },
    #[error(
        "model file {path} has changed since the run was planned (sha256 {actual}, planned {planned}); re-run the suite so predictions match the weights"
    )]
    Changed {
        path: PathBuf,
        actual: String,
        planned: String,
    },
    #[error(
        "model file {path} is not a TorchScript model libtorch can load on {device}: {message}; export it with torch.jit.trace or torch.jit.script and torch.jit.save"
    )]
    NotTorchScript {
        path: PathBuf,
        device: String,
        message: String,
    },
}

impl LoadError {
    /// Stable failure reason stored with each prediction of the detector.
    pub fn kind(&self) -> FailureKind {
        match self {
            LoadError::Card(_) => FailureKind::BadDetectorCard,
            LoadError::Device { .. } => FailureKind::DeviceUnavailable,
            LoadError::Unreadable { .. }
            | LoadError::Changed { .. }
            | LoadError::NotTorchScript { .. } => FailureKind::ModelLoadError,
        }
    }
}

/// Why one forward pass gave no usable score for an image.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ForwardError {
    #[error(
        "forward pass failed: {0}; check the card's input_size and that forward takes one NCHW float tensor"
    )]
    Failed(String),
    #[error(
        "model returned shape {shape:?} for a batch of {batch}; card output `{output}` needs {expected}"
    )]
    BadShape {
        shape: Vec<i64>,
        batch: usize,
        output: &'static str,
        expected: &'static str,
    },
}

impl ForwardError {
    pub fn kind(&self) -> FailureKind {
        match self {
            ForwardError::Failed(_) => FailureKind::ForwardError,
            ForwardError::BadShape { .. } => FailureKind::BadOutputShape,
        }
    }
}

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
        let card = DetectorCard::parse(card_toml, "lease card")
            .map_err(|error| LoadError::Card(error.to_string()))?;
        let bytes = std::fs::read(&card.model).map_err(|error| LoadError::Unreadable {
            path: card.model.clone(),
            message: error.to_string(),
        })?;
        let actual = hex::encode(Sha256::digest(&bytes));
        if let Some(planned) = fingerprint
            .strip_prefix("sha256:")
            .and_then(|rest| rest.split(':').next())
            && planned != actual
        {
            return Err(LoadError::Changed {
                path: card.model.clone(),
                actual,
                planned: planned.to_string(),
            });
        }
        let mut module =
            CModule::load_data_on_device(&mut bytes.as_slice(), device).map_err(|error| {
                LoadError::NotTorchScript {
                    path: card.model.clone(),
                    device: format!("{device:?}"),
                    message: first_line(&error.to_string()),
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

    /// Runs one batch (`batch` images laid out as NCHW in `input`) and returns the raw output
    /// as a CPU f32 tensor, checked to have the card's output shape.
    pub fn forward(&self, input: &[f32], batch: usize) -> Result<Tensor, ForwardError> {
        let side = i64::from(self.preprocessing.input_size);
        let input = Tensor::from_slice(input)
            .view([batch as i64, 3, side, side])
            .to_device(self.device);
        let output = tch::no_grad(|| self.module.forward_ts(&[input]))
            .map_err(|error| ForwardError::Failed(first_line(&error.to_string())))?;
        let output = output.to_device(Device::Cpu).to_kind(Kind::Float);
        let shape = output.size();
        let (expected, width) = match self.output {
            OutputKind::Logit => ("[batch] or [batch, 1]", 1),
            OutputKind::Probability => ("[batch] or [batch, 1]", 1),
            OutputKind::TwoClass => ("[batch, 2]", 2),
        };
        let fits = match shape.as_slice() {
            [rows] => width == 1 && *rows == batch as i64,
            [rows, columns] => *rows == batch as i64 && *columns == width,
            _ => false,
        };
        if !fits {
            return Err(ForwardError::BadShape {
                shape,
                batch,
                output: output_name(self.output),
                expected,
            });
        }
        Ok(output.reshape([batch as i64, width]).contiguous())
    }

    /// P(fake) per image of a prepared batch; an image whose outputs are not finite fails alone.
    pub fn score_prepared(
        &self,
        input: &[f32],
        batch: usize,
    ) -> Result<Vec<Result<f64, FailureKind>>, ForwardError> {
        let output = self.forward(input, batch)?;
        let values = Vec::<f32>::try_from(&output.view(-1))
            .map_err(|error| ForwardError::Failed(error.to_string()))?;
        let width = values.len() / batch.max(1);
        Ok(values
            .chunks(width.max(1))
            .map(|row| {
                let row: Vec<f64> = row.iter().map(|&v| f64::from(v)).collect();
                if row.iter().any(|v| !v.is_finite()) {
                    return Err(FailureKind::NonFiniteOutput);
                }
                Ok(match (self.output, row.as_slice()) {
                    (OutputKind::TwoClass, [real, fake]) => 1.0 / (1.0 + (real - fake).exp()),
                    (OutputKind::Logit, [logit]) => 1.0 / (1.0 + (-logit).exp()),
                    (_, [value, ..]) => *value,
                    (_, []) => f64::NAN,
                })
            })
            .collect())
    }
}

fn output_name(output: OutputKind) -> &'static str {
    match output {
        OutputKind::Logit => "logit",
        OutputKind::Probability => "probability",
        OutputKind::TwoClass => "two-class",
    }
}

/// libtorch errors carry a long C++ backtrace after the first line.
fn first_line(message: &str) -> String {
    message
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}
