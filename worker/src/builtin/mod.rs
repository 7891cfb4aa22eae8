//! Built-in weight-free detectors (placeholder until written).
