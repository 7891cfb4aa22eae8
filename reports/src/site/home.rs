//! The home page: every leaderboard cell in one table, sortable by any column and filterable
//! by dataset family, level and perturbation, by one small inline script (no external file).

use std::collections::BTreeSet;
use std::fmt::Write;

use super::{Site, Slugs, auc_text, ci_text, frame};
use crate::render::escape_html;

/// Sorts on a header click (numbers by `data-v`, else text; a second click reverses) and hides
/// the rows the three filters leave out. `index.html#sort=AUC` opens sorted by that column.
const SCRIPT: &str = r#"<script>
(function(){
var t=document.getElementById('board'),b=t.tBodies[0];
function key(r,i){var c=r.cells[i],v=c.getAttribute('data-v');return v===null?c.textContent:(v===''?-Infinity:parseFloat(v));}
Array.prototype.forEach.call(t.tHead.rows[0].cells,function(th,i){th.addEventListener('click',function(){
var asc=th.getAttribute('data-dir')!=='asc';Array.prototype.forEach.call(t.tHead.rows[0].cells,function(h){h.removeAttribute('data-dir');});
th.setAttribute('data-dir',asc?'asc':'desc');var rows=Array.prototype.slice.call(b.rows);
rows.sort(function(x,y){var a=key(x,i),c=key(y,i);var d=(typeof a==='number'&&typeof c==='number')?a-c:String(a).localeCompare(String(c));return asc?d:-d;});
rows.forEach(function(r){b.appendChild(r);});});});
var f=['family','level','perturbation'].map(function(n){return document.getElementById('f-'+n);});
function apply(){Array.prototype.forEach.call(b.rows,function(r){var ok=f.every(function(s){return s.value===''||r.getAttribute('data-'+s.id.slice(2))===s.value;});r.style.display=ok?'':'none';});}
f.forEach(function(s){s.addEventListener('change',apply);});
var m=/sort=([^&]+)/.exec(location.hash);if(m){Array.prototype.forEach.call(t.tHead.rows[0].cells,function(th){if(th.textContent===decodeURIComponent(m[1]))th.click();});}
})();
</script>
"#;

const COLUMNS: [&str; 12] = [
    "suite",
    "detector",
    "dataset",
    "family",
    "level",
    "perturbation",
    "rank",
    "AUC",
    "95% CI",
    "real",
    "fake",
    "failed",
];

pub(super) fn render(site: &Site, slugs: &Slugs) -> String {
    let mut body = String::new();
    let names: BTreeSet<&str> = site.entries.iter().map(|e| e.suite_name.as_str()).collect();
    let _ = writeln!(
        body,
        "<p>{} cells from the latest good run (else latest done, never a partial run) of each \
suite name: {}. AUC on slice <code>all</code>, 95% interval as stored with the run. \
<span class=\"tie\">≈</span> marks a cell whose interval overlaps the next-ranked one's. \
Click a column to sort.</p>",
        site.entries.len(),
        escape_html(&names.into_iter().collect::<Vec<_>>().join(", "))
    );
    for (id, values) in [
        (
            "family",
            site.entries
                .iter()
                .map(|e| e.family.as_str())
                .collect::<BTreeSet<_>>(),
        ),
        (
            "level",
            site.entries.iter().map(|e| e.level.as_str()).collect(),
        ),
        (
            "perturbation",
            site.entries
                .iter()
                .map(|e| e.perturbation.as_str())
                .collect(),
        ),
    ] {
        let _ = write!(
            body,
            "<label>{id} <select id=\"f-{id}\"><option value=\"\">all</option>"
        );
        for v in values {
            let v = escape_html(v);
            let _ = write!(body, "<option value=\"{v}\">{v}</option>");
        }
        body.push_str("</select></label> ");
    }
    body.push_str("\n<table id=\"board\"><thead><tr>");
    for c in COLUMNS {
        let _ = write!(body, "<th>{c}</th>");
    }
    body.push_str("</tr></thead><tbody>\n");
    for e in &site.entries {
        let (family, level, pert) = (
            escape_html(&e.family),
            escape_html(&e.level),
            escape_html(&e.perturbation),
        );
        let number = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        let tie = if e.overlaps_next {
            " <span class=\"tie\" title=\"interval overlaps the next-ranked cell's\">≈</span>"
        } else {
            ""
        };
        let _ = writeln!(
            body,
            "<tr data-family=\"{family}\" data-level=\"{level}\" data-perturbation=\"{pert}\">\
<td><a href=\"runs/{run}.html\">{suite}</a></td><td><a href=\"detectors/{ds}.html\">{det}</a></td>\
<td><a href=\"datasets/{dss}.html\">{data}</a></td><td>{family}</td><td>{level}</td><td>{pert}</td>\
<td class=\"n\" data-v=\"{rank}\">{rank}{tie}</td><td class=\"n\" data-v=\"{auc_v}\">{auc}</td>\
<td class=\"n\" data-v=\"{low}\">{ci}</td><td class=\"n\" data-v=\"{real}\">{real}</td>\
<td class=\"n\" data-v=\"{fake}\">{fake}</td><td class=\"n\" data-v=\"{failed_v}\">{failed}</td></tr>",
            run = escape_html(&e.run_id),
            suite = escape_html(&e.suite_name),
            ds = slugs.detectors.get(&e.detector).map_or("", String::as_str),
            det = escape_html(&e.detector),
            dss = slugs.datasets.get(&e.dataset).map_or("", String::as_str),
            data = escape_html(&e.dataset),
            rank = e.rank,
            auc_v = number(e.auc),
            auc = escape_html(&auc_text(e.auc, e.undefined_reason.as_deref())),
            low = number(e.ci_low),
            ci = ci_text(e.ci_low, e.ci_high),
            real = e.n_real,
            fake = e.n_fake,
            failed_v = e.failed.map(|f| f.to_string()).unwrap_or_default(),
            failed = e.failed.map_or("n/a".to_string(), |f| f.to_string()),
        );
    }
    body.push_str("</tbody></table>\n<h2>Runs</h2><ul>\n");
    for run in &site.runs {
        let _ = writeln!(
            body,
            "<li><a href=\"runs/{id}.html\">{id}</a> {name} {status}{partial}{board}</li>",
            id = escape_html(&run.run.run_id),
            name = escape_html(&run.run.name),
            status = escape_html(&run.run.status),
            partial = if run.partial { " (partial)" } else { "" },
            board = if run.on_leaderboard {
                " — on the leaderboard"
            } else {
                ""
            },
        );
    }
    body.push_str("</ul>\n");
    frame("Leaderboard", "", &body, SCRIPT)
}
