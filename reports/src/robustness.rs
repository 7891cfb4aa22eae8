//! Robustness: how AUC moves under test-time perturbations (curves per dataset × family, and a
//! table per detector), computed from the metric rows (frame level, slice `all`, metric `auc`).
//!
//! Perturbation ids ([`parse`]): `none` (clean); one step `family:param=value` or
//! `family:value` with exactly one numeric level (`jpeg:q=75`, `blur:sigma=2`, `rescale:0.5`);
//! a chain joined with `+` (`jpeg:q=75+rescale:0.5`) is a family of its own without a level.
//! Anything else is tolerated: it becomes a family of its own (the whole id), without a level.
//!
//! Levels are ordered clean → harsh ([`harsh_order`]): descending for quality-like parameters
//! (JPEG / WebP `q`, `quality`) and for scale factors (`rescale*`, `resize*`, `scale*`: 1 is
//! clean), ascending for everything else (blur and noise σ grow harsher).
//!
//! The table averages over datasets: per detector, the clean AUC is the mean over datasets of
//! the `none` AUC; a perturbation's AUC is the mean over the datasets where it is defined; a
//! family's mean is the mean of its perturbations' AUCs (each level weighs the same); the worst
//! case is the perturbation with the lowest such AUC (ties: the first id by name).

pub mod chart;
pub mod render;

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use crate::report::{BASELINE_PERTURBATION, LEVEL_FRAME, MetricRow, SLICE_ALL};

/// A parsed perturbation id.
#[derive(Debug, Clone, PartialEq)]
pub struct PerturbationId {
    /// `jpeg`, `blur`, …; a chain or an unrecognised id is its own family (the whole id).
    pub family: String,
    /// Parameter name of a `family:param=value` step (`q`, `sigma`), if any.
    pub param: Option<String>,
    /// The numeric level, if the id has exactly one.
    pub level: Option<f64>,
}

/// Parses a perturbation id; `None` for the clean id `none`.
pub fn parse(id: &str) -> Option<PerturbationId> {
    if id == BASELINE_PERTURBATION {
        return None;
    }
    let opaque = || PerturbationId {
        family: id.to_string(),
        param: None,
        level: None,
    };
    if id.contains('+') {
        return Some(opaque());
    }
    let Some((family, rest)) = id.split_once(':') else {
        return Some(opaque());
    };
    let (param, value) = match rest.split_once('=') {
        Some((p, v)) => (Some(p), v),
        None => (None, rest),
    };
    let name_ok = |s: &str| !s.is_empty() && !s.contains([':', '=', ',']);
    let level = value.parse::<f64>().ok().filter(|v| v.is_finite());
    match level {
        Some(level) if name_ok(family) && param.is_none_or(name_ok) => Some(PerturbationId {
            family: family.to_string(),
            param: param.map(str::to_string),
            level: Some(level),
        }),
        _ => Some(opaque()),
    }
}

/// Whether a family's levels get harsher as they decrease (quality, scale factor).
pub fn descending(family: &str, param: Option<&str>) -> bool {
    matches!(param, Some("q" | "quality"))
        || ["jpeg", "webp", "rescale", "resize", "scale"]
            .iter()
            .any(|p| family.starts_with(p))
}

/// Order of two levels of one family, clean first.
pub fn harsh_order(family: &str, param: Option<&str>, a: f64, b: f64) -> Ordering {
    if descending(family, param) {
        b.total_cmp(&a)
    } else {
        a.total_cmp(&b)
    }
}

/// One detector's line of the robustness table (means over datasets).
#[derive(Debug, Clone, PartialEq)]
pub struct RobustnessRow {
    pub detector: String,
    /// Mean AUC without perturbation, if the run has `none`.
    pub clean: Option<f64>,
    /// Mean AUC per family (keys as in [`Robustness::families`]).
    pub family_mean: BTreeMap<String, f64>,
    /// The lowest perturbation AUC and its id.
    pub worst: Option<(f64, String)>,
}

