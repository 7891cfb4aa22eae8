//! Failure tests with real processes on PostgreSQL: workers SIGKILLed mid-shard, workers
//! SIGTERMed or SIGINTed mid-shard (they release the shard, no failure counted), the
//! coordinator SIGKILLed, SIGTERMed or SIGINTed and restarted, Postgres stopped and started, a stale-epoch write, all
//! workers lost, a request without the token. Each run's final predictions must equal an
//! undisturbed run's: every (detector, sample) exactly once, none missing, none duplicated.
//! Skipped visibly without `DATABASE_URL` (scripts/test.sh provides it), except
//! `database_fills_up_mid_run`, which fills a SQLite file (`DFBENCH_SQLITE_MAX_PAGE_COUNT`).

mod support;

use dfbench_proto::v1 as pb;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};
use support::*;

/// Chaos tests share one Postgres server and one of them stops it: run them one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Heartbeat 0.3 s → lease TTL 0.9 s.
const FAST: &[&str] = &["--heartbeat-secs", "0.3"];
/// Small throttled chunks so a shard takes about a second and kills land mid-shard.
const SLOW_WORKER: &[&str] = &["--chunk-size", "3", "--chunk-delay-ms", "250"];

struct Setup {
    _dir: tempfile::TempDir,
    work: std::path::PathBuf,
    database_url: String,
    baseline: BTreeMap<(String, String), String>,
}

/// A work folder with the demo data, a fresh Postgres database, and the outcomes of an
/// undisturbed local run over the same data (on SQLite) to compare against.
async fn setup(test: &str) -> Option<Setup> {
    let database_url = dfbench_store::testing::fresh_postgres_url(test)
        .await
        .expect("postgres")?;
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path().to_path_buf();
    let run_id = demo_run(
        &work,
        "chaos",
        &["--database-url", "sqlite:baseline.db", "--out", "baseline"],
    );
    let baseline = export_outcomes(&work, &run_id, "sqlite:baseline.db");
    assert_eq!(
        baseline.len(),
        2 * image_files(&work.join("data/cnnspot")).len()
    );
    Some(Setup {
        _dir: dir,
        work,
        database_url,
        baseline,
    })
}

fn start_run(setup: &Setup, url: &str, extra: &[&str]) -> KillOnDrop {
    let mut args = vec![
        "run",
        "suite.toml",
        "--coordinator",
        url,
        "--database-url",
        &setup.database_url,
        "--out",
        "reports",
    ];
    args.extend_from_slice(extra);
    spawn_in_background(&args, &setup.work, "run")
}

fn assert_equals_baseline(setup: &Setup, stderr: &str) {
    let run_id = run_id_from(stderr);
    let outcomes = export_outcomes(&setup.work, &run_id, &setup.database_url);
    assert_eq!(
        outcomes.len(),
        setup.baseline.len(),
        "no prediction missing or extra"
    );
    for (key, expected) in &setup.baseline {
        assert_eq!(
            outcomes.get(key),
            Some(expected),
            "{key:?} differs from the undisturbed run"
        );
    }
}

