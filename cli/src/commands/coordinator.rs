//! `dfbench coordinator`: serve gRPC over a database until Ctrl-C / SIGTERM.

use super::{DEFAULT_DATABASE_URL, open_store};
use dfbench_coordinator::CoordinatorConfig;
use std::net::SocketAddr;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct CoordinatorArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:50551", env = "DFBENCH_LISTEN")]
    pub listen: SocketAddr,
    /// sqlite:PATH or postgres://USER@HOST/DB.
    #[arg(long, default_value = DEFAULT_DATABASE_URL, env = "DATABASE_URL")]
    pub database_url: String,
    /// Seconds between worker heartbeats; a lease lives three of them.
    #[arg(long, default_value_t = 2.0)]
    pub heartbeat_secs: f64,
}

pub async fn execute(args: CoordinatorArgs) -> anyhow::Result<ExitCode> {
    let store = open_store(&args.database_url).await?;
    let mut config = CoordinatorConfig::new(args.listen);
    let heartbeat = std::time::Duration::from_secs_f64(args.heartbeat_secs.max(0.1));
    config.timings.heartbeat_interval = heartbeat;
    config.timings.lease_ttl = heartbeat * 3;
    let backend = store.backend();
    let coordinator = dfbench_coordinator::spawn(store, config).await?;
    // Tests and scripts read this line to learn the port when listening on port 0.
    eprintln!(
        "coordinator listening on {} ({backend} store)",
        coordinator.url()
    );
    shutdown_signal().await;
    eprintln!("coordinator shutting down");
    coordinator.shutdown().await?;
    Ok(ExitCode::SUCCESS)
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(error) => {
                    tracing::warn!(%error, "cannot listen for SIGTERM");
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
