//! Compares the metrics with scikit-learn (DeepfakeBench `get_test_metrics` formulas) on ~200
//! random cases: sizes 2..2000, heavy ties, some single-class.
//!
//! Python: `$DFBENCH_PYTHON` if set, else `python3`. Without scikit-learn the test prints
//! "SKIPPED: scikit-learn not found" and passes, unless `DFBENCH_REQUIRE_PYTHON_REFS=1`.

use std::io::Write;
use std::process::Command;

use dfbench_reports::{MetricValue, frame_metrics};
use serde_json::{Value, json};

const SCRIPT: &str = r#"
import json, sys
import numpy as np
from sklearn import metrics
cases = json.load(open(sys.argv[1]))
out = []
for case in cases:
    s = np.asarray(case["scores"], dtype=np.float64)
    y = np.asarray(case["labels"], dtype=np.int64)
    acc = float(((s > 0.5).astype(int) == y).sum() / len(s))
    if len(set(y.tolist())) < 2:
        out.append({"auc": None, "ap": None, "eer": None, "acc": acc})
        continue
    fpr, tpr, _ = metrics.roc_curve(y, s, pos_label=1)
    eer = float(fpr[np.nanargmin(np.absolute((1 - tpr) - fpr))])
    out.append({
        "auc": float(metrics.roc_auc_score(y, s)),
        "trap_auc": float(metrics.auc(fpr, tpr)),
        "ap": float(metrics.average_precision_score(y, s)),
        "eer": eer,
        "acc": acc,
    })
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

fn make_cases() -> Vec<(Vec<f64>, Vec<bool>)> {
    let mut rng = Rng(0x5EED_DFBE_0001);
    let mut cases = Vec::new();
    for i in 0..200 {
        let n = match i % 4 {
            0 => 2 + rng.below(8),
            1 => 10 + rng.below(90),
            2 => 100 + rng.below(400),
            _ => 500 + rng.below(1501),
        } as usize;
        let p_fake = match i % 10 {
            0 => 1.0, // single class: only fake
            1 => 0.0, // single class: only real
            _ => 0.05 + 0.9 * rng.unit(),
        };
        let separation = rng.unit() * 2.0 - 0.5; // some detectors worse than chance
        let decimals = rng.below(5) as i32; // 0 → scores in {0, 1}: extreme ties
        let scale = 10f64.powi(decimals);
        let mut scores = Vec::with_capacity(n);
        let mut labels = Vec::with_capacity(n);
        for _ in 0..n {
            let fake = rng.unit() < p_fake;
            let raw = (rng.unit() + if fake { separation } else { 0.0 }) / (1.0 + separation.abs());
            let clipped = raw.clamp(0.0, 1.0);
            scores.push(if i % 7 == 3 {
                clipped
            } else {
                (clipped * scale).round() / scale
            });
            labels.push(fake);
        }
        cases.push((scores, labels));
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
        .map(|(s, l)| json!({ "scores": s, "labels": l.iter().map(|&f| i64::from(f)).collect::<Vec<_>>() }))
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
    let mut single_class = 0;
    for (i, ((scores, labels), r)) in cases.iter().zip(&refs).enumerate() {
        let m = frame_metrics(scores, labels);
        check("auc", i, &m.auc, &r["auc"]);
        check("trapezoid auc", i, &m.auc, &r["trap_auc"]);
        check("ap", i, &m.ap, &r["ap"]);
        check("eer", i, &m.eer, &r["eer"]);
        check("acc", i, &m.acc, &r["acc"]);
        single_class += usize::from(r["auc"].is_null());
    }
    assert!(
        single_class >= 20,
        "expected single-class cases, got {single_class}"
    );
    println!(
        "compared {} cases with scikit-learn ({single_class} single-class)",
        cases.len()
    );
}