/// One detector's curve: `(position, AUC)` where position 0 is the clean point and position `i`
/// is the tick `ticks[i]` of its [`RobustnessCurve`].
#[derive(Debug, Clone, PartialEq)]
pub struct CurveSeries {
    pub detector: String,
    pub points: Vec<(usize, f64)>,
}

/// AUC vs level of one family on one dataset, levels ordered clean → harsh.
#[derive(Debug, Clone, PartialEq)]
pub struct RobustnessCurve {
    pub dataset: String,
    pub family: String,
    /// Axis title, e.g. `jpeg q` or `rescale`.
    pub axis: String,
    /// Tick labels by position: `none`, then the levels (`100`, `75`, …).
    pub ticks: Vec<String>,
    pub series: Vec<CurveSeries>,
}

/// Everything the robustness section shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Robustness {
    /// Families in table order (by name).
    pub families: Vec<String>,
    pub rows: Vec<RobustnessRow>,
    /// Sorted by dataset, then family.
    pub curves: Vec<RobustnessCurve>,
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// (detector, dataset, perturbation) → AUC, from the frame-level `all` rows.
type Aucs<'a> = BTreeMap<(&'a str, &'a str, &'a str), f64>;

fn frame_aucs(rows: &[MetricRow]) -> Aucs<'_> {
    rows.iter()
        .filter(|r| r.level == LEVEL_FRAME && r.slice == SLICE_ALL && r.metric == "auc")
        .filter_map(|r| {
            let key = (
                r.detector.as_str(),
                r.dataset.as_str(),
                r.perturbation.as_str(),
            );
            r.value.map(|v| (key, v))
        })
        .collect()
}

fn table(aucs: &Aucs<'_>, ids: &BTreeMap<&str, PerturbationId>) -> Vec<RobustnessRow> {
    let detectors: BTreeSet<&str> = aucs.keys().map(|k| k.0).collect();
    let per_perturbation = |detector: &str, perturbation: &str| {
        let values: Vec<f64> = aucs
            .iter()
            .filter(|(k, _)| k.0 == detector && k.2 == perturbation)
            .map(|(_, &v)| v)
            .collect();
        mean(&values)
    };
    detectors
        .into_iter()
        .map(|detector| {
            let mut by_family: BTreeMap<String, Vec<f64>> = BTreeMap::new();
            let mut worst: Option<(f64, String)> = None;
            for (id, parsed) in ids {
                let Some(auc) = per_perturbation(detector, id) else {
                    continue;
                };
                by_family
                    .entry(parsed.family.clone())
                    .or_default()
                    .push(auc);
                if worst.as_ref().is_none_or(|(w, _)| auc < *w) {
                    worst = Some((auc, id.to_string()));
                }
            }
            RobustnessRow {
                detector: detector.to_string(),
                clean: per_perturbation(detector, BASELINE_PERTURBATION),
                family_mean: by_family
                    .into_iter()
                    .filter_map(|(f, v)| mean(&v).map(|m| (f, m)))
                    .collect(),
                worst,
            }
        })
        .collect()
}

