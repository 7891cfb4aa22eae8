//! dfbench-client: connecting to a coordinator. One place that dials, retries with backoff,
//! attaches the bearer token (`DFBENCH_TOKEN`) to every call and sets the message size limits,
//! and says goodbye for a worker that exits (`deregister_worker`, bounded in time).
//! Used by workers and by the client commands (`run`, `cancel`, `verify`).
//!
//! Owns only the connection; must not know about scoring, the store or reports.

use dfbench_proto::v1::coordinator_client::CoordinatorClient;
use std::time::Duration;
use tonic::metadata::AsciiMetadataValue;
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use dfbench_proto::MAX_MESSAGE_BYTES;

/// A coordinator client whose calls carry the token.
pub type Client = CoordinatorClient<InterceptedService<Channel, BearerToken>>;

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "coordinator at {url} is not reachable after {waited:.1?}: {message}; start it with `dfbench coordinator` or fix --coordinator"
    )]
    Unreachable {
        url: String,
        waited: Duration,
        message: String,
    },
    #[error("coordinator url `{url}` is invalid: {message}; use http://HOST:PORT")]
    BadUrl { url: String, message: String },
    #[error(
        "coordinator url `{url}`: host `{host}` is unknown ({message}); fix the host name in --coordinator"
    )]
    UnknownHost {
        url: String,
        host: String,
        message: String,
    },
    #[error("the token cannot be sent as a header: {0}; use printable ASCII in DFBENCH_TOKEN")]
    BadToken(String),
    #[error("cannot read the CA bundle {path} named by DFBENCH_TLS_CA: {source}")]
    CaBundle {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot set up TLS for {url}: {message}")]
    Tls { url: String, message: String },
}

/// Adds `authorization: Bearer <token>` to every request when a token is set.
#[derive(Clone)]
pub struct BearerToken(Option<AsciiMetadataValue>);

