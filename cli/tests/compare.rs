//! `dfbench compare` and `dfbench history` as real processes over a real SQLite store whose runs
//! were planned, leased, scored and completed through the `Store` API (as the coordinator does).
//!
//! Scores: per (detector, image) a latent logit N(−1, 1) for reals and N(+1, 1) for fakes; each
//! run scores sigmoid(latent + N(0, 0.05)) (rerun noise), plus a per-run shift for the
//! regression case.

mod support;

use dfbench_benchmarks::{Label, Sample};
use dfbench_reports::metrics::bootstrap::{Rng, stream_of};
use dfbench_store::*;
use std::path::Path;
use std::process::Output;
use support::dfbench;

const METHODS: [&str; 2] = ["A", "B"];

fn samples() -> Vec<Sample> {
    let mut out = Vec::new();
    let mut push = |rel_path: String, label: Label, method: &str| {
        out.push(Sample {
            dataset: "ff".into(),
            subset: "test".into(),
            video_key: format!("ff/{rel_path}"),
            rel_path,
            label,
            label_group: format!("ff/{method}"),
            method: method.into(),
            split: "test".into(),
            compression: "raw".into(),
            frame_index: None,
        })
    };
    for i in 0..200 {
        push(format!("real/{i:04}.png"), Label::Real, "real");
    }
    for method in METHODS {
        for i in 0..100 {
            push(format!("{method}/{i:04}.png"), Label::Fake, method);
        }
    }
    out
}

fn gaussian(rng: &mut Rng) -> f64 {
    let u1 = 1.0 - rng.unit();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * rng.unit()).cos()
}

/// The score of `detector` on `rel_path` in run `run_id`, shifted by `shift` (logit).
fn score(run_id: &str, detector: &str, rel_path: &str, shift: f64) -> f64 {
    let mean = if rel_path.starts_with("real/") {
        -1.0
    } else {
        1.0
    };
    let latent = mean + gaussian(&mut Rng::new(stream_of(&format!("{detector}/{rel_path}"))));
    let noise = 0.05
        * gaussian(&mut Rng::new(stream_of(&format!(
            "{run_id}/{detector}/{rel_path}"
        ))));
    1.0 / (1.0 + (-(latent + noise + shift)).exp())
}

struct RunSpec<'a> {
    id: &'a str,
    name: &'a str,
    created_at_ms: i64,
    fingerprint: &'a str,
    detectors: &'a [&'a str],
    /// Logit shift of (detector, rel_path).
    shift: fn(&str, &str) -> f64,
}

fn plan(spec: &RunSpec<'_>) -> RunPlan {
    let samples = samples();
    let shards = (0..samples.len())
        .collect::<Vec<_>>()
        .chunks(100)
        .map(|indices| PlannedShard {
            dataset: "ff".into(),
            perturbation: "none".into(),
            sample_indices: indices.to_vec(),
        })
        .collect();
    RunPlan {
        run: RunRecord {
            id: RunId(spec.id.into()),
            name: spec.name.into(),
            suite_name: "nightly-suite".into(),
            suite_toml: "name = 'nightly-suite'".into(),
            suite_hash: "h".into(),
            data_root: "/data".into(),
            dfbench_version: "test".into(),
            status: RunStatus::Running,
            error: None,
            created_at_ms: spec.created_at_ms,
            finished_at_ms: None,
            needs_torch: false,
        },
        datasets: vec![DatasetRecord {
            name: "ff".into(),
            format: "csv".into(),
            root: "/data/ff".into(),
            fingerprint: spec.fingerprint.into(),
            samples: samples.len() as i64,
        }],
        detectors: spec
            .detectors
            .iter()
            .map(|name| DetectorRecord {
                name: (*name).into(),
                kind: "builtin".into(),
                builtin: (*name).into(),
                card: None,
                fingerprint: None,
            })
            .collect(),
        samples,
        shards,
        max_attempts: 2,
        max_losses: 2,
    }
}

/// Plans the run, then leases, scores and completes every shard; the run ends done.
async fn store_run(store: &dyn Store, spec: &RunSpec<'_>) {
    store.create_run(&plan(spec)).await.expect("create run");
    let owner = LeaseOwner {
        worker_id: "w1".into(),
        incarnation: 1,
    };
    let now = now_ms();
    while let Some(shard) = store
        .acquire_shard(&owner, now, 600_000)
        .await
        .expect("acquire")
    {
        let mut predictions = Vec::new();
        for (sample_id, rel_path) in &shard.samples {
            for detector in spec.detectors {
                let shift = (spec.shift)(detector, rel_path);
                predictions.push(NewPrediction {
                    sample_id: sample_id.clone(),
                    detector: (*detector).into(),
                    detector_fingerprint: format!("fp-{detector}"),
                    outcome: Outcome::Score(score(spec.id, detector, rel_path, shift)),
                    latency_us: 1,
                });
            }
        }
        let lease = LeaseRef {
            shard_id: shard.shard_id.clone(),
            epoch: shard.epoch.clone(),
            owner: owner.clone(),
        };
        store
            .ingest_predictions(&lease, &predictions)
            .await
            .expect("ingest");
        store.complete_shard(&lease, now).await.expect("complete");
    }
    let details = store.run(&RunId(spec.id.into())).await.expect("run");
    assert_eq!(
        details.run.status,
        RunStatus::Done,
        "{} must be done",
        spec.id
    );
}

fn no_shift(_: &str, _: &str) -> f64 {
    0.0
}

