//! Writes `compare.md`, `compare.html` and `compare.json` into an output directory.

use std::fs;
use std::path::{Path, PathBuf};

use super::{Comparison, html, json, markdown};
use crate::error::ReportError;

/// What [`write_comparison`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComparisonFiles {
    pub markdown: PathBuf,
    pub html: PathBuf,
    pub json: PathBuf,
    /// The text of `compare.md`, e.g. for printing to the terminal or a CI comment.
    pub markdown_text: String,
}

pub fn write_comparison(
    comparison: &Comparison,
    out_dir: &Path,
) -> Result<ComparisonFiles, ReportError> {
    fs::create_dir_all(out_dir).map_err(|source| ReportError::CreateDir {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let markdown_text = markdown::render(comparison);
    let markdown_path = out_dir.join("compare.md");
    crate::write::write(&markdown_path, markdown_text.as_bytes())?;
    let html_path = out_dir.join("compare.html");
    crate::write::write(&html_path, html::render(comparison).as_bytes())?;
    let json_path = out_dir.join("compare.json");
    let json_text = json::render(comparison).map_err(|source| ReportError::Json {
        path: json_path.clone(),
        source,
    })?;
    crate::write::write(&json_path, json_text.as_bytes())?;
    Ok(ComparisonFiles {
        markdown: markdown_path,
        html: html_path,
        json: json_path,
        markdown_text,
    })
}
