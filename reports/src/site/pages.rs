//! The detector, dataset and run pages of the site.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::{Entry, Site, SiteRun, Slugs, auc_text, ci_text, frame};
use crate::history::{Trend, trend_svg};
use crate::render::escape_html;

/// A table of cells with the columns the caller names first (`suite`, `dataset` …).
fn cells_table(out: &mut String, entries: &[&Entry], slugs: &Slugs, by_detector: bool) {
    let name_column = if by_detector { "detector" } else { "dataset" };
    let _ = writeln!(
        out,
        "<table><thead><tr><th>suite</th><th>{name_column}</th><th>level</th><th>perturbation</th>\
<th>rank</th><th>AUC</th><th>95% CI</th><th>real</th><th>fake</th><th>failed</th><th>run</th></tr></thead><tbody>"
    );
    for e in entries {
        let link = if by_detector {
            let slug = slugs.detectors.get(&e.detector).map_or("", String::as_str);
            format!(
                "<a href=\"../detectors/{slug}.html\">{}</a>",
                escape_html(&e.detector)
            )
        } else {
            let slug = slugs.datasets.get(&e.dataset).map_or("", String::as_str);
            format!(
                "<a href=\"../datasets/{slug}.html\">{}</a>",
                escape_html(&e.dataset)
            )
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{link}</td><td>{}</td><td>{}</td><td class=\"n\">{}{}</td>\
<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
<td class=\"n\">{}</td><td><a href=\"../runs/{run}.html\">{run}</a></td></tr>",
            escape_html(&e.suite_name),
            escape_html(&e.level),
            escape_html(&e.perturbation),
            e.rank,
            if e.overlaps_next {
                " <span class=\"tie\">≈</span>"
            } else {
                ""
            },
            escape_html(&auc_text(e.auc, e.undefined_reason.as_deref())),
            ci_text(e.ci_low, e.ci_high),
            e.n_real,
            e.n_fake,
            e.failed.map_or("n/a".to_string(), |f| f.to_string()),
            run = escape_html(&e.run_id),
        );
    }
    out.push_str("</tbody></table>\n");
}

/// `detectors/<slug>.html`: card, every cell, robustness (AUC per perturbation), history
/// charts per suite name and dataset (the `dfbench history` chart, this detector's line).
pub(super) fn detector(
    site: &Site,
    slugs: &Slugs,
    name: &str,
) -> Result<String, crate::ReportError> {
    let mut body = String::new();
    let card = site.cards.get(name).cloned().unwrap_or_default();
    let _ = writeln!(
        body,
        "<h2>Card</h2><table><tr><th>fingerprint</th><td><code>{}</code></td></tr>\
<tr><th>checkpoint sha256</th><td><code>{}</code></td></tr><tr><th>preprocessing</th><td><code>{}</code></td></tr></table>",
        escape_html(&card.fingerprint),
        escape_html(
            card.checkpoint_sha256
                .as_deref()
                .unwrap_or("none (built-in or not declared)")
        ),
        escape_html(&card.preprocessing),
    );
    let mine: Vec<&Entry> = site.entries.iter().filter(|e| e.detector == name).collect();
    body.push_str("<h2>Cells</h2>\n");
    cells_table(&mut body, &mine, slugs, false);
    robustness(&mut body, &mine);
    body.push_str("<h2>History</h2>\n");
    let mut sources: BTreeSet<&str> = mine.iter().map(|e| e.run_id.as_str()).collect();
    for history in &site.histories {
        for trend in history.trends.iter().filter(|t| t.charted) {
            let series: Vec<_> = trend
                .series
                .iter()
                .filter(|s| s.detector == name)
                .cloned()
                .collect();
            if series.iter().all(|s| s.points.iter().all(Option::is_none)) {
                continue;
            }
            let mine = Trend {
                series,
                ..trend.clone()
            };
            let svg = trend_svg(&mine, history.runs.len()).map_err(|message| {
                crate::ReportError::Chart {
                    path: format!("detectors/{name}.html").into(),
                    message,
                }
            })?;
            let svg = svg.trim_start_matches(|c| c != '<');
            let svg = svg
                .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
                .unwrap_or(svg);
            let _ = writeln!(
                body,
                "<figure class=\"history\"><figcaption>{} · {} ({}), {} runs</figcaption>{svg}</figure>",
                escape_html(&history.name),
                escape_html(&trend.dataset),
                escape_html(&trend.perturbation),
                history.runs.len()
            );
            sources.extend(history.runs.iter().map(|r| r.run_id.as_str()));
        }
    }
    body.push_str("<h2>Source runs</h2><ul>\n");
    for run in sources {
        let run = escape_html(run);
        let _ = writeln!(body, "<li><a href=\"../runs/{run}.html\">{run}</a></li>");
    }
    body.push_str("</ul>\n");
    Ok(frame(&format!("Detector {name}"), "../", &body, ""))
}

