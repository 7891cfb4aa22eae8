//! Starting the coordinator: bind, serve gRPC, and run the lease reaper beside it.

use crate::service::{CoordinatorService, ServiceTimings};
use dfbench_proto::v1::coordinator_server::CoordinatorServer;
use dfbench_store::{Store, now_ms};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;

/// Largest gRPC message accepted (a prediction batch or a shard lease).
const MAX_MESSAGE_BYTES: usize = 32 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct CoordinatorConfig {
    pub listen: SocketAddr,
    pub timings: ServiceTimings,
    /// How often expired leases are looked for.
    pub reap_interval: Duration,
}

impl CoordinatorConfig {
    /// Defaults: heartbeat 2 s, lease TTL 3 heartbeats, reaper every second.
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
    #[error("gRPC server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
}

/// A coordinator running in this process (local mode and tests).
pub struct RunningCoordinator {
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    handle: JoinHandle<Result<(), ServeError>>,
}

impl RunningCoordinator {
    /// `http://addr`, for workers and clients.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops serving and waits for the server to finish.
    pub async fn shutdown(mut self) -> Result<(), ServeError> {
        if let Some(sender) = self.shutdown.take() {
            let _ = sender.send(());
        }
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
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Bind {
        addr: config.listen,
        source,
    })?;
    let (sender, receiver) = oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        serve_listener(store, config, listener, async {
            let _ = receiver.await;
        })
        .await
    });
    Ok(RunningCoordinator {
        addr,
        shutdown: Some(sender),
        handle,
    })
}

async fn serve_listener(
    store: Arc<dyn Store>,
    config: CoordinatorConfig,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let work_ready = Arc::new(Notify::new());
    let reaper = tokio::spawn(reap_forever(
        Arc::clone(&store),
        config.reap_interval,
        Arc::clone(&work_ready),
    ));
    let service = CoordinatorService::new(store, config.timings.clone(), work_ready);
    let server = CoordinatorServer::new(service)
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
    let result = tonic::transport::Server::builder()
        .add_service(server)
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await;
    reaper.abort();
    result.map_err(ServeError::from)
}

/// Returns expired leases to the queue; a store error is logged and retried next tick.
async fn reap_forever(store: Arc<dyn Store>, interval: Duration, work_ready: Arc<Notify>) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        match store.reap_expired_leases(now_ms()).await {
            Ok(0) => {}
            Ok(reaped) => {
                tracing::warn!(reaped, "expired leases returned to the queue");
                work_ready.notify_waiters();
            }
            Err(error) => tracing::error!(%error, "reaper could not reach the store"),
        }
    }
}
