//! Deterministic demo data: see `write_demo_dataset`.