fn d1_worse_on_b(detector: &str, rel_path: &str) -> f64 {
    if detector == "d1" && rel_path.starts_with("B/") {
        -1.5
    } else {
        0.0
    }
}

async fn build_database(dir: &Path) -> String {
    let url = format!("sqlite:{}", dir.join("runs.db").display());
    let store = open_store(&url).await.expect("open store");
    let both: &[&str] = &["d1", "d2"];
    let runs = [
        (
            "base-0001",
            1_000,
            "fp-1",
            both,
            no_shift as fn(&str, &str) -> f64,
        ),
        ("good-0002", 2_000, "fp-1", both, no_shift),
        ("bad-0003", 3_000, "fp-1", both, d1_worse_on_b),
        ("newdata-0004", 4_000, "fp-2", both, no_shift),
        ("onlyd1-0005", 5_000, "fp-1", &["d1"][..], no_shift),
    ];
    for (id, created_at_ms, fingerprint, detectors, shift) in runs {
        let spec = RunSpec {
            id,
            name: if id.starts_with("onlyd1") {
                "adhoc"
            } else {
                "nightly"
            },
            created_at_ms,
            fingerprint,
            detectors,
            shift,
        };
        store_run(store.as_ref(), &spec).await;
    }
    url
}

fn compare(url: &str, out: &Path, baseline: &str, candidate: &str) -> Output {
    dfbench()
        .args(["compare", "--baseline", baseline, "--candidate", candidate])
        .args(["--database-url", url, "--out"])
        .arg(out)
        .output()
        .expect("spawn dfbench compare")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).to_string()
}

fn describe(output: &Output) -> String {
    format!(
        "status {}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        stdout(output),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn compare_exit_codes_and_history_charts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = build_database(dir.path()).await;

    // Rerun noise only: exit 0. Refs by unique prefix and by exact id.
    let out = dir.path().join("same");
    let same = compare(&url, &out, "base", "good-0002");
    assert_eq!(same.status.code(), Some(0), "{}", describe(&same));
    assert!(
        stdout(&same).starts_with("**dfbench compare — NO REGRESSION"),
        "{}",
        describe(&same)
    );
    for file in ["compare.md", "compare.html", "compare.json"] {
        assert!(out.join(file).is_file(), "{file} written");
    }
    let json = std::fs::read_to_string(out.join("compare.json")).expect("json");
    assert!(
        json.contains("\"exit_code\": 0") && json.contains("\"schema\": \"dfbench-compare/1\"")
    );

    // d1 made worse on method B: exit 1 and the cell named.
    let worse = compare(&url, &dir.path().join("worse"), "base-0001", "bad");
    assert_eq!(worse.status.code(), Some(1), "{}", describe(&worse));
    let markdown = stdout(&worse);
    assert!(
        markdown.contains("| regressed | d1 | ff | none | method=B |"),
        "{markdown}"
    );
    assert!(!markdown.contains("| regressed | d2 |"), "{markdown}");

    // A closed stdout (`| head`) does not change the verdict.
    let mut closed = dfbench()
        .args([
            "compare",
            "--baseline",
            "base-0001",
            "--candidate",
            "bad",
            "--database-url",
            &url,
        ])
        .arg("--out")
        .arg(dir.path().join("closed"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn dfbench compare");
    drop(closed.stdout.take());
    assert_eq!(closed.wait().expect("wait").code(), Some(1));

    // Another dataset version: exit 2 with the reason.
    let other_data = compare(&url, &dir.path().join("fp"), "base-0001", "latest:nightly");
    assert_eq!(
        other_data.status.code(),
        Some(2),
        "{}",
        describe(&other_data)
    );
    assert!(
        stdout(&other_data).contains(
            "dataset ff changed: fingerprint fp-1 in the baseline, fp-2 in the candidate"
        ),
        "{}",
        describe(&other_data)
    );

    // A detector missing in the candidate (`latest` is the newest done run): exit 2, listed.
    let missing = compare(&url, &dir.path().join("missing"), "base-0001", "latest");
    assert_eq!(missing.status.code(), Some(2), "{}", describe(&missing));
    assert!(
        stdout(&missing).contains("cell d2 / ff / none / method=B of the baseline is missing"),
        "{}",
        describe(&missing)
    );

    // An unknown reference is an error naming it.
    let unknown = compare(&url, &dir.path().join("unknown"), "nope", "latest");
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no run matches nope"));

    // History: the four nightly runs, one chart for dataset ff; base-0001 has stored metrics
    // (from `dfbench report`), the others are recomputed.
    support::run_ok(
        &[
            "report",
            "--run",
            "base-0001",
            "--database-url",
            &url,
            "--out",
            "reports",
        ],
        dir.path(),
    );
    let history_dir = dir.path().join("history");
    let history = dfbench()
        .args([
            "history",
            "--name",
            "nightly",
            "--database-url",
            &url,
            "--out",
        ])
        .arg(&history_dir)
        .output()
        .expect("spawn dfbench history");
    assert!(history.status.success(), "{}", describe(&history));
    for file in ["index.html", "auc-ff.svg", "auc-ff.png"] {
        let path = history_dir.join(file);
        assert!(
            path.metadata().map(|m| m.len() > 0).unwrap_or(false),
            "{file}"
        );
    }
    let html = std::fs::read_to_string(history_dir.join("index.html")).expect("index.html");
    for run in ["base-0001", "good-0002", "bad-0003", "newdata-0004"] {
        assert!(html.contains(run), "{run} in the history");
    }
    assert!(
        !html.contains("onlyd1-0005"),
        "runs of another name stay out"
    );
}
