//! The existing pages of a run, copied beside its site page: its report folder
//! (`<reports>/<run-id>/`) and the `compare` folders that judged it
//! (`<reports>/compare-<baseline>-vs-<run-id>/`).

use anyhow::Context;
use std::path::{Path, PathBuf};

/// Files to write (site-relative) and the links the run page shows.
#[derive(Debug, Default)]
pub struct RunPages {
    pub files: Vec<(PathBuf, Vec<u8>)>,
    /// (label, path relative to `runs/`).
    pub links: Vec<(String, String)>,
}

pub fn run_pages(reports: &[PathBuf], run_id: &str) -> anyhow::Result<RunPages> {
    let mut pages = RunPages::default();
    for root in reports {
        let report = root.join(run_id);
        if report.join("index.html").is_file() && pages.links.is_empty() {
            let target = PathBuf::from("runs").join(run_id).join("report");
            collect(&report, &target, &mut pages.files)?;
            pages
                .links
                .push(("report".into(), format!("{run_id}/report/index.html")));
        }
        let Ok(entries) = std::fs::read_dir(root) else {
            continue;
        };
        let suffix = format!("-vs-{run_id}");
        let mut compares: Vec<String> = entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.starts_with("compare-") && n.ends_with(&suffix))
            .collect();
        compares.sort();
        for name in compares {
            let folder = root.join(&name);
            if !folder.join("compare.html").is_file() {
                continue;
            }
            let target = PathBuf::from("runs").join(run_id).join(&name);
            collect(&folder, &target, &mut pages.files)?;
            let baseline = &name["compare-".len()..name.len() - suffix.len()];
            pages.links.push((
                format!("compared with {baseline}"),
                format!("{run_id}/{name}/compare.html"),
            ));
        }
    }
    Ok(pages)
}

/// Every plain file under `from` (recursively), as `to/<relative path>`.
fn collect(from: &Path, to: &Path, files: &mut Vec<(PathBuf, Vec<u8>)>) -> anyhow::Result<()> {
    let entries =
        std::fs::read_dir(from).with_context(|| format!("cannot list {}", from.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list {}", from.display()))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .with_context(|| format!("cannot read {}", path.display()))?;
        if kind.is_dir() {
            collect(&path, &to.join(entry.file_name()), files)?;
        } else if kind.is_file() {
            let bytes =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            files.push((to.join(entry.file_name()), bytes));
        }
    }
    Ok(())
}
