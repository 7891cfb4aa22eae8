//! Renderers of the report model (CSV, Markdown, HTML) and the leaderboard view they share.

pub mod csv;
pub mod html;
pub mod markdown;

use std::collections::{BTreeMap, BTreeSet};

use crate::metrics::MetricValue;
use crate::report::{Report, SLICE_ALL, rank_order};

/// One detector's line in a leaderboard.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardEntry {
    pub detector: String,
    pub auc: MetricValue,
    pub ap: MetricValue,
    pub eer: MetricValue,
    pub acc: MetricValue,
    pub n_real: u64,
    pub n_fake: u64,
    pub failed: u64,
    /// AUC per subset name.
    pub subset_auc: BTreeMap<String, MetricValue>,
}

/// The leaderboard of one dataset × perturbation, detectors ranked by AUC (descending;
/// undefined last; ties by detector name).
#[derive(Debug, Clone, PartialEq)]
pub struct Board {
    pub dataset: String,
    pub perturbation: String,
    pub entries: Vec<BoardEntry>,
    /// All subset names seen in this dataset × perturbation, sorted.
    pub subsets: Vec<String>,
}

fn undefined() -> MetricValue {
    MetricValue::Undefined("no samples".to_string())
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
            .or_insert_with(|| BoardEntry {
                detector: row.detector.clone(),
                auc: undefined(),
                ap: undefined(),
                eer: undefined(),
                acc: undefined(),
                n_real: 0,
                n_fake: 0,
                failed: 0,
                subset_auc: BTreeMap::new(),
            });
        if row.slice == SLICE_ALL {
            entry.n_real = row.n_real;
            entry.n_fake = row.n_fake;
            let slot = match row.metric.as_str() {
                "auc" => &mut entry.auc,
                "ap" => &mut entry.ap,
                "eer" => &mut entry.eer,
                "acc" => &mut entry.acc,
                _ => continue,
            };
            *slot = row.metric_value();
        } else if let Some(subset) = row.slice.strip_prefix("subset=")
            && row.metric == "auc"
        {
            entry
                .subset_auc
                .insert(subset.to_string(), row.metric_value());
        }
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
            Board {
                dataset,
                perturbation,
                entries,
                subsets: subsets.into_iter().collect(),
            }
        })
        .collect()
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
