//! Starting the coordinator: bind, serve gRPC behind the token check, and run the supervisor
//! beside it (expired leases back to the queue, runs without workers failed with a reason).

use crate::auth::TokenCheck;
use crate::faults::{StoreFaults, Throttle};
use crate::metrics::{CoordinatorMetrics, serve_metrics};
use crate::service::{CoordinatorService, ServiceTimings};
use dfbench_proto::MAX_MESSAGE_BYTES;
use dfbench_proto::v1::coordinator_server::CoordinatorServer;
use dfbench_store::{Store, now_ms};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tonic::service::interceptor::InterceptedService;

#[derive(Debug, Clone)]
pub struct CoordinatorConfig {
    pub listen: SocketAddr,
    pub timings: ServiceTimings,
    /// How often expired leases and worker-less runs are looked for.
    pub reap_interval: Duration,
    /// A running run fails when no worker has been seen for this long.
    pub no_worker_grace: Duration,
    /// Bearer token every RPC must carry; required when `listen` is not loopback.
    pub token: Option<String>,
    /// Where to serve Prometheus metrics over plain HTTP (`GET /metrics`), if anywhere. Beyond
    /// loopback a scrape must carry the token (Prometheus `bearer_token`) unless
    /// `metrics_public`.
    pub metrics_listen: Option<SocketAddr>,
    /// Serve `/metrics` beyond loopback without the token (an explicit choice).
    pub metrics_public: bool,
    /// Serve gRPC over TLS with this PEM certificate chain and private key.
    pub tls: Option<TlsFiles>,
    /// The folders submitted runs may read (`--serve-root`): every dataset root, manifest,
    /// DFB JSON, card and model path must resolve inside one. `None` reads anywhere (an
    /// embedded coordinator whose caller confines it; `dfbench coordinator` always sets it).
    pub serve_roots: Option<dfbench_benchmarks::roots::ServeRoots>,
    /// The folder prepare runs write under (`--output-root`): a prepare run's output folder is
    /// leased relative to it, and each worker checks it against its own. `None`: prepare runs
    /// are refused.
    pub output_root: Option<std::path::PathBuf>,
}

/// PEM certificate chain and private key for serving TLS.
#[derive(Clone)]
pub struct TlsFiles {
    pub certificate_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
}

impl std::fmt::Debug for TlsFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsFiles { .. }")
    }
}

impl CoordinatorConfig {
    /// Defaults: heartbeat 2 s, lease TTL 3 heartbeats, supervisor every second, runs fail
    /// after 2 minutes without any worker.
    pub fn new(listen: SocketAddr) -> Self {
        CoordinatorConfig {
            listen,
            timings: ServiceTimings {
                heartbeat_interval: Duration::from_secs(2),
                lease_ttl: Duration::from_secs(6),
                acquire_wait: Duration::from_secs(2),
                watch_interval: Duration::from_millis(300),
            },
            reap_interval: Duration::from_secs(1),
            no_worker_grace: Duration::from_secs(120),
            token: None,
            metrics_listen: None,
            metrics_public: false,
            serve_roots: None,
            output_root: None,
            tls: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}; pick a free port with --listen")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("{0}")]
    Insecure(String),
    #[error("gRPC server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
    #[error(
        "TLS certificate or key is not usable: {0}; give a PEM certificate chain and its PEM private key"
    )]
    Tls(tonic::transport::Error),
}

/// A coordinator serving in a background task.
pub struct RunningCoordinator {
    pub addr: SocketAddr,
    tls: bool,
    /// Where Prometheus metrics are served, when enabled.
    pub metrics_addr: Option<SocketAddr>,
    shutdown: watch::Sender<bool>,
    handle: JoinHandle<Result<(), ServeError>>,
}

/// How long a stopping coordinator lets open requests (a worker's report stream, a client's
/// `WatchRun`) finish before it cuts them. Every accepted write is already in the database,
/// and workers and clients reconnect to the next coordinator, so a stop must fit inside a
/// scheduler's kill wait (Slurm's KillWait is 30 s by default) rather than wait on streams.
pub const DRAIN: std::time::Duration = std::time::Duration::from_secs(5);

impl RunningCoordinator {
    /// `http://addr`, for workers and clients.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Stops serving and waits for the server to finish: open requests get [`DRAIN`] to end.
    pub async fn shutdown(self) -> Result<(), ServeError> {
        let _ = self.shutdown.send(true);
        match self.handle.await {
            Ok(result) => result,
            Err(join_error) => {
                tracing::error!(%join_error, "coordinator task ended abnormally");
                Ok(())
            }
        }
    }
}

