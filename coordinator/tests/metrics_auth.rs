//! `/metrics` beyond loopback: refused to start without a token (unless --metrics-public),
//! and a scrape without the right bearer token gets 401.

use dfbench_coordinator::{CoordinatorConfig, spawn};
use std::io::{Read, Write};
use std::sync::Arc;

async fn store(dir: &tempfile::TempDir) -> Arc<dyn dfbench_store::Store> {
    let url = format!("sqlite:{}", dir.path().join("m.db").display());
    dfbench_store::open_store(&url).await.expect("store")
}

fn config(token: Option<&str>, public: bool) -> CoordinatorConfig {
    let mut config = CoordinatorConfig::new("127.0.0.1:0".parse().expect("addr"));
    config.metrics_listen = Some("0.0.0.0:0".parse().expect("addr"));
    config.metrics_public = public;
    config.token = token.map(str::to_string);
    config
}

fn scrape(port: u16, token: Option<&str>) -> String {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n"
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response
}

#[tokio::test(flavor = "multi_thread")]
async fn remote_metrics_need_the_token_or_an_explicit_public_flag() {
    let dir = tempfile::tempdir().expect("tmp");
    let refused = spawn(store(&dir).await, config(None, false)).await;
    let error = refused.err().expect("no token, no public flag").to_string();
    assert!(error.contains("--metrics-public"), "{error}");

    let guarded = spawn(store(&dir).await, config(Some("s3cret"), false))
        .await
        .expect("with a token");
    let port = guarded.metrics_addr.expect("metrics").port();
    let answers = tokio::task::spawn_blocking(move || {
        [None, Some("wrong"), Some("s3cret")].map(|token| scrape(port, token))
    })
    .await
    .expect("scrapes");
    assert!(answers[0].starts_with("HTTP/1.1 401"), "{}", answers[0]);
    assert!(answers[1].starts_with("HTTP/1.1 401"), "{}", answers[1]);
    assert!(answers[2].starts_with("HTTP/1.1 200"), "{}", answers[2]);
    guarded.shutdown().await.expect("shutdown");

    let public = spawn(store(&dir).await, config(None, true))
        .await
        .expect("explicitly public");
    let port = public.metrics_addr.expect("metrics").port();
    let answer = tokio::task::spawn_blocking(move || scrape(port, None))
        .await
        .expect("scrape");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    public.shutdown().await.expect("shutdown");
}
