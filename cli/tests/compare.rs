//! `dfbench compare` and `dfbench history` as real processes over a real SQLite store whose runs
//! were planned, leased, scored and completed through the `Store` API (see `stored_runs`).

mod stored_runs;
mod support;

use dfbench_store::open_store;
use std::path::Path;
use std::process::Output;
use stored_runs::{
    RunSpec, d1_constant, d1_fails_everywhere, d1_fails_on_one_in_five, d1_perfect, d1_worse_on_b,
    no_shift, scored, store_run,
};
use support::dfbench;

/// Stores the five runs of the scenario into the (empty) database at `url`.
async fn build_database(url: &str) {
    let store = open_store(url).await.expect("open store");
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
            noise_of: id,
            outcome: scored,
        };
        store_run(store.as_ref(), &spec).await;
    }
}

fn compare(url: &str, out: &Path, baseline: &str, candidate: &str) -> Output {
    compare_with(url, out, baseline, candidate, &[])
}

fn compare_with(url: &str, out: &Path, baseline: &str, candidate: &str, extra: &[&str]) -> Output {
    dfbench()
        .args(["compare", "--baseline", baseline, "--candidate", candidate])
        .args(["--database-url", url, "--out"])
        .arg(out)
        .args(extra)
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
async fn compare_and_history_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:{}", dir.path().join("runs.db").display());
    compare_exit_codes_and_history_charts(&url, dir.path()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn compare_and_history_on_postgres() {
    let Some(url) = dfbench_store::testing::fresh_postgres_url("compare_and_history_on_postgres")
        .await
        .expect("postgres")
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    compare_exit_codes_and_history_charts(&url, dir.path()).await;
}

async fn compare_exit_codes_and_history_charts(url: &str, dir: &Path) {
    build_database(url).await;

    // Rerun noise only: exit 0. Refs by unique prefix and by exact id.
    let out = dir.join("same");
    let same = compare(url, &out, "base", "good-0002");
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
    let worse = compare(url, &dir.join("worse"), "base-0001", "bad");
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
            url,
        ])
        .arg("--out")
        .arg(dir.join("closed"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn dfbench compare");
    drop(closed.stdout.take());
    assert_eq!(closed.wait().expect("wait").code(), Some(1));

    // Another dataset version: exit 2 with the reason.
    let other_data = compare(url, &dir.join("fp"), "base-0001", "latest:nightly");
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
    let missing = compare(url, &dir.join("missing"), "base-0001", "latest");
    assert_eq!(missing.status.code(), Some(2), "{}", describe(&missing));
    assert!(
        stdout(&missing).contains("cell d2 / ff / none / method=B of the baseline is missing"),
        "{}",
        describe(&missing)
    );

    // An unknown reference is an error naming it.
    let unknown = compare(url, &dir.join("unknown"), "nope", "latest");
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("`nope` names no run"),
        "{}",
        describe(&unknown)
    );
    let ambiguous = compare(url, &dir.join("ambiguous"), "b", "latest");
    assert_eq!(ambiguous.status.code(), Some(2));
    assert!(
        [
            "`b` is ambiguous: several runs whose id starts with `b`",
            "bad-0003",
            "base-0001"
        ]
        .iter()
        .all(|part| String::from_utf8_lossy(&ambiguous.stderr).contains(part)),
        "{}",
        describe(&ambiguous)
    );

    // History: the four nightly runs, one chart for dataset ff; base-0001 has stored metrics
    // (from `dfbench report`), the others are recomputed.
    support::run_ok(
        &[
            "report",
            "--run",
            "base-0001",
            "--database-url",
            url,
            "--out",
            "reports",
        ],
        dir,
    );
    let history_dir = dir.join("history");
    let history = dfbench()
        .args([
            "history",
            "--name",
            "nightly",
            "--database-url",
            url,
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

type Outcome = fn(&str, &str, f64) -> dfbench_store::Outcome;

/// Runs named `gate`: a baseline, its twin (identical predictions), and candidates whose d1
/// fails everywhere, fails on 20% of the samples, separates perfectly, or outputs a constant.
async fn build_gate_database(url: &str) {
    let store = open_store(url).await.expect("open store");
    let runs: [(&str, &str, Outcome); 6] = [
        ("gbase-01", "gbase-01", scored),
        ("gtwin-02", "gbase-01", scored),
        ("gallfail-03", "gallfail-03", d1_fails_everywhere),
        ("gfail20-04", "gfail20-04", d1_fails_on_one_in_five),
        ("gperfect-05", "gperfect-05", d1_perfect),
        ("gconstant-06", "gconstant-06", d1_constant),
    ];
    for (index, (id, noise_of, outcome)) in runs.into_iter().enumerate() {
        let spec = RunSpec {
            id,
            name: "gate",
            created_at_ms: 10_000 + index as i64,
            fingerprint: "fp-1",
            detectors: &["d1", "d2"],
            shift: no_shift,
            noise_of,
            outcome,
        };
        store_run(store.as_ref(), &spec).await;
    }
}

/// The nightly gate on broken detectors, through the real binary.
#[tokio::test(flavor = "multi_thread")]
async fn compare_gate_judges_failures_and_collapsed_detectors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:{}", dir.path().join("gate.db").display());
    build_gate_database(&url).await;
    let run = |name: &str, baseline: &str, candidate: &str, extra: &[&str]| {
        let output = compare_with(&url, &dir.path().join(name), baseline, candidate, extra);
        println!("{}", stdout(&output));
        output
    };
    let expect = |output: &Output, code: i32, text: &str| {
        assert_eq!(output.status.code(), Some(code), "{}", describe(output));
        assert!(
            stdout(output).contains(text),
            "{text}\n{}",
            describe(output)
        );
    };

    // Identical predictions: exit 0 under both Holm families, and the family is stated.
    for family in ["all", "changed"] {
        let twin = run(family, "gbase-01", "gtwin-02", &["--holm-family", family]);
        expect(&twin, 0, &format!("Holm family `{family}`"));
    }

    let all_failed = run("allfail", "gbase-01", "gallfail-03", &[]);
    expect(
        &all_failed,
        1,
        "| regressed (all failed) | d1 | ff | none | all |",
    );
    assert!(!stdout(&all_failed).contains("| regressed (all failed) | d2"));

    let fail20 = run("fail20", "gbase-01", "gfail20-04", &[]);
    expect(
        &fail20,
        1,
        "| regressed (failures) | d1 | ff | none | all |",
    );
    expect(&fail20, 1, "0 / 80 (0.0% → 20.0%)");

    let drop = run("drop", "gperfect-05", "gconstant-06", &[]);
    expect(
        &drop,
        1,
        "| regressed (deterministic drop) | d1 | ff | none | all | 1.0000 | 0.5000 | -0.5000",
    );
    let json = std::fs::read_to_string(dir.path().join("drop/compare.json")).expect("json");
    assert!(
        json.contains("\"reason\": \"deterministic drop\""),
        "{json}"
    );

    // The baseline is the side that failed everywhere: not testable, so not comparable ...
    let reversed = run("reversed", "gallfail-03", "gbase-01", &[]);
    expect(
        &reversed,
        2,
        "cell d1 / ff / none / all cannot be tested: the baseline failed on all 400 samples",
    );
    // ... unless the user accepts it.
    let allowed = run("allowed", "gallfail-03", "gbase-01", &["--allow-undefined"]);
    expect(
        &allowed,
        0,
        "| undefined (the baseline failed on all 400 samples) | d1 |",
    );
}