impl Interceptor for BearerToken {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(value) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

impl BearerToken {
    pub fn new(token: Option<&str>) -> Result<Self, ConnectError> {
        match token.filter(|token| !token.is_empty()) {
            None => Ok(BearerToken(None)),
            Some(token) => format!("Bearer {token}")
                .parse::<AsciiMetadataValue>()
                .map(|value| BearerToken(Some(value)))
                .map_err(|error| ConnectError::BadToken(error.to_string())),
        }
    }
}

/// Dials `url`, retrying with exponential backoff (100 ms … 2 s) for up to `patience` (a
/// refused connection may succeed once the coordinator is up: the first failure is logged at
/// once with its cause). A URL without an `http://`/`https://` scheme, or whose host does not
/// resolve, fails at once.
/// The returned client reconnects by itself if the coordinator restarts later.
/// An `https://` URL is dialled over TLS, trusting the system roots plus the PEM bundle named
/// by `DFBENCH_TLS_CA` (for a lab's own certificate authority or a self-signed certificate).
pub async fn connect(
    url: &str,
    token: Option<&str>,
    patience: Duration,
) -> Result<Client, ConnectError> {
    let bearer = BearerToken::new(token)?;
    let authority = authority_of(url)?;
    // A host that does not resolve never will: say so at once instead of retrying.
    let resolved = tokio::net::lookup_host(authority.as_str())
        .await
        .map(|_| ());
    if let Err(error) = resolved {
        return Err(ConnectError::UnknownHost {
            url: url.to_string(),
            host: authority,
            message: error.to_string(),
        });
    }
    let mut endpoint = Channel::from_shared(url.to_string())
        .map_err(|error| ConnectError::BadUrl {
            url: url.to_string(),
            message: error.to_string(),
        })?
        .connect_timeout(Duration::from_secs(5))
        .tcp_keepalive(Some(Duration::from_secs(20)));
    if url.starts_with("https://") {
        let mut tls = tonic::transport::ClientTlsConfig::new().with_native_roots();
        if let Ok(path) = std::env::var("DFBENCH_TLS_CA") {
            let pem = std::fs::read(&path).map_err(|source| ConnectError::CaBundle {
                path: path.clone(),
                source,
            })?;
            tls = tls.ca_certificate(tonic::transport::Certificate::from_pem(pem));
        }
        endpoint = endpoint
            .tls_config(tls)
            .map_err(|error| ConnectError::Tls {
                url: url.to_string(),
                message: error.to_string(),
            })?;
    }
    let started = tokio::time::Instant::now();
    let mut delay = Duration::from_millis(100);
    loop {
        match endpoint.connect().await {
            Ok(channel) => {
                return Ok(CoordinatorClient::with_interceptor(channel, bearer)
                    .max_decoding_message_size(MAX_MESSAGE_BYTES)
                    .max_encoding_message_size(MAX_MESSAGE_BYTES));
            }
            Err(error) => {
                let waited = started.elapsed();
                if waited >= patience {
                    return Err(ConnectError::Unreachable {
                        url: url.to_string(),
                        waited,
                        message: std::error::Error::source(&error)
                            .map(|source| source.to_string())
                            .unwrap_or_else(|| error.to_string()),
                    });
                }
                let cause = std::error::Error::source(&error)
                    .map(|source| source.to_string())
                    .unwrap_or_else(|| error.to_string());
                if delay == Duration::from_millis(100) {
                    // Said once, at once: the coordinator may still be starting.
                    tracing::warn!(%url, %cause, ?patience, "coordinator not reachable; retrying");
                } else {
                    tracing::info!(%url, %cause, ?delay, "coordinator not reachable yet, retrying");
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(2));
            }
        }
    }
}

/// `HOST:PORT` of an `http://` or `https://` URL (default port 80 / 443); any other URL is
/// refused before dialling.
fn authority_of(url: &str) -> Result<String, ConnectError> {
    let bad = |message: &str| ConnectError::BadUrl {
        url: url.to_string(),
        message: message.to_string(),
    };
    let (rest, default_port) = if let Some(rest) = url.strip_prefix("http://") {
        (rest, 80)
    } else if let Some(rest) = url.strip_prefix("https://") {
        (rest, 443)
    } else {
        return Err(bad(
            "it has no http:// or https:// scheme (https:// when the coordinator serves TLS)",
        ));
    };
    let host_port = rest.split('/').next().unwrap_or(rest);
    if host_port.is_empty() {
        return Err(bad("it names no host"));
    }
    let has_port = match host_port.rsplit_once(':') {
        Some((_, port)) => !port.contains(']'),
        None => false,
    };
    Ok(if has_port {
        host_port.to_string()
    } else {
        format!("{host_port}:{default_port}")
    })
}

/// Tells the coordinator that worker `worker_id` (this `incarnation`) is leaving because its
/// process exits, waiting at most `within` (an exiting process must not hang on a coordinator
/// that went away first). Returns whether the coordinator knew this incarnation; a coordinator
/// that predates the call answers `Unimplemented`.
pub async fn deregister_worker(
    client: &mut Client,
    worker_id: &str,
    incarnation: u64,
    within: Duration,
) -> Result<bool, tonic::Status> {
    let request = dfbench_proto::v1::DeregisterWorkerRequest {
        worker_id: worker_id.to_string(),
        incarnation,
    };
    match tokio::time::timeout(within, client.deregister_worker(request)).await {
        Ok(response) => Ok(response?.into_inner().known),
        Err(_) => Err(tonic::Status::deadline_exceeded(format!(
            "no answer within {within:?}"
        ))),
    }
}

/// Whether a failed call may succeed if repeated (coordinator or database restarting).
pub fn is_transient(status: &tonic::Status) -> bool {
    matches!(
        status.code(),
        tonic::Code::Unavailable
            | tonic::Code::Unknown
            | tonic::Code::DeadlineExceeded
            | tonic::Code::Cancelled
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_need_a_scheme_and_get_a_default_port() {
        assert_eq!(authority_of("http://h:1/x").expect("ok"), "h:1");
        assert_eq!(authority_of("https://h").expect("ok"), "h:443");
        assert_eq!(authority_of("http://[::1]").expect("ok"), "[::1]:80");
        assert_eq!(authority_of("http://[::1]:5").expect("ok"), "[::1]:5");
        let error = authority_of("localhost:50551").expect_err("no scheme");
        assert!(
            error.to_string().contains("no http:// or https:// scheme"),
            "{error}"
        );
        assert!(authority_of("http://").is_err());
    }
}