/// AUC per dataset (rows) × perturbation (columns), per suite name and level.
fn robustness(out: &mut String, mine: &[&Entry]) {
    let perturbations: BTreeSet<&str> = mine.iter().map(|e| e.perturbation.as_str()).collect();
    if perturbations.len() < 2 {
        return;
    }
    out.push_str(
        "<h2>Robustness</h2>\n<table><thead><tr><th>suite</th><th>dataset</th><th>level</th>",
    );
    for p in &perturbations {
        let _ = write!(out, "<th>{}</th>", escape_html(p));
    }
    out.push_str("</tr></thead><tbody>\n");
    let rows: BTreeSet<(&str, &str, &str)> = mine
        .iter()
        .map(|e| (e.suite_name.as_str(), e.dataset.as_str(), e.level.as_str()))
        .collect();
    for (suite, dataset, level) in rows {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td>",
            escape_html(suite),
            escape_html(dataset),
            escape_html(level)
        );
        for p in &perturbations {
            let cell = mine.iter().find(|e| {
                e.suite_name == suite
                    && e.dataset == dataset
                    && e.level == level
                    && e.perturbation == *p
            });
            let text = cell.map_or(String::new(), |e| auc_text(e.auc, None));
            let _ = write!(out, "<td class=\"n\">{text}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
}

/// `datasets/<slug>.html`: layout, fingerprint, counts per slice, detectors ranked.
pub(super) fn dataset(site: &Site, slugs: &Slugs, name: &str) -> String {
    let mut body = String::new();
    let summary = site.datasets.get(name).cloned().unwrap_or_default();
    let _ = writeln!(
        body,
        "<table><tr><th>layout</th><td>{}</td></tr><tr><th>fingerprint</th><td><code>{}</code></td></tr>\
<tr><th>samples</th><td>{}</td></tr></table>",
        escape_html(&summary.layout),
        escape_html(&summary.fingerprint),
        summary.samples
    );
    if !summary.counts.is_empty() {
        body.push_str("<h2>Counts</h2><p>Scored samples per slice (label, method, subset, compression where the layout records it), from the newest leaderboard run.</p>\
<table><thead><tr><th>slice</th><th>real</th><th>fake</th></tr></thead><tbody>\n");
        for (slice, real, fake) in &summary.counts {
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td class=\"n\">{real}</td><td class=\"n\">{fake}</td></tr>",
                escape_html(slice)
            );
        }
        body.push_str("</tbody></table>\n");
    }
    body.push_str("<h2>Detectors ranked</h2>\n");
    let mine: Vec<&Entry> = site.entries.iter().filter(|e| e.dataset == name).collect();
    cells_table(&mut body, &mine, slugs, true);
    frame(&format!("Dataset {name}"), "../", &body, "")
}

/// `runs/<id>.html`: the run's record, its datasets and detectors, links to its report and
/// comparisons copied beside it.
pub(super) fn run(_site: &Site, slugs: &Slugs, run: &SiteRun) -> String {
    let r = &run.run;
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<table><tr><th>name</th><td>{}</td></tr><tr><th>suite</th><td>{} <code>{}</code></td></tr>\
<tr><th>status</th><td>{}{}{}</td></tr><tr><th>created</th><td>{}</td></tr>\
<tr><th>tags</th><td>{}</td></tr><tr><th>dfbench</th><td>{}</td></tr></table>",
        escape_html(&r.name),
        escape_html(&r.suite_name),
        escape_html(&r.suite_hash),
        escape_html(&r.status),
        if run.partial {
            ", partial (never on the leaderboard)"
        } else {
            ""
        },
        if run.promoted { ", promoted" } else { "" },
        escape_html(&r.created_at),
        escape_html(&run.tags.join(", ")),
        escape_html(&r.dfbench_version),
    );
    if !run.links.is_empty() {
        body.push_str("<h2>Pages</h2><ul>\n");
        for (label, path) in &run.links {
            let _ = writeln!(
                body,
                "<li><a href=\"{}\">{}</a></li>",
                escape_html(path),
                escape_html(label)
            );
        }
        body.push_str("</ul>\n");
    }
    let datasets = r
        .datasets
        .iter()
        .map(|d| (&d.name, &d.fingerprint, Some(d.samples)));
    named_table(&mut body, "dataset", &slugs.datasets, datasets);
    let detectors = r.detectors.iter().map(|d| (&d.name, &d.fingerprint, None));
    named_table(&mut body, "detector", &slugs.detectors, detectors);
    frame(&format!("Run {}", r.run_id), "../", &body, "")
}

/// A run's datasets or detectors: name (linked to its page when it has one), fingerprint and,
/// for datasets, the sample count.
fn named_table<'a>(
    out: &mut String,
    kind: &str,
    slugs: &std::collections::BTreeMap<String, String>,
    rows: impl Iterator<Item = (&'a String, &'a String, Option<u64>)>,
) {
    let _ = writeln!(
        out,
        "<h2>{kind}s</h2><table><thead><tr><th>{kind}</th><th>fingerprint</th><th>samples</th></tr></thead><tbody>"
    );
    for (name, fingerprint, samples) in rows {
        let text = escape_html(name);
        let cell = match slugs.get(name) {
            Some(slug) => format!("<a href=\"../{kind}s/{slug}.html\">{text}</a>"),
            None => text,
        };
        let _ = writeln!(
            out,
            "<tr><td>{cell}</td><td><code>{}</code></td><td class=\"n\">{}</td></tr>",
            escape_html(fingerprint),
            samples.map(|s| s.to_string()).unwrap_or_default()
        );
    }
    out.push_str("</tbody></table>\n");
}