/// Binds `config.listen` (port 0 picks a free one) and serves in a background task.
pub async fn spawn(
    store: Arc<dyn Store>,
    config: CoordinatorConfig,
) -> Result<RunningCoordinator, ServeError> {
    let token_check = TokenCheck::new(config.token.clone());
    token_check
        .validate_listen(config.listen)
        .map_err(ServeError::Insecure)?;
    let bind_error = |source| ServeError::Bind {
        addr: config.listen,
        source,
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(bind_error)?;
    let addr = listener.local_addr().map_err(bind_error)?;
    let metrics = Arc::new(CoordinatorMetrics::default());
    if !config.listen.ip().is_loopback() && config.tls.is_none() {
        tracing::warn!(listen = %config.listen, "the token travels unencrypted beyond loopback: serve TLS with --tls-cert/--tls-key, or keep the network private");
    }
    let metrics_addr = match config.metrics_listen {
        Some(metrics_listen) => {
            // Loopback scrapes, and an explicit --metrics-public, need no token.
            let scrape_check = if metrics_listen.ip().is_loopback() || config.metrics_public {
                TokenCheck::new(None)
            } else if token_check.is_required() {
                token_check.clone()
            } else {
                return Err(ServeError::Insecure(format!(
                    "refusing to serve /metrics on {metrics_listen} without a token: set DFBENCH_TOKEN \
                     (Prometheus then sends it as `bearer_token`), pass --metrics-public, or listen on 127.0.0.1"
                )));
            };
            let metrics_error = |source| ServeError::Bind {
                addr: metrics_listen,
                source,
            };
            let metrics_listener = tokio::net::TcpListener::bind(metrics_listen)
                .await
                .map_err(metrics_error)?;
            let bound = metrics_listener.local_addr().map_err(metrics_error)?;
            tokio::spawn(serve_metrics(
                metrics_listener,
                Arc::clone(&store),
                Arc::clone(&metrics),
                scrape_check,
            ));
            Some(bound)
        }
        None => None,
    };
    let mut builder = tonic::transport::Server::builder();
    let tls = config.tls.is_some();
    if let Some(files) = &config.tls {
        let identity = tonic::transport::Identity::from_pem(&files.certificate_pem, &files.key_pem);
        builder = builder
            .tls_config(tonic::transport::ServerTlsConfig::new().identity(identity))
            .map_err(ServeError::Tls)?;
    }
    let (sender, receiver) = watch::channel(false);
    let handle = tokio::spawn(async move {
        let work_ready = Arc::new(Notify::new());
        let faults = Arc::new(StoreFaults::default());
        let supervisor = tokio::spawn(supervise(
            Arc::clone(&store),
            config.clone(),
            Arc::clone(&work_ready),
            Arc::clone(&faults),
        ));
        let recovery = tokio::spawn(crate::faults::recover(
            Arc::clone(&store),
            Arc::clone(&faults),
        ));
        let service = CoordinatorService::with_faults(
            store,
            config.timings.clone(),
            work_ready,
            metrics,
            faults,
        )
        .serving(config.serve_roots.clone())
        .writing(config.output_root.clone());
        let server = CoordinatorServer::new(service)
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);
        // Small messages (a progress update, a lease) must leave at once: without TCP_NODELAY
        // on accepted sockets, Nagle's algorithm and the peer's delayed ACK delay
        // replies that follow an unacknowledged write (tonic's own nodelay option only covers
        // listeners it binds itself).
        let incoming = tokio_stream::StreamExt::map(
            tokio_stream::wrappers::TcpListenerStream::new(listener),
            |accepted| {
                accepted.and_then(|stream| {
                    stream.set_nodelay(true)?;
                    Ok(stream)
                })
            },
        );
        let stop = |mut receiver: watch::Receiver<bool>| async move {
            let _ = receiver.wait_for(|stop| *stop).await;
        };
        let serve = builder
            .add_service(InterceptedService::new(server, token_check))
            .serve_with_incoming_shutdown(incoming, stop(receiver.clone()));
        let result = tokio::select! {
            result = serve => result,
            () = async {
                stop(receiver).await;
                tokio::time::sleep(DRAIN).await;
            } => {
                tracing::warn!("requests still open {DRAIN:?} after the stop were cut");
                Ok(())
            }
        };
        supervisor.abort();
        recovery.abort();
        result.map_err(ServeError::from)
    });
    Ok(RunningCoordinator {
        addr,
        tls,
        metrics_addr,
        shutdown: sender,
        handle,
    })
}

/// Returns expired leases to the queue, finishes runs left complete but running, and fails
/// runs that have had no worker for the grace period. A store error is logged and retried next tick (e.g. while Postgres restarts).
///
/// While a fatal database fault is in force (see `faults`) it writes nothing: the recovery
/// task fails the stopped runs, and reaping would only hand their shards out again. A store
/// error is logged at most once a second.
async fn supervise(
    store: Arc<dyn Store>,
    config: CoordinatorConfig,
    work_ready: Arc<Notify>,
    faults: Arc<StoreFaults>,
) {
    let started = now_ms();
    let mut throttle = Throttle::default();
    let mut report = |error: &dfbench_store::StoreError, what: &str| {
        faults.record(error);
        if throttle.ready() {
            tracing::error!(%error, "supervisor could not {what}");
        }
    };
    let grace_ms = config.no_worker_grace.as_millis() as i64;
    let mut ticker = tokio::time::interval(config.reap_interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        if faults.current().is_some() {
            continue;
        }
        let now = now_ms();
        match store.reap_expired_leases(now).await {
            Ok(0) => {}
            Ok(reaped) => {
                tracing::warn!(reaped, "expired leases returned to the queue");
                work_ready.notify_waiters();
            }
            Err(error) => report(&error, "reap leases"),
        }
        match store.finish_complete_runs(now).await {
            Ok(finished) => {
                for run_id in finished {
                    tracing::warn!(%run_id, "finished a run whose last completion did not");
                }
            }
            Err(error) => report(&error, "finish complete runs"),
        }
        // Failed and cancelled runs too: their stored predictions are reusable facts.
        if let Err(error) = store.index_ended_runs().await {
            report(&error, "index ended runs for reuse");
        }
        // Only judge after this coordinator itself has been up for the grace period, so a
        // restart does not fail runs whose workers are still reconnecting.
        if now - started < grace_ms {
            continue;
        }
        let message = format!(
            "no worker was seen for {:.0}s: start workers with `dfbench worker --coordinator URL`, then resubmit",
            config.no_worker_grace.as_secs_f64()
        );
        match store
            .fail_runs_without_workers(now - grace_ms, now, &message)
            .await
        {
            Ok(failed) => {
                for run_id in failed {
                    tracing::error!(%run_id, %message, "run failed");
                }
            }
            Err(error) => report(&error, "check for workers"),
        }
    }
}
