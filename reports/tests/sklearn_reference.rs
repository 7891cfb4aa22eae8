//! Compares the metrics with scikit-learn (DeepfakeBench `get_test_metrics` formulas) on 1,000
//! random cases: sizes 2..10,000, heavy ties, constant scores, single-class cases. AUC, AP, EER,
//! interpolated EER, ACC, real/fake accuracy and TPR@FPR 1%/5% must agree to 1e-9; the DeLong
//! variance and paired test (fast Sun & Xu algorithm) must agree to 1e-6 with a straightforward
//! O(n·m) DeLong written in numpy in the script below.
//!
//! Python: `$DFBENCH_PYTHON` if set, else `python3`. Without scikit-learn the test prints
//! "SKIPPED: scikit-learn not found" and passes, unless `DFBENCH_REQUIRE_PYTHON_REFS=1`.

use std::io::Write;
use std::process::Command;

use dfbench_reports::metrics::delong::{delong_auc_variance, delong_paired_test};
use dfbench_reports::{MetricValue, frame_metrics};
use serde_json::{Value, json};

const SCRIPT: &str = r#"
import json, math, sys
import numpy as np
from sklearn import metrics
cases = json.load(open(sys.argv[1]))

def delong_slow(y, scores):
    """O(n*m) DeLong: structural components from the full comparison matrix."""
    comps = []
    for s in scores:
        x, z = s[y == 1], s[y == 0]
        psi = (x[:, None] > z[None, :]) + 0.5 * (x[:, None] == z[None, :])
        comps.append((psi.mean(), psi.mean(axis=1), psi.mean(axis=0)))
    m, n = int((y == 1).sum()), int((y == 0).sum())
    def cov(a, b):
        return float(np.cov(a[1], b[1], ddof=1)[0, 1] / m + np.cov(a[2], b[2], ddof=1)[0, 1] / n)
    out = {"auc_a": float(comps[0][0]), "var_a": cov(comps[0], comps[0])}
    if len(comps) == 2:
        va, vb, c = out["var_a"], cov(comps[1], comps[1]), cov(comps[0], comps[1])
        diff = comps[0][0] - comps[1][0]
        vd = va + vb - 2 * c
        z = diff / math.sqrt(vd) if vd > 1e-300 else None
        p = math.erfc(abs(z) / math.sqrt(2)) if z is not None else (1.0 if diff == 0 else None)
        out.update({"auc_b": float(comps[1][0]), "var_b": vb, "cov": c, "z": z, "p": p})
    return out

out = []
for case in cases:
    s = np.asarray(case["scores"], dtype=np.float64)
    y = np.asarray(case["labels"], dtype=np.int64)
    pred = (s > 0.5).astype(int)
    r = {"acc": float(metrics.accuracy_score(y, pred))}
    r["real_acc"] = float(metrics.accuracy_score(y[y == 0], pred[y == 0])) if (y == 0).any() else None
    r["fake_acc"] = float(metrics.recall_score(y, pred)) if (y == 1).any() else None
    if len(set(y.tolist())) < 2:
        out.append(r)
        continue
    fpr, tpr, _ = metrics.roc_curve(y, s, pos_label=1)
    r["auc"] = float(metrics.roc_auc_score(y, s))
    r["trap_auc"] = float(metrics.auc(fpr, tpr))
    r["ap"] = float(metrics.average_precision_score(y, s))
    r["eer"] = float(fpr[np.nanargmin(np.absolute((1 - tpr) - fpr))])
    full_fpr, full_tpr, _ = metrics.roc_curve(y, s, pos_label=1, drop_intermediate=False)
    gap = 1 - full_tpr - full_fpr
    i = int(np.argmax(gap <= 0))
    r["eer_interp"] = float(full_fpr[i - 1] + gap[i - 1] / (gap[i - 1] - gap[i]) * (full_fpr[i] - full_fpr[i - 1]))
    for level in (0.01, 0.05):
        r[f"tpr@{level}"] = float(full_tpr[full_fpr <= level].max())
    if "scores_b" in case:
        r["delong"] = delong_slow(y, [s, np.asarray(case["scores_b"], dtype=np.float64)])
    out.append(r)
