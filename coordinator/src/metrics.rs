//! Prometheus metrics over plain HTTP (`GET /metrics`): counters kept by the service, and
//! gauges read from the store at scrape time (workers alive, shards by state, running runs).
//! Rates such as predictions/s come from `rate(dfbench_predictions_ingested_total[1m])`.

use dfbench_store::{Store, now_ms};
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Workers seen within this window count as alive.
const ALIVE_WINDOW_MS: i64 = 30_000;

#[derive(Debug, Default)]
pub struct CoordinatorMetrics {
    pub leases_granted: AtomicU64,
    pub predictions_ingested: AtomicU64,
    pub prediction_failures_reported: AtomicU64,
    pub clip_predictions_ingested: AtomicU64,
    pub shards_completed: AtomicU64,
    pub shards_given_back: AtomicU64,
    pub shards_released: AtomicU64,
    pub stale_writes_rejected: AtomicU64,
}

impl CoordinatorMetrics {
    pub fn add(counter: &AtomicU64, amount: u64) {
        counter.fetch_add(amount, Ordering::Relaxed);
    }

    async fn render(&self, store: &dyn Store) -> String {
        let mut text = String::new();
        let counters = [
            (
                "dfbench_leases_granted_total",
                "Shard leases granted",
                &self.leases_granted,
            ),
            (
                "dfbench_predictions_ingested_total",
                "New predictions stored",
                &self.predictions_ingested,
            ),
            (
                "dfbench_prediction_failures_reported_total",
                "Failed predictions reported by workers (typed reasons in the store)",
                &self.prediction_failures_reported,
            ),
            (
                "dfbench_clip_predictions_ingested_total",
                "New clip outcomes stored (clip and thumbnail detectors)",
                &self.clip_predictions_ingested,
            ),
            (
                "dfbench_shards_completed_total",
                "Shards completed",
                &self.shards_completed,
            ),
            (
                "dfbench_shards_given_back_total",
                "Shards given back by workers",
                &self.shards_given_back,
            ),
            (
                "dfbench_shards_released_total",
                "Shards released by stopping workers (re-queued, no failure counted)",
                &self.shards_released,
            ),
            (
                "dfbench_stale_writes_rejected_total",
                "Worker writes refused because their lease was no longer current",
                &self.stale_writes_rejected,
            ),
        ];
        for (name, help, counter) in counters {
            let _ = writeln!(
                text,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                counter.load(Ordering::Relaxed)
            );
        }
        match store.cluster_stats(now_ms() - ALIVE_WINDOW_MS).await {
            Ok(stats) => {
                let _ = writeln!(
                    text,
                    "# HELP dfbench_workers_alive Workers seen in the last 30 s\n# TYPE dfbench_workers_alive gauge\ndfbench_workers_alive {}",
                    stats.workers_alive
                );
                let _ = writeln!(
                    text,
                    "# HELP dfbench_runs_running Runs in progress\n# TYPE dfbench_runs_running gauge\ndfbench_runs_running {}",
                    stats.runs_running
                );
                let _ = writeln!(
                    text,
                    "# HELP dfbench_shards Shards by state\n# TYPE dfbench_shards gauge"
                );
                for (state, count) in &stats.shards_by_state {
                    let _ = writeln!(text, "dfbench_shards{{state=\"{state}\"}} {count}");
                }
                let _ = writeln!(
                    text,
                    "# HELP dfbench_store_up Whether the store answered\n# TYPE dfbench_store_up gauge\ndfbench_store_up 1"
                );
            }
            Err(error) => {
                tracing::warn!(%error, "metrics scrape could not read the store");
                let _ = writeln!(
                    text,
                    "# HELP dfbench_store_up Whether the store answered\n# TYPE dfbench_store_up gauge\ndfbench_store_up 0"
                );
            }
        }
        text
    }
}

/// The bearer token of an HTTP request's `Authorization` header, if any.
fn bearer_of(request: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(request).ok()?;
    text.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        if !name.trim().eq_ignore_ascii_case("authorization") {
            return None;
        }
        value.trim().strip_prefix("Bearer ").map(str::trim)
    })
}

/// Serves `GET /metrics` until the task is dropped; a scrape without the token `check`
/// requires gets 401.
pub async fn serve_metrics(
    listener: tokio::net::TcpListener,
    store: Arc<dyn Store>,
    metrics: Arc<CoordinatorMetrics>,
    check: crate::auth::TokenCheck,
) {
    loop {
        let (mut socket, _) = match listener.accept().await {
            Ok(connection) => connection,
            Err(error) => {
                tracing::warn!(%error, "metrics listener accept failed");
                continue;
            }
        };
        let store = Arc::clone(&store);
        let metrics = Arc::clone(&metrics);
        let check = check.clone();
        tokio::spawn(async move {
            let mut request = Vec::with_capacity(1024);
            let mut buffer = [0u8; 1024];
            while !request.windows(4).any(|window| window == b"\r\n\r\n") && request.len() < 8192 {
                match socket.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    Ok(read) => request.extend_from_slice(&buffer[..read]),
                }
            }
            let response = if !check.accepts(bearer_of(&request)) {
                "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nContent-Length: 36\r\nConnection: close\r\n\r\nsend the coordinator's bearer token\n".to_string()
            } else if request.starts_with(b"GET /metrics") {
                let body = metrics.render(store.as_ref()).await;
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
            } else {
                "HTTP/1.1 404 Not Found\r\nContent-Length: 23\r\nConnection: close\r\n\r\ntry GET /metrics here\r\n".to_string()
            };
            let _ = socket.write_all(response.as_bytes()).await;
            let _ = socket.shutdown().await;
        });
    }
}
