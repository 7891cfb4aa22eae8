//! The robustness section end to end: predictions under `none`, a JPEG grid and a blur grid go
//! through `write_report`; the table's numbers are recomputed here from the raw scores
//! (pairwise AUC, means written out), the curve files must exist and the HTML / Markdown must
//! reference them. A run with only `none` must have no robustness section and no curve file.

use std::collections::BTreeMap;
use std::fs;

use dfbench_reports::{PredictionRecord, RunInfo, write_report};

const DETECTORS: [&str; 2] = ["alpha", "beta"];
const DATASETS: [&str; 2] = ["demo", "other"];
const PERTURBATIONS: [&str; 6] = [
    "none",
    "jpeg:q=30",
    "jpeg:q=90",
    "jpeg:q=50",
    "blur:sigma=3",
    "blur:sigma=1",
];

/// 8 reals and 8 fakes; fakes lose separation as `harm` grows; ties on a 1/20 grid.
fn scores(det: usize, ds: usize, harm: f64) -> Vec<(bool, f64)> {
    let mut state = 17 + det as u64 * 31 + ds as u64 * 7 + (harm * 100.0) as u64;
    (0..16)
        .map(|i| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let noise = (state >> 59) as f64 / 20.0; // 0 … 1.55 in steps of 0.05
            let fake = i % 2 == 1;
            let shift = if fake {
                0.6 - harm + 0.1 * det as f64
            } else {
                0.0
            };
            (fake, ((noise + shift) / 2.0 * 20.0).round() / 20.0)
        })
        .collect()
}

fn harm(perturbation: &str) -> f64 {
    match perturbation {
        "jpeg:q=90" => 0.1,
        "jpeg:q=50" => 0.3,
        "jpeg:q=30" => 0.5,
        "blur:sigma=1" => 0.2,
        "blur:sigma=3" => 0.45,
        _ => 0.0,
    }
}

/// Mann–Whitney AUC over all (real, fake) pairs, ties ½.
fn pairwise_auc(samples: &[(bool, f64)]) -> f64 {
    let reals: Vec<f64> = samples.iter().filter(|s| !s.0).map(|s| s.1).collect();
    let fakes: Vec<f64> = samples.iter().filter(|s| s.0).map(|s| s.1).collect();
    let mut wins = 0.0;
    for f in &fakes {
        for r in &reals {
            wins += if f > r {
                1.0
            } else if f == r {
                0.5
            } else {
                0.0
            };
        }
    }
    wins / (reals.len() * fakes.len()) as f64
}

