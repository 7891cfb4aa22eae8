//! Operating a cluster: Prometheus metrics over HTTP, `dfbench status`, and cancelling a run
//! reaching the workers within a heartbeat. Real processes on SQLite.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};
use support::*;

const SUITE: &str = r#"
name = "ops"
shard_size = 12
[[datasets]]
name = "demo"
format = "cnnspot"
root = "data/cnnspot"
[[detectors]]
name = "npr"
kind = "builtin"
"#;

fn http_get(address: &str, path: &str) -> String {
    let mut stream = std::net::TcpStream::connect(address).expect("connect to metrics");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response
}

fn prediction_count(database_url: &str) -> i64 {
    let output = dfbench()
        .args(["status", "--database-url", database_url, "--runs", "1"])
        .output()
        .expect("status");
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|line| line.split("predictions ").nth(1))
        .and_then(|rest| rest.split('/').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn metrics_status_and_cancel() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    run_ok(&["synth", "--out", "data"], work);
    std::fs::write(work.join("suite.toml"), SUITE).expect("suite");
    let database_url = format!("sqlite:{}", work.join("ops.db").display());

    let mut coordinator = dfbench()
        .args([
            "coordinator",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            &database_url,
        ])
        .args(["--heartbeat-secs", "0.3", "--metrics-listen", "127.0.0.1:0"])
        .current_dir(work)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("coordinator");
    let mut lines = BufReader::new(coordinator.stderr.take().expect("stderr")).lines();
    let _coordinator = KillOnDrop(coordinator);
    let mut url = String::new();
    let mut metrics = String::new();
    while url.is_empty() || metrics.is_empty() {
        let line = lines.next().expect("coordinator output").expect("line");
        if let Some(rest) = line.strip_prefix("coordinator listening on ") {
            url = rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
        }
        if let Some(rest) = line.strip_prefix("metrics at http://") {
            metrics = rest.trim_end_matches("/metrics").to_string();
        }
    }
    std::thread::spawn(move || for _ in lines {});

    let _workers = [
        start_worker_with(
            &url,
            "w1",
            &["--chunk-size", "2", "--chunk-delay-ms", "200"],
        ),
        start_worker_with(
            &url,
            "w2",
            &["--chunk-size", "2", "--chunk-delay-ms", "200"],
        ),
    ];
    let run = spawn_in_background(
        &[
            "run",
            "suite.toml",
            "--coordinator",
            &url,
            "--database-url",
            &database_url,
        ],
        work,
        "run",
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while prediction_count(&database_url) < 20 {
        assert!(Instant::now() < deadline, "no progress");
        std::thread::sleep(Duration::from_millis(100));
    }

    let scrape = http_get(&metrics, "/metrics");
    assert!(scrape.starts_with("HTTP/1.1 200"), "{scrape}");
    assert!(scrape.contains("dfbench_workers_alive 2"), "{scrape}");
    assert!(
        scrape.contains("dfbench_shards{state=\"leased\"}"),
        "{scrape}"
    );
    assert!(scrape.contains("dfbench_runs_running 1"), "{scrape}");
    let ingested: u64 = scrape
        .lines()
        .find_map(|line| line.strip_prefix("dfbench_predictions_ingested_total "))
        .and_then(|value| value.parse().ok())
        .expect("ingest counter");
    assert!(ingested >= 20, "{scrape}");
    assert!(http_get(&metrics, "/other").starts_with("HTTP/1.1 404"));

    let status = dfbench()
        .args(["status", "--database-url", &database_url])
        .output()
        .expect("status");
    let status = String::from_utf8_lossy(&status.stdout);
    assert!(
        status.contains("workers: 2 alive") && status.contains("w1") && status.contains("running"),
        "{status}"
    );

    let stderr = std::fs::read_to_string(work.join("run.err")).expect("run log");
    let run_id = run_id_from(&stderr);
    run_ok(&["cancel", "--run", &run_id, "--coordinator", &url], work);
    let (ok, _, stderr) = wait_background(run, work, "run", Duration::from_secs(30));
    assert!(
        !ok && stderr.contains("cancelled"),
        "the client reports the cancel:\n{stderr}"
    );
    // Workers stop within a heartbeat (0.3 s) plus the chunk in flight (0.2 s).
    std::thread::sleep(Duration::from_millis(1000));
    let after_cancel = prediction_count(&database_url);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        prediction_count(&database_url),
        after_cancel,
        "no predictions land after the cancel"
    );
    let total = 2 * 120; // not reached: the run was stopped midway
    assert!(
        after_cancel < total,
        "cancelled before the end ({after_cancel} of {total})"
    );
}

