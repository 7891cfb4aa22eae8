//! Renderers of the report model (CSV, JSON, Markdown, HTML) and the per-dataset board view
//! they share.

pub mod csv;
pub mod html;
mod html_sections;
pub mod json;
pub mod markdown;

use std::collections::{BTreeMap, BTreeSet};

use crate::metrics::MetricValue;
use crate::report::{
    LEVEL_CLIP, LEVEL_FRAME, LEVEL_VIDEO, MetricRow, Report, SLICE_ALL, rank_order,
};

/// One detector's line in a dataset's board: frame level for an image detector, clip level for
/// a clip detector (`unit`), and the video level beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardEntry {
    pub detector: String,
    /// What the metrics count: `frame` (images, frames) or `clip`.
    pub unit: &'static str,
    pub auc: MetricValue,
    pub auc_interval: Option<(f64, f64)>,
    pub ap: MetricValue,
    pub eer: MetricValue,
    pub acc: MetricValue,
    pub real_acc: MetricValue,
    pub fake_acc: MetricValue,
    pub tpr_at_fpr_1: MetricValue,
    pub tpr_at_fpr_5: MetricValue,
    /// Video-level AUC, when the dataset has a video level (for a clip detector: made by the
    /// report's clip → video aggregation).
    pub video_auc: Option<MetricValue>,
    pub n_real: u64,
    pub n_fake: u64,
    pub failed: u64,
    /// AUC per subset name.
    pub subset_auc: BTreeMap<String, MetricValue>,
    /// AUC per `method=<m>` and `category=<c>` slice (keys are the slice names).
    pub method_auc: BTreeMap<String, MetricValue>,
}

/// The board of one dataset × perturbation, detectors ranked by AUC (descending;
/// undefined last; ties by detector name).
#[derive(Debug, Clone, PartialEq)]
pub struct Board {
    pub dataset: String,
    pub perturbation: String,
    pub entries: Vec<BoardEntry>,
    /// All subset names seen in this dataset × perturbation, sorted.
    pub subsets: Vec<String>,
    /// `method=<m>` then `category=<c>` slice names seen, sorted within each kind.
    pub methods: Vec<String>,
    pub has_video: bool,
    /// A clip detector is on the board: the table gets a `Unit` column.
    pub has_clips: bool,
}

fn undefined() -> MetricValue {
    MetricValue::Undefined("no samples".to_string())
}

fn new_entry(detector: &str) -> BoardEntry {
    BoardEntry {
        detector: detector.to_string(),
        unit: LEVEL_FRAME,
        auc: undefined(),
        auc_interval: None,
        ap: undefined(),
        eer: undefined(),
        acc: undefined(),
        real_acc: undefined(),
        fake_acc: undefined(),
        tpr_at_fpr_1: undefined(),
        tpr_at_fpr_5: undefined(),
        video_auc: None,
        n_real: 0,
        n_fake: 0,
        failed: 0,
        subset_auc: BTreeMap::new(),
        method_auc: BTreeMap::new(),
    }
}

fn absorb(entry: &mut BoardEntry, row: &MetricRow) {
    if row.level == LEVEL_VIDEO || row.level.starts_with("video-") {
        if row.slice == SLICE_ALL && row.metric == "auc" {
            entry.video_auc = Some(row.metric_value());
        }
        return;
    }
    match row.level.as_str() {
        LEVEL_FRAME => {}
        LEVEL_CLIP => entry.unit = LEVEL_CLIP,
        _ => return,
    }
    if row.slice == SLICE_ALL {
        entry.n_real = row.n_real;
        entry.n_fake = row.n_fake;
        let slot = match row.metric.as_str() {
            "auc" => {
                entry.auc_interval = row.interval();
                &mut entry.auc
            }
            "ap" => &mut entry.ap,
            "eer" => &mut entry.eer,
            "acc" => &mut entry.acc,
            "real_acc" => &mut entry.real_acc,
            "fake_acc" => &mut entry.fake_acc,
            "tpr@fpr=0.01" => &mut entry.tpr_at_fpr_1,
            "tpr@fpr=0.05" => &mut entry.tpr_at_fpr_5,
            _ => return,
        };
        *slot = row.metric_value();
    } else if row.metric == "auc" {
        if let Some(subset) = row.slice.strip_prefix("subset=") {
            entry
                .subset_auc
                .insert(subset.to_string(), row.metric_value());
        } else if row.slice.starts_with("method=") || row.slice.starts_with("category=") {
            entry
                .method_auc
                .insert(row.slice.clone(), row.metric_value());
        }
    }
}

/// Builds one board per dataset × perturbation from the metric rows.
pub fn boards(report: &Report) -> Vec<Board> {
    type Key = (String, String);
    let mut by_key: BTreeMap<Key, BTreeMap<String, BoardEntry>> = BTreeMap::new();
    for row in &report.rows {
        let key = (row.dataset.clone(), row.perturbation.clone());
        let entry = by_key
            .entry(key)
            .or_default()
            .entry(row.detector.clone())
            .or_insert_with(|| new_entry(&row.detector));
        absorb(entry, row);
    }
    by_key
        .into_iter()
        .map(|((dataset, perturbation), entries)| {
            let mut entries: Vec<BoardEntry> = entries.into_values().collect();
            for e in &mut entries {
                let key = (e.detector.clone(), dataset.clone(), perturbation.clone());
                e.failed = report.failed_counts.get(&key).copied().unwrap_or(0);
            }
            entries.sort_by(|a, b| rank_order((&a.auc, &a.detector), (&b.auc, &b.detector)));
            let subsets: BTreeSet<String> = entries
                .iter()
                .flat_map(|e| e.subset_auc.keys().cloned())
                .collect();
            let methods: BTreeSet<String> = entries
                .iter()
                .flat_map(|e| e.method_auc.keys().cloned())
                .collect();
            // `method=` before `category=`: reverse the natural order of the two prefixes.
            let (mut methods, categories): (Vec<String>, Vec<String>) =
                methods.into_iter().partition(|m| m.starts_with("method="));
            methods.extend(categories);
            Board {
                dataset,
                perturbation,
                has_video: entries.iter().any(|e| e.video_auc.is_some()),
                has_clips: entries.iter().any(|e| e.unit == LEVEL_CLIP),
                entries,
                subsets: subsets.into_iter().collect(),
                methods,
            }
        })
        .collect()
}

/// `0.9375 [0.8125, 1.0000]` or the bare value when there is no interval.
pub fn with_interval(value: &MetricValue, interval: Option<(f64, f64)>) -> String {
    match (value, interval) {
        (MetricValue::Value(_), Some((low, high))) => format!("{value} [{low:.4}, {high:.4}]"),
        _ => value.to_string(),
    }
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes text for a Markdown table cell: pipes, angle brackets, line breaks.
pub fn escape_md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(
            escape_html("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(escape_md("a|b\n<c>"), "a\\|b &lt;c&gt;");
    }
}