fn predictions(perturbations: &[&str]) -> Vec<PredictionRecord> {
    let mut out = Vec::new();
    for (d, det) in DETECTORS.iter().enumerate() {
        for (s, ds) in DATASETS.iter().enumerate() {
            for p in perturbations {
                for (i, (fake, score)) in scores(d, s, harm(p)).into_iter().enumerate() {
                    out.push(PredictionRecord {
                        detector: det.to_string(),
                        dataset: ds.to_string(),
                        subset: "test".into(),
                        perturbation: p.to_string(),
                        rel_path: format!("{i:02}.png"),
                        video_key: format!("{ds}/{i:02}"),
                        label: i64::from(fake),
                        method: if fake { "fs" } else { "real" }.into(),
                        score: Some(score),
                        ..Default::default()
                    });
                }
            }
        }
    }
    out
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// `(clean, blur mean, jpeg mean, worst value, worst id)` of a detector, computed by hand.
fn expected(d: usize) -> (f64, f64, f64, f64, &'static str) {
    let over_datasets = |p: &str| mean(&[0, 1].map(|s| pairwise_auc(&scores(d, s, harm(p)))));
    let by_id: BTreeMap<&str, f64> = PERTURBATIONS[1..]
        .iter()
        .map(|&p| (p, over_datasets(p)))
        .collect();
    let blur = mean(&[by_id["blur:sigma=1"], by_id["blur:sigma=3"]]);
    let jpeg = mean(&[by_id["jpeg:q=30"], by_id["jpeg:q=50"], by_id["jpeg:q=90"]]);
    let (worst_id, worst) =
        by_id.iter().fold(
            ("", f64::INFINITY),
            |best, (&id, &v)| if v < best.1 { (id, v) } else { best },
        );
    (over_datasets("none"), blur, jpeg, worst, worst_id)
}

#[test]
fn robustness_table_and_curves() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = RunInfo {
        run_id: "robust-1".into(),
        ..Default::default()
    };
    let files = write_report(&run, &predictions(&PERTURBATIONS), dir.path()).expect("report");
    let html = fs::read_to_string(&files.index_html).expect("index.html");
    let md = fs::read_to_string(&files.leaderboard_md).expect("leaderboard.md");
    for (d, det) in DETECTORS.iter().enumerate() {
        let (clean, blur, jpeg, worst, worst_id) = expected(d);
        let html_row = format!(
            "<tr><td>{det}</td><td class=\"num\">{clean:.4}</td><td class=\"num\">{blur:.4}</td>\
             <td class=\"num\">{jpeg:.4}</td><td class=\"num\">{worst:.4} ({worst_id})</td></tr>"
        );
        assert!(html.contains(&html_row), "missing {html_row}");
        let md_row =
            format!("| {det} | {clean:.4} | {blur:.4} | {jpeg:.4} | {worst:.4} ({worst_id}) |");
        assert!(md.contains(&md_row), "missing {md_row} in\n{md}");
    }
    assert!(html.contains("<th>Clean AUC</th><th>blur (mean)</th><th>jpeg (mean)</th>"));
    for ds in DATASETS {
        for family in ["jpeg", "blur"] {
            let stem = format!("robustness-{ds}-{family}");
            for ext in ["svg", "png"] {
                let path = dir.path().join(format!("{stem}.{ext}"));
                assert!(
                    files.charts.contains(&path),
                    "{} not listed",
                    path.display()
                );
                let bytes = fs::read(&path).expect("curve file");
                assert!(bytes.len() > 1000, "{} too small", path.display());
            }
            assert!(
                html.contains(&format!("<code>{stem}.svg</code>")),
                "{stem} in html"
            );
            assert!(md.contains(&format!("`{stem}.png`")), "{stem} in md");
            let svg = fs::read_to_string(dir.path().join(format!("{stem}.svg"))).expect("svg");
            assert!(html.contains(svg.trim()), "{stem}.svg is inlined");
        }
    }
    // JPEG reads clean → harsh: none, 90, 50, 30 from left to right.
    let jpeg = fs::read_to_string(dir.path().join("robustness-demo-jpeg.svg")).expect("svg");
    let x_of = |label: &str| {
        let at = jpeg
            .find(&format!(">\n{label}\n</text>"))
            .unwrap_or_else(|| panic!("{label}"));
        let tag = &jpeg[jpeg[..at].rfind("<text").expect("text tag")..at];
        let x = tag.split("x=\"").nth(1).and_then(|t| t.split('"').next());
        x.and_then(|x| x.parse::<f64>().ok()).expect("x attribute")
    };
    let xs = ["none", "90", "50", "30"].map(x_of);
    assert!(xs.windows(2).all(|w| w[0] < w[1]), "{xs:?}");
    let png = image::open(dir.path().join("robustness-demo-blur.png")).expect("png decodes");
    assert_eq!((png.width(), png.height()), (800, 600));
}

#[test]
fn only_clean_run_has_no_robustness_section() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files =
        write_report(&RunInfo::default(), &predictions(&["none"]), dir.path()).expect("report");
    let html = fs::read_to_string(&files.index_html).expect("index.html");
    assert!(!html.contains("robustness"), "no robustness section");
    assert!(!files.leaderboard_markdown.contains("Robustness"));
    let names: Vec<String> = fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.starts_with("robustness")),
        "{names:?}"
    );
}