#[test]
fn tls_end_to_end_with_a_private_ca() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    // A private CA and a server certificate it signed, as a lab would set up.
    std::fs::write(
        work.join("san.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .expect("ext");
    let steps: [&[&str]; 3] = [
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=dfbench test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ],
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            "key.pem",
            "-out",
            "server.csr",
        ],
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "san.ext",
            "-out",
            "cert.pem",
        ],
    ];
    for step in steps {
        let openssl = std::process::Command::new("openssl")
            .args(step)
            .current_dir(work)
            .output()
            .expect("openssl (Debian's openssl package) makes the test certificates");
        assert!(
            openssl.status.success(),
            "{}",
            String::from_utf8_lossy(&openssl.stderr)
        );
    }
    run_ok(&["synth", "--out", "data"], work);
    std::fs::write(work.join("suite.toml"), SUITE).expect("suite");
    let database_url = format!("sqlite:{}", work.join("tls.db").display());
    let cert = work.join("cert.pem").display().to_string();
    let key = work.join("key.pem").display().to_string();
    let ca = work.join("ca.pem").display().to_string();
    let (_coordinator, url) =
        start_coordinator(&database_url, &["--tls-cert", &cert, "--tls-key", &key]);
    assert!(url.starts_with("https://"), "{url}");
    let url = url.replace("127.0.0.1", "localhost");

    // Without the CA the certificate is not trusted; plain http to a TLS port fails too.
    let untrusted = dfbench()
        .args(["run", "suite.toml", "--coordinator", &url])
        .current_dir(work)
        .output()
        .expect("run");
    assert!(!untrusted.status.success());
    let plain = url.replace("https://", "http://");
    let refused = dfbench()
        .args(["run", "suite.toml", "--coordinator", &plain])
        .current_dir(work)
        .output()
        .expect("run");
    assert!(!refused.status.success());

    let worker = dfbench()
        .args(["worker", "--coordinator", &url, "--worker-id", "tls-worker"])
        .env("DFBENCH_TLS_CA", &ca)
        .stdout(Stdio::null())
        .spawn()
        .expect("worker");
    let _worker = KillOnDrop(worker);
    let output = dfbench()
        .args([
            "run",
            "suite.toml",
            "--coordinator",
            &url,
            "--database-url",
            &database_url,
        ])
        .env("DFBENCH_TLS_CA", &ca)
        .current_dir(work)
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("240 predictions, 0 failed"));
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_and_mismatched_requests_are_refused_clearly() {
    use dfbench_proto::v1 as pb;
    let dir = tempfile::tempdir().expect("tempdir");
    let database_url = format!("sqlite:{}", dir.path().join("v.db").display());
    let (_coordinator, url) = start_coordinator(&database_url, &[]);
    let mut client = dfbench_client::connect(&url, None, Duration::from_secs(10))
        .await
        .expect("connect");
    let registration = pb::RegisterWorkerRequest {
        worker_id: "w".into(),
        incarnation: 1,
        protocol_version: 999,
        dfbench_version: "9.9.9".into(),
        ..Default::default()
    };
    let mismatch = client
        .register_worker(registration.clone())
        .await
        .expect_err("protocol mismatch");
    assert_eq!(mismatch.code(), tonic::Code::FailedPrecondition);
    let message = mismatch.message();
    assert!(
        message.contains("999")
            && message.contains("9.9.9")
            && message.contains(&format!("speaks {}", dfbench_proto::PROTOCOL_VERSION)),
        "{message}"
    );
    let nameless = pb::RegisterWorkerRequest {
        worker_id: String::new(),
        protocol_version: dfbench_proto::PROTOCOL_VERSION,
        ..registration
    };
    assert_eq!(
        client
            .register_worker(nameless)
            .await
            .expect_err("no id")
            .code(),
        tonic::Code::InvalidArgument
    );
    let empty_batch = pb::PredictionBatch {
        complete: None,
        clips: Vec::new(),
        worker_id: "w".into(),
        incarnation: 1,
        shard_id: 1,
        epoch: 1,
        predictions: vec![pb::Prediction {
            sample_id: 1,
            detector: "npr".into(),
            outcome: None,
            latency_us: 0,
            detector_fingerprint: String::new(),
        }],
    };
    let refused = client
        .report_predictions(tokio_stream::iter(vec![empty_batch]))
        .await
        .expect_err("no outcome");
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);
    let unknown = client
        .watch_run(pb::WatchRunRequest {
            run_id: "nope".into(),
        })
        .await
        .expect_err("unknown run");
    assert_eq!(unknown.code(), tonic::Code::NotFound);
    let bad_suite = client
        .submit_run(pb::SubmitRunRequest {
            suite_toml: "name = 3".into(),
            data_root: "/".into(),
            ..Default::default()
        })
        .await
        .expect_err("bad suite");
    assert_eq!(bad_suite.code(), tonic::Code::InvalidArgument);
}
