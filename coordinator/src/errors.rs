//! The one place store and planning errors become gRPC status codes.

use crate::planner::PlanError;
use dfbench_store::StoreError;
use tonic::Status;

pub(crate) fn store_status(error: StoreError) -> Status {
    match &error {
        StoreError::StaleLease { .. } => Status::failed_precondition(error.to_string()),
        StoreError::IncompleteShard { .. } => Status::failed_precondition(error.to_string()),
        StoreError::InvalidPrediction { .. } => Status::invalid_argument(error.to_string()),
        StoreError::RunNotFound(_) => Status::not_found(error.to_string()),
        StoreError::BadUrl { .. } => Status::invalid_argument(error.to_string()),
        StoreError::NotPromotable { .. } => Status::failed_precondition(error.to_string()),
        StoreError::Corrupt { .. } => Status::internal(error.to_string()),
        StoreError::Connect { .. } | StoreError::Query { .. } | StoreError::Migrate { .. } => {
            tracing::error!(%error, "store failure");
            Status::unavailable(error.to_string())
        }
    }
}

pub(crate) fn plan_status(error: PlanError) -> Status {
    match &error {
        PlanError::Store(_) => Status::unavailable(error.to_string()),
        _ => Status::invalid_argument(error.to_string()),
    }
}
