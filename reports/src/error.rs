//! Errors of report writing; each names the file involved and what to do about it.

use std::io;
use std::path::PathBuf;

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(
        "cannot create report directory {path}: {source}; check that the path is writable \
         or choose another output directory"
    )]
    CreateDir { path: PathBuf, source: io::Error },

    #[error(
        "cannot write report file {path}: {source}; check free disk space and the permissions \
         of the output directory"
    )]
    Write { path: PathBuf, source: io::Error },

    #[error("cannot write CSV {path}: {source}; check free disk space and permissions")]
    Csv { path: PathBuf, source: csv::Error },

    #[error(
        "cannot draw chart {path}: {message}; this is a dfbench-reports bug, please report it \
         with the run id"
    )]
    Chart { path: PathBuf, message: String },

    #[error("cannot encode PNG {path}: {source}; this is a dfbench-reports bug, please report it")]
    Png {
        path: PathBuf,
        source: image::ImageError,
    },

    #[error(
        "the embedded chart font (reports/assets/DejaVuSans.ttf) is not a valid font; \
         restore it from version control and rebuild"
    )]
    Font,

    #[error(
        "cannot export {path}: {source}; check free disk space and permissions, or report a \
         dfbench-reports bug with the run id if the data is the problem"
    )]
    Export {
        path: PathBuf,
        source: polars::error::PolarsError,
    },

    #[error("cannot serialize {path}: {source}; this is a dfbench-reports bug, please report it")]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
}