json.dump(out, open(sys.argv[2], "w"))
"#;

/// SplitMix64: small, deterministic, good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One generated case; `scores_b` (a second detector on the same samples) for DeLong cases.
struct Case {
    scores: Vec<f64>,
    labels: Vec<bool>,
    scores_b: Option<Vec<f64>>,
}

fn make_scores(rng: &mut Rng, labels: &[bool], i: usize) -> Vec<f64> {
    let separation = rng.unit() * 2.0 - 0.5; // some detectors worse than chance
    let decimals = rng.below(5) as i32; // 0 → scores in {0, 1}: extreme ties
    let scale = 10f64.powi(decimals);
    if i % 13 == 5 {
        return vec![(rng.unit() * scale).round() / scale; labels.len()]; // constant scores
    }
    labels
        .iter()
        .map(|&fake| {
            let raw = (rng.unit() + if fake { separation } else { 0.0 }) / (1.0 + separation.abs());
            let clipped = raw.clamp(0.0, 1.0);
            if i % 7 == 3 {
                clipped
            } else {
                (clipped * scale).round() / scale
            }
        })
        .collect()
}

fn make_cases() -> Vec<Case> {
    let mut rng = Rng(0x5EED_DFBE_0001);
    let mut cases = Vec::new();
    for i in 0..1000 {
        let n = match i % 5 {
            0 => 2 + rng.below(9),
            1 => 10 + rng.below(90),
            2 => 100 + rng.below(900),
            3 => 1000 + rng.below(2001),
            _ => 2 + rng.below(9999),
        } as usize;
        let p_fake = match i % 10 {
            0 => 1.0, // single class: only fake
            1 => 0.0, // single class: only real
            _ => 0.05 + 0.9 * rng.unit(),
        };
        let labels: Vec<bool> = (0..n).map(|_| rng.unit() < p_fake).collect();
        let scores = make_scores(&mut rng, &labels, i);
        let fakes = labels.iter().filter(|&&l| l).count();
        let delong = n <= 3000 && fakes >= 2 && n - fakes >= 2 && i % 3 == 0;
        let scores_b = delong.then(|| make_scores(&mut rng, &labels, i + 1));
        cases.push(Case {
            scores,
            labels,
            scores_b,
        });
    }
    cases
}

