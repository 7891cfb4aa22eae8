//! Face detection for `dfbench prepare`: MTCNN run by dfbench's own runtime. The cascade (image
//! pyramid, NMS, box regression, crops, landmarks) is Rust ([`mtcnn`], [`boxes`], [`area`]) and
//! reproduces facenet-pytorch's `detect_face`; only the three nets run on a model runtime
//! ([`MtcnnNets`]: TorchScript behind `torch`, ONNX Runtime behind `onnx`). A face-detector card
//! (`dfbench_benchmarks::card::face`) says which files and parameters.
//!
//! Must not touch: scoring, leases or the coordinator (a face detector never scores), nor frame
//! sampling and crop geometry (`prepare`'s own).

pub mod area;
pub mod boxes;
pub mod mtcnn;
#[cfg(feature = "onnx")]
pub mod onnx;
#[cfg(feature = "torch")]
pub mod torch;

use crate::model_file::LoadError;
use dfbench_benchmarks::card::face::{FaceRuntime, ResolvedFaceCard};
use dfbench_benchmarks::face::{FaceDetectError, FaceDetector};

/// Which of MTCNN's nets a forward pass is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Net {
    P,
    R,
    O,
}

impl Net {
    /// The nets in card order (`pnet`, `rnet`, `onet`).
    pub const ALL: [Net; 3] = [Net::P, Net::R, Net::O];

    pub fn index(self) -> usize {
        self as usize
    }
}

/// One output tensor of a net, on the CPU: its shape and row-major values.
#[derive(Debug, Clone, PartialEq)]
pub struct NetOutput {
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

impl NetOutput {
    /// Row `index` of a 2-D output.
    pub fn row(&self, index: usize) -> &[f32] {
        let width = self.shape.get(1).copied().unwrap_or(0);
        &self.values[index * width..(index + 1) * width]
    }
}

/// A runtime holding MTCNN's three nets.
pub trait MtcnnNets: Send {
    /// Runs `net` on an NCHW float batch of `shape`; every output in the net's order
    /// (PNet: offsets, probabilities; RNet: the same; ONet: offsets, landmarks, probabilities).
    fn run(
        &mut self,
        net: Net,
        input: Vec<f32>,
        shape: [usize; 4],
    ) -> Result<Vec<NetOutput>, FaceDetectError>;
}

/// The detector a face-detector card describes, its nets loaded on `device` through the card's
/// runtime; a runtime this build lacks is a [`LoadError::Runtime`] saying which feature.
pub fn load_detector(
    card: &ResolvedFaceCard,
    device: &str,
) -> Result<Box<dyn FaceDetector>, LoadError> {
    match card.card.runtime {
        #[cfg(feature = "torch")]
        FaceRuntime::Torchscript => {
            let nets = torch::TorchNets::load(&card.card, device)?;
            Ok(Box::new(mtcnn::Mtcnn::new(
                nets,
                &card.card,
                &card.fingerprint,
            )))
        }
        #[cfg(feature = "onnx")]
        FaceRuntime::Onnx => {
            let nets = onnx::OnnxNets::load(&card.card, device)?;
            Ok(Box::new(mtcnn::Mtcnn::new(
                nets,
                &card.card,
                &card.fingerprint,
            )))
        }
        #[allow(unreachable_patterns)]
        runtime => Err(LoadError::Runtime(format!(
            "a {runtime:?} face-detector card cannot run on {device}: this dfbench was built \
             without its runtime; build with `--features {}`",
            match runtime {
                FaceRuntime::Torchscript => "torch",
                FaceRuntime::Onnx => "onnx",
            }
        ))),
    }
}
