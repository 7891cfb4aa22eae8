//! Reading JSON by expected shape: every mismatch names the file, the JSON path (`$["a"]["b"]`)
//! and what was expected versus found.

use super::AdapterError;
use serde_json::{Map, Value};
use std::path::Path;

/// Where in which file a value sits, for error messages.
pub(crate) struct At<'a> {
    pub dataset: &'a str,
    pub file: &'a Path,
}

impl At<'_> {
    pub fn malformed(&self, json_path: &str, expected: &str, found: &Value) -> AdapterError {
        AdapterError::MalformedJson {
            dataset: self.dataset.to_string(),
            file: self.file.to_path_buf(),
            json_path: json_path.to_string(),
            expected: expected.to_string(),
            found: describe(found),
        }
    }

    pub fn object<'v>(
        &self,
        value: &'v Value,
        json_path: &str,
        expected: &str,
    ) -> Result<&'v Map<String, Value>, AdapterError> {
        value
            .as_object()
            .ok_or_else(|| self.malformed(json_path, expected, value))
    }

    pub fn key<'v>(
        &self,
        object: &'v Map<String, Value>,
        key: &str,
        json_path: &str,
        what: &str,
    ) -> Result<&'v Value, AdapterError> {
        object.get(key).ok_or_else(|| AdapterError::MalformedJson {
            dataset: self.dataset.to_string(),
            file: self.file.to_path_buf(),
            json_path: json_path.to_string(),
            expected: format!("key \"{key}\" ({what})"),
            found: format!("keys {}", key_list(object)),
        })
    }
}

pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(_) => "a boolean".to_string(),
        Value::Number(n) => format!("the number {n}"),
        // Not quoted: this error may go to a remote client, which must not learn what the
        // coordinator's files hold.
        Value::String(s) => format!("a string of {} character(s)", s.chars().count()),
        Value::Array(items) => format!("a list of {} item(s)", items.len()),
        Value::Object(map) => format!("an object with keys {}", key_list(map)),
    }
}

pub(crate) fn key_list(map: &Map<String, Value>) -> String {
    let keys: Vec<String> = map.keys().take(8).map(|k| format!("\"{k}\"")).collect();
    let more = if map.len() > 8 { ", …" } else { "" };
    format!("[{}{more}]", keys.join(", "))
}
