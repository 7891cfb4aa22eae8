//! dfbench-proto: the `dfbench.v1` gRPC protocol between coordinator, workers and clients,
//! generated from `proto/dfbench/v1/dfbench.proto` at build time.
//!
//! Must not contain logic beyond the generated types, the protocol's constants and the retry
//! schedule all peers share (`retry`).

/// Bumped on every incompatible change; workers and coordinator must agree.
pub const PROTOCOL_VERSION: u32 = 1;

/// Largest message either side sends or accepts (a lease of a big shard, a batch of
/// predictions); the coordinator and every client use this one value.
pub const MAX_MESSAGE_BYTES: usize = 32 * 1024 * 1024;

pub mod retry;

pub mod v1 {
    #![allow(clippy::all, clippy::pedantic)]
    tonic::include_proto!("dfbench.v1");
}