fn wait_for_progress(setup: &Setup, at_least: i64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let output = dfbench()
            .args([
                "status",
                "--database-url",
                &setup.database_url,
                "--runs",
                "1",
            ])
            .output()
            .expect("status");
        let text = String::from_utf8_lossy(&output.stdout);
        let done = text
            .lines()
            .find_map(|line| line.split("predictions ").nth(1))
            .and_then(|rest| rest.split('/').next())
            .and_then(|n| n.trim().parse::<i64>().ok())
            .unwrap_or(0);
        if done >= at_least {
            return;
        }
        assert!(Instant::now() < deadline, "run made no progress:\n{text}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn workers_killed_mid_shard_five_times() {
    let _serial = SERIAL.lock().await;
    let Some(setup) = setup("workers_killed_mid_shard_five_times").await else {
        return;
    };
    let (_coordinator, url) = start_coordinator(&setup.database_url, FAST);
    let mut victim = start_worker_with(&url, "victim-0", SLOW_WORKER);
    let _steady = start_worker_with(&url, "steady", SLOW_WORKER);
    let run = start_run(&setup, &url, &[]);
    for kill in 1..=5 {
        wait_for_progress(&setup, kill * 40);
        // SIGKILL (KillOnDrop), then a new process with a new incarnation takes its place.
        drop(victim);
        victim = start_worker_with(&url, &format!("victim-{kill}"), SLOW_WORKER);
    }
    let (ok, _, stderr) = wait_background(run, &setup.work, "run", Duration::from_secs(240));
    assert!(ok, "run failed:\n{stderr}");
    assert_equals_baseline(&setup, &stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn coordinator_killed_and_restarted() {
    let _serial = SERIAL.lock().await;
    let Some(setup) = setup("coordinator_killed_and_restarted").await else {
        return;
    };
    let (coordinator, url) = start_coordinator(&setup.database_url, FAST);
    let listen = url.trim_start_matches("http://").to_string();
    let _workers = [
        start_worker_with(&url, "w1", SLOW_WORKER),
        start_worker_with(&url, "w2", SLOW_WORKER),
    ];
    let run = start_run(&setup, &url, &[]);
    wait_for_progress(&setup, 100);
    drop(coordinator);
    std::thread::sleep(Duration::from_millis(1500));
    let (_restarted, _) = start_coordinator_at(&listen, &setup.database_url, FAST);
    let (ok, _, stderr) = wait_background(run, &setup.work, "run", Duration::from_secs(240));
    assert!(ok, "run failed:\n{stderr}");
    assert_equals_baseline(&setup, &stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_stopped_and_started() {
    let _serial = SERIAL.lock().await;
    let Some(setup) = setup("postgres_stopped_and_started").await else {
        return;
    };
    let Ok(pg_dir) = std::env::var("DFBENCH_PG_DIR") else {
        panic!("DFBENCH_PG_DIR is not set: run through scripts/test.sh, which starts the cluster");
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/pg-throwaway.sh");
    let (_coordinator, url) = start_coordinator(&setup.database_url, FAST);
    let _workers = [
        start_worker_with(&url, "w1", SLOW_WORKER),
        start_worker_with(&url, "w2", SLOW_WORKER),
    ];
    let run = start_run(&setup, &url, &[]);
    wait_for_progress(&setup, 100);
    let paused = std::process::Command::new(&script)
        .args(["pause", &pg_dir])
        .status()
        .expect("pause");
    assert!(paused.success());
    std::thread::sleep(Duration::from_secs(2));
    let resumed = std::process::Command::new(&script)
        .args(["resume", &pg_dir])
        .status()
        .expect("resume");
    assert!(resumed.success());
    let (ok, _, stderr) = wait_background(run, &setup.work, "run", Duration::from_secs(240));
    assert!(ok, "run failed:\n{stderr}");
    assert_equals_baseline(&setup, &stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn stale_epoch_write_is_rejected() {
    let _serial = SERIAL.lock().await;
    let Some(setup) = setup("stale_epoch_write_is_rejected").await else {
        return;
    };
    let (_coordinator, url) = start_coordinator(&setup.database_url, FAST);
    let mut client = dfbench_client::connect(&url, None, Duration::from_secs(10))
        .await
        .expect("connect");
    let register = |worker_id: &str, incarnation: u64| pb::RegisterWorkerRequest {
        worker_id: worker_id.into(),
        incarnation,
        protocol_version: dfbench_proto::PROTOCOL_VERSION,
        dfbench_version: "test".into(),
        devices: vec!["cpu".into()],
        capabilities: vec!["builtin".into()],
        hostname: "test".into(),
    };
    let submitted = client
        .submit_run(pb::SubmitRunRequest {
            // One shard, so the re-granted lease is the one "old" held.
            suite_toml: demo_suite("chaos", 100_000),
            suite_origin: "chaos".into(),
            data_root: setup.work.display().to_string(),
            ..Default::default()
        })
        .await
        .expect("submit")
        .into_inner();
    client
        .register_worker(register("old", 1))
        .await
        .expect("register old");
    let acquire = |worker_id: &str, incarnation: u64| pb::AcquireShardRequest {
        worker_id: worker_id.into(),
        incarnation,
    };
    let old_lease = client
        .acquire_shard(acquire("old", 1))
        .await
        .expect("acquire")
        .into_inner()
        .lease
        .expect("a shard");
    // "old" goes silent: its lease expires and is re-granted to "new" with a higher epoch.
    client
        .register_worker(register("new", 2))
        .await
        .expect("register new");
    let deadline = Instant::now() + Duration::from_secs(20);
    let new_lease = loop {
        if let Some(lease) = client
            .acquire_shard(acquire("new", 2))
            .await
            .expect("acquire")
            .into_inner()
            .lease
        {
            break lease;
        }
        assert!(
            Instant::now() < deadline,
            "the expired lease was never re-granted"
        );
    };
    assert_eq!(
        new_lease.shard_id, old_lease.shard_id,
        "the run has a single shard"
    );
    assert!(new_lease.epoch > old_lease.epoch);
    let sample = &old_lease.samples[0];
    let stale_batch = pb::PredictionBatch {
        complete: None,
        clips: Vec::new(),
        worker_id: "old".into(),
        incarnation: 1,
        shard_id: old_lease.shard_id,
        epoch: old_lease.epoch,
        predictions: vec![pb::Prediction {
            sample_id: sample.sample_id,
            detector: "npr".into(),
            outcome: Some(pb::prediction::Outcome::Score(0.123)),
            latency_us: 1,
            detector_fingerprint: "stale".into(),
        }],
    };
    let refused = client
        .report_predictions(tokio_stream::iter(vec![stale_batch]))
        .await
        .expect_err("stale write must be refused");
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition, "{refused}");
    let refused = client
        .complete_shard(pb::CompleteShardRequest {
            worker_id: "old".into(),
            incarnation: 1,
            shard_id: old_lease.shard_id,
            epoch: old_lease.epoch,
            ..Default::default()
        })
        .await
        .expect_err("stale completion must be refused");
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition);
    // Completion asked for at the end of a report stream: fenced the same way, and refused
    // for the current lease too while predictions are missing.
    let completion =
        |worker_id: &str, incarnation: u64, lease: &pb::ShardLease| pb::PredictionBatch {
            worker_id: worker_id.into(),
            incarnation,
            shard_id: lease.shard_id,
            epoch: lease.epoch,
            predictions: vec![],
            complete: Some(pb::ShardProvenance::default()),
            clips: Vec::new(),
        };
    let refused = client
        .report_predictions(tokio_stream::iter(vec![completion("old", 1, &old_lease)]))
        .await
        .expect_err("stale completion in a report must be refused");
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition, "{refused}");
    let refused = client
        .report_predictions(tokio_stream::iter(vec![completion("new", 2, &new_lease)]))
        .await
        .expect_err("nothing reported yet");
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition, "{refused}");
    assert!(refused.message().contains("missing"), "{refused}");
    let heartbeat = client
        .heartbeat(pb::HeartbeatRequest {
            worker_id: "old".into(),
            incarnation: 1,
            leases: vec![pb::LeaseState {
                shard_id: old_lease.shard_id,
                epoch: old_lease.epoch,
            }],
        })
        .await
        .expect("heartbeat")
        .into_inner();
    assert_eq!(heartbeat.revoked_shard_ids, vec![old_lease.shard_id]);
    // "new" gives its lease back; real workers finish the run; nothing of the stale write stays.
    client
        .fail_shard(pb::FailShardRequest {
            worker_id: "new".into(),
            incarnation: 2,
            shard_id: new_lease.shard_id,
            epoch: new_lease.epoch,
            retryable: true,
            reason: Some(pb::Failure {
                kind: "test".into(),
                message: "handing over".into(),
            }),
        })
        .await
        .expect("give back");
    let _workers = [start_worker(&url, "w1"), start_worker(&url, "w2")];
    let mut progress = client
        .watch_run(pb::WatchRunRequest {
            run_id: submitted.run_id.clone(),
        })
        .await
        .expect("watch")
        .into_inner();
    let mut status = String::new();
    while let Some(message) = progress.message().await.expect("progress") {
        status = message.status;
    }
    assert_eq!(status, "done");
    let stderr = format!("run {}: submitted", submitted.run_id);
    assert_equals_baseline(&setup, &stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn all_workers_lost_fails_the_run_within_the_grace_period() {
    let _serial = SERIAL.lock().await;
    let Some(setup) = setup("all_workers_lost").await else {
        return;
    };
    let (_coordinator, url) = start_coordinator(
        &setup.database_url,
        &["--heartbeat-secs", "0.3", "--no-worker-grace-secs", "3"],
    );
    let workers = [
        start_worker_with(&url, "w1", SLOW_WORKER),
        start_worker_with(&url, "w2", SLOW_WORKER),
    ];
    let run = start_run(&setup, &url, &[]);
    wait_for_progress(&setup, 30);
    let killed_at = Instant::now();
    drop(workers);
    let (ok, stdout, stderr) = wait_background(run, &setup.work, "run", Duration::from_secs(60));
    let waited = killed_at.elapsed();
    assert!(!ok, "the run must fail:\n{stdout}\n{stderr}");
    assert!(
        stderr.contains("no worker was seen for 3s"),
        "clear message:\n{stderr}"
    );
    assert!(
        waited < Duration::from_secs(15),
        "failed after {waited:?}, grace is 3 s"
    );
    // Every (detector, sample) still ends as a score or a recorded failure, exactly once.
    let outcomes = export_outcomes(&setup.work, &run_id_from(&stderr), &setup.database_url);
    assert_eq!(outcomes.len(), setup.baseline.len());
    assert!(
        outcomes
            .values()
            .any(|outcome| outcome == "failed:no_workers")
    );
    for (key, outcome) in &outcomes {
        assert!(
            outcome == "failed:no_workers" || Some(outcome) == setup.baseline.get(key),
            "{key:?}: {outcome}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_without_the_token_are_refused() {
    let _serial = SERIAL.lock().await;
    let Some(setup) = setup("requests_without_the_token").await else {
        return;
    };
    let (_coordinator, url) = start_coordinator(&setup.database_url, &["--token", "s3cret"]);
    let refused = dfbench()
        .args(["run", "suite.toml", "--coordinator", &url])
        .current_dir(&setup.work)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(stderr.contains("requires a token"), "{stderr}");
    let wrong = dfbench()
        .args(["worker", "--coordinator", &url, "--token", "guess"])
        .output()
        .expect("worker");
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("wrong token"));
    let _workers = [
        start_worker_with(&url, "w1", &["--token", "s3cret"]),
        start_worker_with(&url, "w2", &["--token", "s3cret"]),
    ];
    let run = start_run(&setup, &url, &["--token", "s3cret"]);
    let (ok, _, stderr) = wait_background(run, &setup.work, "run", Duration::from_secs(120));
    assert!(ok, "{stderr}");
    assert_equals_baseline(&setup, &stderr);
}

/// Pages the SQLite file may grow to in `database_fills_up_mid_run` (test-only hook
/// `DFBENCH_SQLITE_MAX_PAGE_COUNT`, `PRAGMA max_page_count` on the store's connections):
/// measured, the schema and the planned run take about 70 pages and 90 fill up after about
/// half of the run's 480 predictions.
const FILL_AT_PAGES: &str = "90";

/// The database fills up mid-run (SQLITE_FULL): the local `dfbench run` exits non-zero within
/// seconds, naming the cause, and the run is `failed` with the cause. No Postgres needed.
///
/// Space "comes back" on its own here: the limit stops the file growing, and marking the run
/// failed rewrites its row in place, so the coordinator's recovery write goes through at once
/// (on a really full disk it is retried with backoff until it does).
#[test]
fn database_fills_up_mid_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    run_ok(&["synth", "--out", "data"], work);
    std::fs::write(work.join("suite.toml"), demo_suite("full", 12)).expect("suite");
    let database = work.join("full.db");
    let database_url = format!("sqlite:{}", database.display());
    let stderr = std::fs::File::create(work.join("run.err")).expect("stderr file");
    let mut run = KillOnDrop(
        dfbench()
            .args([
                "run",
                "suite.toml",
                "--database-url",
                &database_url,
                "--out",
                "reports",
                "--chunk-delay-ms",
                "20",
            ])
            .env("DFBENCH_SQLITE_MAX_PAGE_COUNT", FILL_AT_PAGES)
            .current_dir(work)
            .stdout(std::process::Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("spawn"),
    );
    // The fill is the coordinator's "fatal database fault" line; the exit is measured here.
    let started = Instant::now();
    let mut filled_at = None;
    let status = loop {
        if let Some(status) = run.0.try_wait().expect("wait") {
            break status;
        }
        if filled_at.is_none()
            && std::fs::read_to_string(work.join("run.err"))
                .unwrap_or_default()
                .contains("fatal database fault")
        {
            filled_at = Some(Instant::now());
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the run did not end within 120 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let exited_at = Instant::now();
    let stderr = std::fs::read_to_string(work.join("run.err")).unwrap_or_default();
    assert!(
        stderr.contains("fatal database fault"),
        "the database never filled up: raise the run or lower FILL_AT_PAGES\n{stderr}"
    );
    let after_fill = exited_at.duration_since(filled_at.unwrap_or(exited_at));
    let message = stderr
        .lines()
        .find(|line| line.starts_with("run ") && line.contains(" failed: "))
        .unwrap_or_else(|| panic!("no `run … failed: cause` line:\n{stderr}"));
    println!(
        "database full → exit {status} {:.2} s after the fill ({:.1} s after start)\n{message}",
        after_fill.as_secs_f64(),
        exited_at.duration_since(started).as_secs_f64()
    );
    assert!(
        !status.success(),
        "a run stopped by a full database must fail:\n{stderr}"
    );
    assert!(
        after_fill < Duration::from_secs(30),
        "exit {after_fill:?} after the fill"
    );
    assert!(
        message.contains("the database is full (SQLite: database or disk is full)"),
        "{message}"
    );
    // Each worker says the cause once, not per retry.
    assert!(
        stderr
            .matches("shard dropped: the coordinator stopped its run")
            .count()
            <= 2,
        "{stderr}"
    );
    // Read back without the limit: the run is failed, with the cause, part of its work stored.
    let run_id = run_id_from(&stderr);
    let progress = tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(async {
            let store = dfbench_store::open_store(&database_url)
                .await
                .expect("open");
            store
                .run_progress(&dfbench_store::RunId(run_id.clone()))
                .await
                .expect("progress")
        });
    assert_eq!(progress.status, "failed");
    let error = progress.error.unwrap_or_default();
    assert!(
        error.starts_with("the database is full (SQLite: database or disk is full)"),
        "{error}"
    );
    assert!(
        progress.predictions > 0 && progress.predictions < progress.predictions_expected,
        "the fill must land mid-run: {} of {} predictions stored",
        progress.predictions,
        progress.predictions_expected
    );
}

/// `psql -tA URL -c SQL …`, each `-c` its own transaction; fails the test when psql does.
/// Returns what the statements printed (unaligned, no headers), trimmed.
/// The database turns read-only mid-run (SQLSTATE 25006): `dfbench run` exits non-zero within
/// seconds naming the cause, and once the database is writable again the coordinator marks the
/// run `failed` with it.
///
/// `ALTER DATABASE … SET default_transaction_read_only` reaches new sessions only, so the
/// coordinator's pooled sessions are ended after each switch (as a failover or restart would).
#[tokio::test(flavor = "multi_thread")]
async fn postgres_turns_read_only_mid_run() {
    let _serial = SERIAL.lock().await;
    let Some(setup) = setup("postgres_read_only").await else {
        return;
    };
    let database = setup
        .database_url
        .rsplit('/')
        .next()
        .and_then(|rest| rest.split('?').next())
        .expect("database name")
        .to_string();
    let end_sessions = "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
                        WHERE datname = current_database() AND pid <> pg_backend_pid()";
    let (_coordinator, url) = start_coordinator(&setup.database_url, FAST);
    let _workers = [
        start_worker_with(&url, "w1", SLOW_WORKER),
        start_worker_with(&url, "w2", SLOW_WORKER),
    ];
    let run = start_run(&setup, &url, &[]);
    wait_for_progress(&setup, 30);
    psql(
        &setup.database_url,
        &[
            &format!("ALTER DATABASE \"{database}\" SET default_transaction_read_only = on"),
            end_sessions,
        ],
    );
    let switched = Instant::now();
    let (ok, _, stderr) = wait_background(run, &setup.work, "run", Duration::from_secs(60));
    let waited = switched.elapsed();
    print!("database read-only → ");
    fault_message(
        ok,
        &stderr,
        waited,
        "the database is read-only (PostgreSQL 25006",
    );
    // The operator makes it writable again; the coordinator's retry then fails the run.
    psql(
        &setup.database_url,
        &[
            "SET default_transaction_read_only = off",
            &format!("ALTER DATABASE \"{database}\" RESET default_transaction_read_only"),
            end_sessions,
        ],
    );
    let cause = "the database is read-only (PostgreSQL 25006";
    let error = stored_failure(&setup.database_url, &stderr, cause).await;
    println!(
        "writable again → run failed after {:.1} s: {error}",
        switched.elapsed().as_secs_f64()
    );
}

/// Sends `signal` (`TERM`, `INT`) to a child and waits (bounded) for it to exit; returns
/// whether it exited successfully.
fn signal_and_wait(process: &mut KillOnDrop, signal: &str, limit: Duration) -> bool {
    let pid = process.0.id().to_string();
    let sent = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &pid])
        .status()
        .expect("kill");
    assert!(sent.success(), "kill -{signal} {pid}");
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = process.0.try_wait().expect("wait") {
            return status.success();
        }
        assert!(
            Instant::now() < deadline,
            "process {pid} still running {limit:?} after SIG{signal}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A worker signalled mid-shard stores what it scored, releases the rest of its shard and
/// exits 0 at once; another worker finishes that shard long before its lease (90 s) could
/// expire, every sample is scored exactly once, and no failure or loss is counted.
async fn signalled_worker_releases_its_shard(test: &str, signal: &str) {
    let _serial = SERIAL.lock().await;
    let Some(setup) = setup(test).await else {
        return;
    };
    // Heartbeat 30 s → lease TTL 90 s: only a release can hand the shard on in time.
    let (_coordinator, url) = start_coordinator(&setup.database_url, &["--heartbeat-secs", "30"]);
    // The victim scores 3 samples every 3 s; the steady worker is not throttled.
    let worker = |name: &str, delay_ms: &str, log: &str| {
        let args = [
            "worker",
            "--coordinator",
            &url,
            "--worker-id",
            name,
            "--threads",
            "1",
            "--chunk-size",
            "3",
            "--chunk-delay-ms",
            delay_ms,
        ];
        spawn_in_background(&args, &setup.work, log)
    };
    let mut victim = worker("victim", "3000", "victim");
    let run = start_run(&setup, &url, &[]);
    // One chunk of the victim's first shard (12 samples, 3 every 3 s) is stored: it is
    // mid-shard for about nine more seconds, time enough for the signal on a loaded machine
    // (at 1 s a chunk, a CI run once saw the victim finish its shard before the signal came).
    wait_for_progress(&setup, 6);
    let started = Instant::now();
    assert!(
        signal_and_wait(&mut victim, signal, Duration::from_secs(10)),
        "the victim exited non-zero after SIG{signal}"
    );
    let victim_log = std::fs::read_to_string(setup.work.join("victim.err")).expect("victim log");
    assert!(
        victim_log.contains("1 released"),
        "the victim did not release its shard:\n{victim_log}"
    );
    let _steady = worker("steady", "0", "steady");
    let (ok, _, stderr) = wait_background(run, &setup.work, "run", Duration::from_secs(80));
    assert!(ok, "run failed:\n{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(85),
        "the shard waited for its lease to expire"
    );
    assert_equals_baseline(&setup, &stderr);
    let counted = psql(
        &setup.database_url,
        &["SELECT COALESCE(SUM(failures), 0) || ' ' || COALESCE(SUM(losses), 0) FROM shards"],
    );
    assert_eq!(counted, "0 0", "failures and losses counted");
}

#[tokio::test(flavor = "multi_thread")]
async fn worker_sigterm_releases_its_shard() {
    signalled_worker_releases_its_shard("worker_sigterm_releases_its_shard", "TERM").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn worker_sigint_releases_its_shard() {
    signalled_worker_releases_its_shard("worker_sigint_releases_its_shard", "INT").await;
}

/// A coordinator signalled mid-run exits 0; restarted on the same port it resumes the run,
/// which the workers finish with every sample scored exactly once.
async fn signalled_coordinator_resumes(test: &str, signal: &str) {
    let _serial = SERIAL.lock().await;
    let Some(setup) = setup(test).await else {
        return;
    };
    let (mut coordinator, url) = start_coordinator(&setup.database_url, FAST);
    let listen = url.trim_start_matches("http://").to_string();
    let _workers = [
        start_worker_with(&url, "w1", SLOW_WORKER),
        start_worker_with(&url, "w2", SLOW_WORKER),
    ];
    let run = start_run(&setup, &url, &[]);
    wait_for_progress(&setup, 60);
    assert!(
        signal_and_wait(&mut coordinator, signal, Duration::from_secs(20)),
        "the coordinator exited non-zero after SIG{signal}"
    );
    let (_restarted, _) = start_coordinator_at(&listen, &setup.database_url, FAST);
    let (ok, _, stderr) = wait_background(run, &setup.work, "run", Duration::from_secs(240));
    assert!(ok, "run failed:\n{stderr}");
    assert_equals_baseline(&setup, &stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn coordinator_sigterm_then_restart_resumes() {
    signalled_coordinator_resumes("coordinator_sigterm_then_restart_resumes", "TERM").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn coordinator_sigint_then_restart_resumes() {
    signalled_coordinator_resumes("coordinator_sigint_then_restart_resumes", "INT").await;
}
