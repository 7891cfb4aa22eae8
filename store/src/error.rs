//! Store errors: database failures with context, and lease/fencing verdicts the coordinator maps
//! to gRPC codes.

use crate::error_class::{ErrorClass, classify};
use crate::model::{LeaseEpoch, RunId, ShardId};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database url `{url}` is not supported: use sqlite:PATH or postgres://USER@HOST/DB")]
    BadUrl { url: String },
    /// The cause is said once: it is not the error's `source`, whose chain would repeat it.
    #[error(
        "cannot connect to the database: {}; check --database-url",
        innermost(cause)
    )]
    Connect { cause: sqlx::Error },
    #[error(
        "cannot connect to the database at {address}: {cause}; check the host and port in \
         --database-url and that the PostgreSQL server is running there"
    )]
    Unreachable { address: String, cause: String },
    #[error(
        "cannot create the SQLite database {path}: its folder {folder} does not exist; create \
         it (mkdir -p {folder}) or choose another --database-url"
    )]
    MissingFolder { path: String, folder: String },
    #[error("cannot migrate the database schema: {source}")]
    Migrate { source: sqlx::migrate::MigrateError },
    #[error("database error while trying to {action}: {source}")]
    Query {
        action: &'static str,
        source: sqlx::Error,
    },
    #[error("shard {shard_id} epoch {epoch} is not leased to this worker any more (stale lease)")]
    StaleLease {
        shard_id: ShardId,
        epoch: LeaseEpoch,
    },
    #[error("run {0} does not exist; `dfbench runs` lists the stored runs")]
    RunNotFound(RunId),
    #[error(
        "shard {shard_id} cannot complete: {missing} (sample, detector) predictions and \
         {missing_clips} clip outcomes are missing"
    )]
    IncompleteShard {
        shard_id: ShardId,
        missing: i64,
        missing_clips: i64,
    },
    #[error("the database holds a value dfbench cannot read: {what}")]
    Corrupt { what: String },
    #[error("run {run_id} cannot be promoted: {reason}")]
    NotPromotable { run_id: RunId, reason: String },
    #[error("invalid prediction for shard {shard_id}: {message}")]
    InvalidPrediction { shard_id: ShardId, message: String },
    /// A plan that contradicts itself (a bug in the planner, never the data's fault).
    #[error("invalid run plan: {0}")]
    InvalidPlan(String),
    #[error(
        "the {what} `{name}` has fingerprint {bundled} in the bundle, but this store knows \
         `{name}` only with fingerprint {stored}: they are different {what}s under one name. \
         Nothing was imported; rename one of them in its suite and run it again, or import \
         into another store"
    )]
    FingerprintConflict {
        what: &'static str,
        name: String,
        bundled: String,
        stored: String,
    },
    #[error(
        "run {run_id} is already stored here with other content (differs in: {differs}); \
         nothing was imported: this is not the run the store holds under that id"
    )]
    RunConflict { run_id: RunId, differs: String },
}

impl StoreError {
    /// Whether the failed call may succeed if repeated, cannot, or nothing will until an
    /// operator acts (see `error_class` for the mapping).
    pub fn class(&self) -> ErrorClass {
        match self {
            StoreError::Connect { cause: source } | StoreError::Query { source, .. } => {
                classify(source)
            }
            // The server may come up (or the network come back): a later try may succeed.
            StoreError::Unreachable { .. } => ErrorClass::Retry,
            StoreError::MissingFolder { .. } => ErrorClass::Fatal,
            StoreError::Migrate { source } => match source {
                sqlx::migrate::MigrateError::Execute(inner)
                | sqlx::migrate::MigrateError::ExecuteMigration(inner, _) => classify(inner),
                _ => ErrorClass::Fatal,
            },
            StoreError::BadUrl { .. }
            | StoreError::StaleLease { .. }
            | StoreError::RunNotFound(_)
            | StoreError::IncompleteShard { .. }
            | StoreError::Corrupt { .. }
            | StoreError::NotPromotable { .. }
            | StoreError::InvalidPrediction { .. }
            | StoreError::InvalidPlan(_)
            | StoreError::FingerprintConflict { .. }
            | StoreError::RunConflict { .. } => ErrorClass::NotRetried,
        }
    }
}

impl StoreError {
    /// Whether nothing will succeed until an operator acts (disk full, read-only, corrupt).
    pub fn is_fatal(&self) -> bool {
        self.class() == ErrorClass::Fatal
    }

    /// For a fatal error: the cause in a user's words, with the database's own message, e.g.
    /// "the database is full (database or disk is full)". `None` for any other error.
    pub fn fatal_cause(&self) -> Option<String> {
        if !self.is_fatal() {
            return None;
        }
        let detail = match self {
            StoreError::Connect { cause } | StoreError::Query { source: cause, .. } => {
                match cause {
                    sqlx::Error::Database(database)
                        if database
                            .try_downcast_ref::<sqlx::sqlite::SqliteError>()
                            .is_some() =>
                    {
                        format!("SQLite: {}", database.message())
                    }
                    sqlx::Error::Database(database) => format!(
                        "PostgreSQL {}: {}",
                        database.code().unwrap_or_default(),
                        database.message()
                    ),
                    other => innermost(other),
                }
            }
            other => other.to_string(),
        };
        let what = match self {
            StoreError::Connect { cause } | StoreError::Query { source: cause, .. } => {
                crate::error_class::fatal_kind(cause)
            }
            StoreError::MissingFolder { .. } => "the database cannot be opened",
            _ => "the database cannot take writes",
        };
        Some(format!("{what} ({detail})"))
    }
}

/// The deepest message of an error's chain: sqlx wraps the driver's (or the OS's) error and
/// repeats it in its own text, so only the innermost is worth saying.
/// Parses a JSON value the database returned (`what` names it in the error): text the store
/// cannot read is `Corrupt`.
pub(crate) fn stored_json<T: serde::de::DeserializeOwned>(
    text: &str,
    what: impl std::fmt::Display,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|error| StoreError::Corrupt {
        what: format!("{what}: {error}"),
    })
}

pub(crate) fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut deepest = error;
    while let Some(source) = deepest.source() {
        deepest = source;
    }
    deepest.to_string()
}

/// Attaches what the store was doing to a sqlx error.
pub(crate) trait QueryContext<T> {
    fn during(self, action: &'static str) -> Result<T, StoreError>;
}

impl<T> QueryContext<T> for Result<T, sqlx::Error> {
    fn during(self, action: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Query { action, source })
    }
}
