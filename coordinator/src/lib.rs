//! dfbench-coordinator: the gRPC service workers and clients talk to. Plans runs (enumerate
//! samples, cut shards), leases shards with an epoch, reaps expired leases, ingests predictions
//! idempotently through the store, and marks runs done.
//!
//! Must not decode images or run models: that is the worker's job. All state lives in the
//! store, so a restarted coordinator carries on where the previous one stopped.

mod auth;
pub mod contents;
mod errors;
pub mod faults;
pub mod metrics;
pub mod planner;
mod server;
pub mod service;
pub mod waiting;

pub use planner::{PlanError, plan_run};
pub use server::{CoordinatorConfig, RunningCoordinator, ServeError, TlsFiles, spawn};
pub use service::CoordinatorService;
pub use service::ServiceTimings;

/// Version of this build, stored with every run and checked at worker registration.
pub const DFBENCH_VERSION: &str = env!("CARGO_PKG_VERSION");
