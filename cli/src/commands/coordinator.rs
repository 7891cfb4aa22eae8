//! `dfbench coordinator`: serve gRPC over a database until Ctrl-C / SIGTERM.

use crate::args::StoreArgs;
use dfbench_benchmarks::roots::ServeRoots;
use dfbench_coordinator::CoordinatorConfig;
use std::net::SocketAddr;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct CoordinatorArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:50551", env = "DFBENCH_LISTEN")]
    pub listen: SocketAddr,
    /// Required when listening beyond loopback (a shared coordinator must not fall back to a
    /// SQLite file in its working folder).
    #[command(flatten)]
    pub store: StoreArgs,
    /// Seconds between worker heartbeats; a lease lives three of them.
    #[arg(long, default_value_t = 2.0)]
    pub heartbeat_secs: f64,
    /// A running run fails when no worker has been seen for this many seconds.
    #[arg(long, default_value_t = 120.0)]
    pub no_worker_grace_secs: f64,
    /// Bearer token every request must carry (required beyond loopback).
    #[arg(long, env = "DFBENCH_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Serve gRPC over TLS with this PEM certificate chain (clients then use https://).
    #[arg(long, env = "DFBENCH_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, env = "DFBENCH_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,
    /// Serve Prometheus metrics at http://ADDR/metrics. Beyond loopback a scrape must send the
    /// token (Prometheus `bearer_token`) unless --metrics-public.
    #[arg(long, env = "DFBENCH_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// Serve /metrics beyond loopback without the token.
    #[arg(long)]
    pub metrics_public: bool,
    /// A folder submitted runs may read (repeatable; the env var takes several separated by
    /// `:`): every dataset root, manifest, DFB JSON, card and model path a client names must
    /// lie inside one. Required beyond loopback; a loopback coordinator without one serves its
    /// current folder.
    #[arg(
        long = "serve-root",
        value_name = "PATH",
        env = "DFBENCH_SERVE_ROOTS",
        value_delimiter = ':'
    )]
    pub serve_roots: Vec<std::path::PathBuf>,
    /// The folder prepare runs (`dfbench prepare --coordinator`) write under: a run's output
    /// folder is leased relative to it, and each worker checks it against its own
    /// `--output-root`. Without it, prepare runs are refused.
    #[arg(long, value_name = "PATH", env = "DFBENCH_OUTPUT_ROOT")]
    pub output_root: Option<std::path::PathBuf>,
    /// Once listening, write the URL workers should dial to this file (an unspecified listen
    /// address such as 0.0.0.0 becomes this machine's host name); removed on exit. Scripts
    /// wait for it instead of guessing when the coordinator is up.
    #[arg(long, env = "DFBENCH_URL_FILE")]
    pub url_file: Option<std::path::PathBuf>,
}

pub async fn execute(args: CoordinatorArgs) -> anyhow::Result<ExitCode> {
    if !args.listen.ip().is_loopback() && args.store.database_url.is_none() {
        anyhow::bail!(
            "the coordinator listens on {} (beyond loopback) but no database was given: pass \
             --database-url postgres://USER@HOST/DB (or sqlite:PATH) or set \
             DFBENCH_DATABASE_URL; only a loopback coordinator defaults to sqlite:dfbench.db",
            args.listen
        );
    }
    let serve_roots = serve_roots(&args)?;
    let store = args.store.open().await?;
    let mut config = CoordinatorConfig::new(args.listen);
    let heartbeat = std::time::Duration::from_secs_f64(args.heartbeat_secs.max(0.1));
    config.timings.heartbeat_interval = heartbeat;
    config.timings.lease_ttl = heartbeat * 3;
    config.no_worker_grace = std::time::Duration::from_secs_f64(args.no_worker_grace_secs.max(1.0));
    config.token = args.token;
    config.metrics_listen = args.metrics_listen;
    config.metrics_public = args.metrics_public;
    eprintln!("serving files under {}", serve_roots.describe());
    config.serve_roots = Some(serve_roots);
    if let Some(root) = &args.output_root {
        eprintln!("prepare runs write under {}", root.display());
        config.output_root = Some(root.clone());
    }
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        let read = |path: &std::path::Path| {
            std::fs::read(path)
                .map_err(|error| anyhow::anyhow!("cannot read {}: {error}", path.display()))
        };
        config.tls = Some(dfbench_coordinator::TlsFiles {
            certificate_pem: read(cert)?,
            key_pem: read(key)?,
        });
    }
    let backend = store.backend();
    let coordinator = dfbench_coordinator::spawn(store, config).await?;
    // Tests and scripts read this line to learn the port when listening on port 0.
    eprintln!(
        "coordinator listening on {} ({backend} store)",
        coordinator.url()
    );
    if let Some(metrics) = coordinator.metrics_addr {
        eprintln!("metrics at http://{metrics}/metrics");
    }
    let url_file = match &args.url_file {
        Some(path) => Some(UrlFile::write(path, &coordinator.url())?),
        None => None,
    };
    shutdown_signal().await;
    eprintln!("coordinator shutting down");
    drop(url_file);
    coordinator.shutdown().await?;
    Ok(ExitCode::SUCCESS)
}

/// The folders this coordinator serves: those given, or (on loopback only) the current folder.
fn serve_roots(args: &CoordinatorArgs) -> anyhow::Result<ServeRoots> {
    if args.serve_roots.is_empty() {
        if !args.listen.ip().is_loopback() {
            anyhow::bail!(
                "the coordinator listens on {} (beyond loopback) but serves no folder: pass \
                 --serve-root PATH (repeatable) or set DFBENCH_SERVE_ROOTS=PATH[:PATH…] to the \
                 folders holding the datasets and detector cards clients may name; only a \
                 loopback coordinator defaults to its current folder",
                args.listen
            );
        }
        let here = std::env::current_dir()
            .map_err(|error| anyhow::anyhow!("cannot read the current folder: {error}"))?;
        return ServeRoots::new(&[here]).map_err(anyhow::Error::msg);
    }
    ServeRoots::new(&args.serve_roots).map_err(anyhow::Error::msg)
}

/// The `--url-file` of a listening coordinator; removed when dropped (on shutdown or error).
struct UrlFile(std::path::PathBuf);

impl UrlFile {
    /// Writes `url` (its unspecified address replaced by this host's name) atomically: a
    /// reader sees the whole URL or no file.
    fn write(path: &std::path::Path, url: &str) -> anyhow::Result<UrlFile> {
        let advertised = advertised_url(url);
        let partial = path.with_extension("partial");
        std::fs::write(&partial, format!("{advertised}\n"))
            .and_then(|()| std::fs::rename(&partial, path))
            .map_err(|error| {
                anyhow::anyhow!(
                    "cannot write the coordinator's URL to {} (--url-file): {error}",
                    path.display()
                )
            })?;
        eprintln!("wrote {advertised} to {}", path.display());
        Ok(UrlFile(path.to_path_buf()))
    }
}

impl Drop for UrlFile {
    fn drop(&mut self) {
        if let Err(error) = std::fs::remove_file(&self.0) {
            tracing::warn!(%error, path = %self.0.display(), "could not remove the URL file");
        }
    }
}

/// `url` with an unspecified host (`0.0.0.0`, `[::]`) replaced by this machine's host name,
/// which other machines can dial.
fn advertised_url(url: &str) -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty());
    match host {
        Some(host) => url
            .replacen("://0.0.0.0:", &format!("://{host}:"), 1)
            .replacen("://[::]:", &format!("://{host}:"), 1),
        None => url.to_string(),
    }
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
