//! The one place store and planning errors become gRPC status codes.

use crate::planner::PlanError;
use dfbench_store::{ErrorClass, StoreError};
use tonic::Status;

pub(crate) fn store_status(error: StoreError) -> Status {
    match &error {
        StoreError::StaleLease { .. } => Status::failed_precondition(error.to_string()),
        StoreError::IncompleteShard { .. } => Status::failed_precondition(error.to_string()),
        StoreError::InvalidPrediction { .. } => Status::invalid_argument(error.to_string()),
        StoreError::RunNotFound(_) => Status::not_found(error.to_string()),
        StoreError::BadUrl { .. } => Status::invalid_argument(error.to_string()),
        StoreError::NotPromotable { .. } => Status::failed_precondition(error.to_string()),
        StoreError::Corrupt { .. } | StoreError::InvalidPlan(_) => {
            Status::internal(error.to_string())
        }
        // Bundle imports (the CLI's, not served over gRPC): a conflict is the caller's to fix.
        StoreError::FingerprintConflict { .. } | StoreError::RunConflict { .. } => {
            Status::already_exists(error.to_string())
        }
        StoreError::Connect { .. }
        | StoreError::Unreachable { .. }
        | StoreError::MissingFolder { .. }
        | StoreError::Query { .. }
        | StoreError::Migrate { .. } => database_status(&error),
    }
}

/// A database failure: retryable ones are `Unavailable` (workers and clients retry those), the
/// others `Internal`; a fatal one says the operator must act.
fn database_status(error: &StoreError) -> Status {
    match error.class() {
        ErrorClass::Retry => {
            tracing::warn!(%error, "store failure, retryable");
            Status::unavailable(error.to_string())
        }
        ErrorClass::NotRetried => {
            tracing::error!(%error, "store failure, not retried");
            Status::internal(error.to_string())
        }
        ErrorClass::Fatal => {
            tracing::error!(%error, "fatal store failure: the database needs an operator");
            Status::internal(format!(
                "{error}; the database cannot work until an operator acts (free disk space, \
                 make it writable, or restore it)"
            ))
        }
    }
}

pub(crate) fn plan_status(error: PlanError) -> Status {
    match error {
        PlanError::Store(store) => store_status(store),
        other => Status::invalid_argument(other.to_string()),
    }
}
