//! dfbench-benchmarks: the domain model of a benchmark (samples, labels, suites, detector specs),
//! the dataset adapters that turn an on-disk layout into samples, image decoding, and the
//! test-time perturbations (`perturb`), and the deterministic demo-data generator (`synth`).
//!
//! Must not touch: the network, a database, or any model runtime. Everything here is pure data
//! and file reading, so every other crate can depend on it.

pub mod adapter;
pub mod align;
pub mod builtin_params;
pub mod card;
pub mod check;
pub mod content;
pub mod face;
pub mod failure;
pub mod fingerprint;
pub mod image_io;
pub mod perturb;
pub mod prepare_lease;
pub mod resize;
mod rng;
pub mod roots;
pub mod sample;
pub mod suite;
pub mod synth;

pub use failure::FailureKind;
pub use roots::DataRoots;
pub use sample::{FrameReads, Label, Sample};
pub use suite::{DatasetSpec, DetectorSpec, Suite, SuiteError};