fn python() -> Option<String> {
    let py = std::env::var("DFBENCH_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let ok = Command::new(&py)
        .args(["-c", "import sklearn, numpy"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    ok.then_some(py)
}

fn check(name: &str, case: usize, ours: &MetricValue, theirs: &Value) {
    match (ours, theirs.as_f64()) {
        (MetricValue::Value(a), Some(b)) => {
            assert!(
                (a - b).abs() <= 1e-9,
                "case {case}: {name} ours {a} sklearn {b}"
            )
        }
        (MetricValue::Undefined(_), None) => {}
        (a, b) => panic!("case {case}: {name} ours {a:?} sklearn {b:?}"),
    }
}

#[test]
fn metrics_match_scikit_learn() {
    let Some(py) = python() else {
        let required = std::env::var("DFBENCH_REQUIRE_PYTHON_REFS").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "DFBENCH_REQUIRE_PYTHON_REFS=1 but no python with scikit-learn: set DFBENCH_PYTHON"
        );
        // Straight to stderr: libtest captures print!/eprint! of passing tests.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: scikit-learn not found (set DFBENCH_PYTHON to a python that has it)"
        );
        return;
    };
    let cases = make_cases();
    let tmp = tempfile::tempdir().expect("tempdir");
    let (input, output) = (tmp.path().join("cases.json"), tmp.path().join("refs.json"));
    let json_cases: Vec<Value> = cases
        .iter()
        .map(|c| {
            let labels: Vec<i64> = c.labels.iter().map(|&f| i64::from(f)).collect();
            let mut case = json!({ "scores": c.scores, "labels": labels });
            if let Some(b) = &c.scores_b {
                case["scores_b"] = json!(b);
            }
            case
        })
        .collect();
    std::fs::write(&input, serde_json::to_vec(&json_cases).expect("json")).expect("write cases");
    let run = Command::new(&py)
        .arg("-c")
        .arg(SCRIPT)
        .arg(&input)
        .arg(&output)
        .output()
        .expect("run python");
    assert!(
        run.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let refs: Vec<Value> =
        serde_json::from_slice(&std::fs::read(&output).expect("read refs")).expect("parse refs");
    assert_eq!(refs.len(), cases.len());
    let (mut single_class, mut delong_cases) = (0, 0);
    for (i, (c, r)) in cases.iter().zip(&refs).enumerate() {
        let m = frame_metrics(&c.scores, &c.labels);
        check("auc", i, &m.auc, &r["auc"]);
        check("trapezoid auc", i, &m.auc, &r["trap_auc"]);
        check("ap", i, &m.ap, &r["ap"]);
        check("eer", i, &m.eer, &r["eer"]);
        check("eer_interp", i, &m.eer_interp, &r["eer_interp"]);
        check("acc", i, &m.acc, &r["acc"]);
        check("real_acc", i, &m.real_acc, &r["real_acc"]);
        check("fake_acc", i, &m.fake_acc, &r["fake_acc"]);
        check("tpr@fpr=0.01", i, &m.tpr_at_fpr[0], &r["tpr@0.01"]);
        check("tpr@fpr=0.05", i, &m.tpr_at_fpr[1], &r["tpr@0.05"]);
        single_class += usize::from(r["auc"].is_null());
        if let Some(b) = &c.scores_b {
            check_delong(i, &c.scores, b, &c.labels, &r["delong"]);
            delong_cases += 1;
        }
    }
    assert!(
        single_class >= 150,
        "expected single-class cases, got {single_class}"
    );
    assert!(
        delong_cases >= 100,
        "expected DeLong cases, got {delong_cases}"
    );
    println!(
        "compared {} cases with scikit-learn ({single_class} single-class, {delong_cases} DeLong)",
        cases.len()
    );
}

fn close(name: &str, case: usize, ours: f64, theirs: &Value, tolerance: f64) {
    let theirs = theirs
        .as_f64()
        .unwrap_or_else(|| panic!("case {case}: no reference {name}"));
    assert!(
        (ours - theirs).abs() <= tolerance,
        "case {case}: {name} ours {ours} reference {theirs}"
    );
}

fn check_delong(case: usize, a: &[f64], b: &[f64], labels: &[bool], r: &Value) {
    let single = delong_auc_variance(a, labels).expect("DeLong defined");
    close("delong auc", case, single.auc, &r["auc_a"], 1e-9);
    close("delong variance", case, single.variance, &r["var_a"], 1e-6);
    match delong_paired_test(a, b, labels) {
        Ok(t) => {
            close("paired var_b", case, t.variance_b, &r["var_b"], 1e-6);
            close("paired covariance", case, t.covariance, &r["cov"], 1e-6);
            close("paired p", case, t.p_value, &r["p"], 1e-6);
            let Some(z) = t.z else {
                assert!(r["z"].is_null(), "case {case}: ours z undefined");
                return;
            };
            let reference_z = r["z"].as_f64().expect("reference z");
            assert!(
                (z - reference_z).abs() <= 1e-6 * reference_z.abs().max(1.0),
                "case {case}: z ours {z} reference {reference_z}"
            );
        }
        Err(reason) => assert!(r["z"].is_null(), "case {case}: ours undefined ({reason})"),
    }
}
