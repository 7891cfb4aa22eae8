//! The `datasets check` lines on a release's integrity data: the samples it lists as broken
//! (with what decoding them gave) and its published checksums, verified when files are read.

use super::{DatasetCheck, SHOWN};
use std::collections::BTreeMap;
use std::fmt::Write as _;

impl DatasetCheck {
    /// The release's integrity lines: its recorded exclusions (with what decoding them gave)
    /// and its checksums. Nothing for layouts without integrity data.
    pub(super) fn render_integrity(&self, out: &mut String) {
        let integrity = &self.integrity;
        if integrity.is_empty() {
            return;
        }
        let decoded: BTreeMap<&str, &str> = self
            .unreadable
            .iter()
            .map(|(path, why)| (path.as_str(), why.as_str()))
            .collect();
        let _ = writeln!(
            out,
            "  recorded exclusions (listed as broken by the release; kept in the dataset, scored, their failure recorded): {}",
            integrity.exclusions.len()
        );
        for exclusion in integrity.exclusions.iter().take(SHOWN) {
            let outcome = match (self.decoded, decoded.get(exclusion.rel_path.as_str())) {
                (false, _) => String::new(),
                (true, Some(why)) => format!("; decodes as {why}"),
                (true, None) => "; decodes (it will be scored)".to_string(),
            };
            let _ = writeln!(
                out,
                "    {}: {}{outcome}",
                exclusion.rel_path, exclusion.reason
            );
        }
        if integrity.exclusions.len() > SHOWN {
            let _ = writeln!(out, "    … and {} more", integrity.exclusions.len() - SHOWN);
        }
        let verified = if self.decoded {
            format!(
                "{} match, {} do not",
                integrity.checksums.len() - self.checksum_mismatches.len(),
                self.checksum_mismatches.len()
            )
        } else {
            "not verified (files not read)".to_string()
        };
        let _ = writeln!(
            out,
            "  published checksums: {} for files present ({verified}), {} for files not present (archive parts are removed after unzipping)",
            integrity.checksums.len(),
            integrity.checksums_absent
        );
        if !self.checksum_mismatches.is_empty() {
            let _ = writeln!(
                out,
                "  checksum mismatches: {}",
                self.checksum_mismatches.len()
            );
            for mismatch in self.checksum_mismatches.iter().take(SHOWN) {
                let _ = writeln!(out, "    {}", mismatch.render(&self.root));
            }
            if self.checksum_mismatches.len() > SHOWN {
                let _ = writeln!(
                    out,
                    "    … and {} more",
                    self.checksum_mismatches.len() - SHOWN
                );
            }
        }
    }
}