/// A family's parameter name and its `(level, perturbation id)` steps.
type Steps<'a> = (Option<&'a str>, Vec<(f64, &'a str)>);

fn curves(aucs: &Aucs<'_>, ids: &BTreeMap<&str, PerturbationId>) -> Vec<RobustnessCurve> {
    // family → (param, levels ordered clean → harsh, with their ids).
    let mut families: BTreeMap<&str, Steps<'_>> = BTreeMap::new();
    for (id, p) in ids {
        if let Some(level) = p.level {
            let entry = families.entry(&p.family).or_default();
            entry.0 = entry.0.or(p.param.as_deref());
            entry.1.push((level, id));
        }
    }
    let datasets: BTreeSet<&str> = aucs.keys().map(|k| k.1).collect();
    let detectors: BTreeSet<&str> = aucs.keys().map(|k| k.0).collect();
    let mut out = Vec::new();
    for dataset in datasets {
        for (family, (param, levels)) in &mut families {
            levels.sort_by(|a, b| harsh_order(family, *param, a.0, b.0).then(a.1.cmp(b.1)));
            let mut steps = vec![BASELINE_PERTURBATION];
            steps.extend(levels.iter().map(|l| l.1));
            let series: Vec<CurveSeries> = detectors
                .iter()
                .map(|&detector| CurveSeries {
                    detector: detector.to_string(),
                    points: (steps.iter().enumerate())
                        .filter_map(|(i, id)| aucs.get(&(detector, dataset, *id)).map(|&v| (i, v)))
                        .collect(),
                })
                .filter(|s| s.points.iter().any(|p| p.0 > 0))
                .collect();
            if series.is_empty() {
                continue;
            }
            let mut ticks = vec![BASELINE_PERTURBATION.to_string()];
            ticks.extend(levels.iter().map(|l| format!("{}", l.0)));
            out.push(RobustnessCurve {
                dataset: dataset.to_string(),
                family: family.to_string(),
                axis: param.map_or(family.to_string(), |p| format!("{family} {p}")),
                ticks,
                series,
            });
        }
    }
    out
}

/// The robustness view of a report; `None` when no row has a perturbation other than `none`.
pub fn robustness(rows: &[MetricRow]) -> Option<Robustness> {
    let ids: BTreeMap<&str, PerturbationId> = rows
        .iter()
        .filter_map(|r| parse(&r.perturbation).map(|p| (r.perturbation.as_str(), p)))
        .collect();
    if ids.is_empty() {
        return None;
    }
    let aucs = frame_aucs(rows);
    let families: BTreeSet<String> = ids.values().map(|p| p.family.clone()).collect();
    Some(Robustness {
        families: families.into_iter().collect(),
        rows: table(&aucs, &ids),
        curves: curves(&aucs, &ids),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(family: &str, param: Option<&str>, level: Option<f64>) -> Option<PerturbationId> {
        Some(PerturbationId {
            family: family.into(),
            param: param.map(str::to_string),
            level,
        })
    }

    #[test]
    fn parses_steps_chains_and_unknown_shapes() {
        assert_eq!(parse("none"), None);
        assert_eq!(parse("jpeg:q=75"), id("jpeg", Some("q"), Some(75.0)));
        assert_eq!(parse("blur:sigma=2"), id("blur", Some("sigma"), Some(2.0)));
        assert_eq!(parse("rescale:0.5"), id("rescale", None, Some(0.5)));
        assert_eq!(
            parse("rescale-down:0.5"),
            id("rescale-down", None, Some(0.5))
        );
        assert_eq!(
            parse("noise:sigma=5"),
            id("noise", Some("sigma"), Some(5.0))
        );
        let chain = "jpeg:q=75+rescale:0.5";
        assert_eq!(parse(chain), id(chain, None, None));
        for odd in [
            "grayscale",
            "jpeg:q=high",
            "jpeg:q=75,s=2",
            "crop:",
            ":5",
            "x:a=NaN",
        ] {
            assert_eq!(parse(odd), id(odd, None, None), "{odd}");
        }
    }

    #[test]
    fn levels_read_clean_to_harsh() {
        let sorted = |family: &str, param: Option<&str>, mut v: Vec<f64>| {
            v.sort_by(|a, b| harsh_order(family, param, *a, *b));
            v
        };
        assert_eq!(
            sorted("jpeg", Some("q"), vec![30.0, 100.0, 75.0]),
            [100.0, 75.0, 30.0]
        );
        assert_eq!(
            sorted("blur", Some("sigma"), vec![3.0, 1.0, 2.0]),
            [1.0, 2.0, 3.0]
        );
        assert_eq!(sorted("noise", Some("sigma"), vec![10.0, 5.0]), [5.0, 10.0]);
        assert_eq!(
            sorted("rescale", None, vec![0.25, 0.5, 0.75]),
            [0.75, 0.5, 0.25]
        );
        assert_eq!(sorted("rescale-down", None, vec![0.5, 0.9]), [0.9, 0.5]);
    }
}
