//! `dfbench bench report`: how fast metrics and reports are, against same-run baselines.
//!
//! 1. AUC + AP + EER over N scores (default 10M, with ties): dfbench's single radix-sorted
//!    pass versus scikit-learn (`roc_auc_score`, `average_precision_score`, `roc_curve` + the
//!    DeepfakeBench EER) on the same arrays, run by `$DFBENCH_PYTHON` (default `python3`).
//!    Without scikit-learn only the Rust figure is printed, with a note.
//! 2. A whole report (metrics with 1000-resample bootstrap intervals, leaderboards, charts,
//!    HTML / Markdown / CSV / JSON, polars exports) for D detectors × S datasets × P
//!    predictions in total (default 20 × 50 × 200,000), into a temporary folder.
//!
//! Figures are printed, never asserted. Build with `--release` for meaningful numbers.

use crate::output::outln;
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::Context;
use dfbench_reports::metrics::bootstrap::Rng;
use dfbench_reports::{PredictionRecord, ReportOptions, RunInfo};

#[derive(Debug, clap::Args)]
pub struct ReportBenchArgs {
    /// Scores in the metric benchmark.
    #[arg(long, default_value_t = 10_000_000)]
    pub scores: usize,
    /// Detectors in the report benchmark.
    #[arg(long, default_value_t = 20)]
    pub detectors: usize,
    /// Datasets in the report benchmark.
    #[arg(long, default_value_t = 50)]
    pub datasets: usize,
    /// Predictions in total in the report benchmark.
    #[arg(long, default_value_t = 200_000)]
    pub predictions: usize,
    /// Python with scikit-learn, whose metrics are the baseline of the figure.
    #[arg(long, env = "DFBENCH_PYTHON", default_value = "python3")]
    pub python: String,
}

const SKLEARN: &str = r#"
import sys, time
import numpy as np
from sklearn import metrics
s = np.fromfile(sys.argv[1], dtype="<f8")
y = np.fromfile(sys.argv[2], dtype=np.uint8).astype(np.int64)
t = time.perf_counter()
auc = metrics.roc_auc_score(y, s)
ap = metrics.average_precision_score(y, s)
fpr, tpr, _ = metrics.roc_curve(y, s, pos_label=1)
eer = fpr[np.nanargmin(np.absolute((1 - tpr) - fpr))]
print(time.perf_counter() - t, auc, ap, eer)
"#;

fn synthetic_scores(n: usize) -> (Vec<f64>, Vec<bool>) {
    let mut rng = Rng::new(42);
    let mut scores = Vec::with_capacity(n);
    let mut labels = Vec::with_capacity(n);
    for _ in 0..n {
        let fake = rng.unit() < 0.4;
        let raw = rng.unit() * 0.8 + if fake { 0.2 } else { 0.0 };
        scores.push((raw * 1e5).round() / 1e5); // ties, as float32 probabilities have
        labels.push(fake);
    }
    (scores, labels)
}

fn sklearn_seconds(
    args: &ReportBenchArgs,
    scores: &[f64],
    labels: &[bool],
) -> anyhow::Result<Option<(f64, String)>> {
    let has_sklearn = Command::new(&args.python)
        .args(["-c", "import sklearn, numpy"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_sklearn {
        return Ok(None);
    }
    let dir = tempfile_dir()?;
    let (s_path, y_path) = (dir.join("scores.f64"), dir.join("labels.u8"));
    let bytes: Vec<u8> = scores.iter().flat_map(|s| s.to_le_bytes()).collect();
    std::fs::write(&s_path, bytes).with_context(|| format!("cannot write {}", s_path.display()))?;
    let label_bytes: Vec<u8> = labels.iter().map(|&l| u8::from(l)).collect();
    std::fs::write(&y_path, label_bytes)
        .with_context(|| format!("cannot write {}", y_path.display()))?;
    let out = Command::new(&args.python)
        .arg("-c")
        .arg(SKLEARN)
        .arg(&s_path)
        .arg(&y_path)
        .output()
        .with_context(|| format!("cannot run {}", args.python))?;
    let _ = std::fs::remove_dir_all(&dir);
    anyhow::ensure!(
        out.status.success(),
        "scikit-learn run failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let seconds: f64 = text
        .split_whitespace()
        .next()
        .and_then(|t| t.parse().ok())
        .with_context(|| format!("unexpected scikit-learn output {text:?}"))?;
    Ok(Some((seconds, text)))
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("dfbench-bench-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

fn synthetic_predictions(args: &ReportBenchArgs) -> Vec<PredictionRecord> {
    let per_pair = (args.predictions / (args.detectors * args.datasets).max(1)).max(4);
    let mut rng = Rng::new(7);
    let mut out = Vec::with_capacity(per_pair * args.detectors * args.datasets);
    for d in 0..args.detectors {
        for s in 0..args.datasets {
            for i in 0..per_pair {
                let method = ["real", "Deepfakes", "FaceSwap"][i % 3];
                let fake = method != "real";
                let video = format!("v{:04}", i / 4); // 4 frames per video
                let base = rng.unit() * 0.7 + if fake { 0.1 + 0.01 * d as f64 } else { 0.0 };
                out.push(PredictionRecord {
                    detector: format!("det{d:02}"),
                    dataset: format!("ds{s:02}"),
                    subset: "test".into(),
                    perturbation: "none".into(),
                    rel_path: format!("{method}/{video}/{i:06}.png"),
                    video_key: format!("ds{s:02}/{method}/{method}/c23/{video}"),
                    label: i64::from(fake),
                    method: method.into(),
                    score: Some(base.min(1.0)),
                    ..Default::default()
                });
            }
        }
    }
    out
}

pub async fn execute(args: ReportBenchArgs) -> anyhow::Result<ExitCode> {
    let (scores, labels) = synthetic_scores(args.scores);
    let start = Instant::now();
    let m = dfbench_reports::frame_metrics(&scores, &labels);
    let rust = start.elapsed().as_secs_f64();
    outln!(
        "metrics over {} scores: dfbench {rust:.3} s (auc {} ap {} eer {}; all 9 metrics in one pass)",
        args.scores,
        m.auc,
        m.ap,
        m.eer
    );
    match sklearn_seconds(&args, &scores, &labels)? {
        Some((sk, text)) => outln!(
            "scikit-learn auc+ap+roc_curve/eer: {sk:.3} s ({text}); dfbench is {:.1}x faster",
            sk / rust
        ),
        None => outln!(
            "scikit-learn not found with {}: only the dfbench figure is printed",
            args.python
        ),
    }
    drop((scores, labels));

    let predictions = synthetic_predictions(&args);
    let run = RunInfo {
        run_id: "bench".into(),
        ..Default::default()
    };
    let dir = tempfile_dir()?;
    let start = Instant::now();
    let report = dfbench_reports::build_report(&run, &predictions, &ReportOptions::default());
    let computed = start.elapsed().as_secs_f64();
    dfbench_reports::write_built_report(&run, &predictions, &report, &dir)
        .with_context(|| format!("cannot write the bench report into {}", dir.display()))?;
    let total = start.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&dir);
    outln!(
        "report of {} detectors x {} datasets x {} predictions: {total:.2} s ({computed:.2} s metrics + \
         1000-resample intervals, {:.2} s files; {} rows; target 5 s)",
        args.detectors,
        args.datasets,
        predictions.len(),
        total - computed,
        report.rows.len()
    );
    Ok(ExitCode::SUCCESS)
}
