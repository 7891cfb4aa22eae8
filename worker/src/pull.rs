//! The worker's pull loop: register, then lease a shard, score it in chunks while a heartbeat
//! task keeps the lease alive, stream predictions back, complete it, repeat until told to stop.

use crate::runtime::load_detector;
use crate::scoring::{LoadedDetector, ShardScoring};
use dfbench_proto::PROTOCOL_VERSION;
use dfbench_proto::v1::coordinator_client::CoordinatorClient;
use dfbench_proto::v1::{self as pb};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tonic::transport::Channel;

/// Samples scored per chunk; each chunk becomes one prediction batch on the wire.
pub const DEFAULT_CHUNK: usize = 32;

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub coordinator_url: String,
    pub worker_id: String,
    /// Device detectors run on: `cpu` or `cuda:N`.
    pub device: String,
    /// How long to keep retrying the first connection before giving up.
    pub connect_timeout: Duration,
    pub chunk_size: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error(
        "coordinator at {url} is not reachable after {waited:?}: {message}; start it with `dfbench coordinator` or fix --coordinator"
    )]
    Unreachable {
        url: String,
        waited: Duration,
        message: String,
    },
    #[error("coordinator url `{url}` is invalid: {message}; use http://HOST:PORT")]
    BadUrl { url: String, message: String },
    #[error("coordinator refused to register worker {worker_id}: {status}")]
    Rejected {
        worker_id: String,
        status: tonic::Status,
    },
    #[error("coordinator call {call} failed: {status}")]
    Rpc {
        call: &'static str,
        status: tonic::Status,
    },
}

/// What a worker did before it stopped.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct WorkerStats {
    pub shards_completed: u64,
    pub shards_dropped: u64,
    pub predictions_sent: u64,
}

/// Random per process start, so the coordinator can tell a restarted worker from its past life.
pub fn new_incarnation() -> u64 {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let mut value = [0u8; 8];
    value.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(value)
}

async fn connect(config: &WorkerConfig) -> Result<CoordinatorClient<Channel>, WorkerError> {
    let endpoint = Channel::from_shared(config.coordinator_url.clone()).map_err(|error| {
        WorkerError::BadUrl {
            url: config.coordinator_url.clone(),
            message: error.to_string(),
        }
    })?;
    let started = tokio::time::Instant::now();
    let mut delay = Duration::from_millis(100);
    loop {
        match endpoint.connect().await {
            Ok(channel) => {
                return Ok(CoordinatorClient::new(channel)
                    .max_decoding_message_size(32 * 1024 * 1024)
                    .max_encoding_message_size(32 * 1024 * 1024));
            }
            Err(error) => {
                let waited = started.elapsed();
                if waited >= config.connect_timeout {
                    return Err(WorkerError::Unreachable {
                        url: config.coordinator_url.clone(),
                        waited,
                        message: format!("{error:?}"),
                    });
                }
                tracing::info!(url = %config.coordinator_url, ?delay, "coordinator not reachable yet, retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(2));
            }
        }
    }
}

/// Runs until `stop` turns true. Returns an error only when the coordinator cannot be reached
/// or refuses this worker; everything that goes wrong with one shard is handled here.
pub async fn run_worker(
    config: WorkerConfig,
    mut stop: watch::Receiver<bool>,
) -> Result<WorkerStats, WorkerError> {
    let mut client = connect(&config).await?;
    let incarnation = new_incarnation();
    let runtime = crate::runtime::describe(&config.device);
    tracing::info!(worker_id = %config.worker_id, %runtime, "worker runtime");
    let registration = client
        .register_worker(pb::RegisterWorkerRequest {
            worker_id: config.worker_id.clone(),
            incarnation,
            protocol_version: PROTOCOL_VERSION,
            dfbench_version: env!("CARGO_PKG_VERSION").to_string(),
            devices: vec![config.device.clone()],
            capabilities: crate::runtime::capabilities(),
            resident_detectors: Vec::new(),
            hostname: hostname(),
        })
        .await
        .map_err(|status| WorkerError::Rejected {
            worker_id: config.worker_id.clone(),
            status,
        })?
        .into_inner();
    let heartbeat_interval =
        Duration::from_millis(u64::from(registration.heartbeat_interval_ms.max(100)));
    tracing::info!(worker_id = %config.worker_id, incarnation, ?heartbeat_interval, "worker registered");

    let current_lease: Arc<Mutex<Option<(i64, i64)>>> = Arc::new(Mutex::new(None));
    let (revoked_sender, revoked_receiver) = watch::channel(None::<i64>);
    let heartbeat = tokio::spawn(heartbeat_forever(
        client.clone(),
        config.worker_id.clone(),
        incarnation,
        heartbeat_interval,
        Arc::clone(&current_lease),
        revoked_sender,
    ));

    let mut stats = WorkerStats::default();
    while !*stop.borrow() {
        let request = pb::AcquireShardRequest {
            worker_id: config.worker_id.clone(),
            incarnation,
            free_slots: 1,
        };
        let response = tokio::select! {
            response = client.acquire_shard(request) => response,
            _ = stop.changed() => break,
        };
        let lease = match response {
            Ok(response) => match response.into_inner().lease {
                Some(lease) => lease,
                None => continue,
            },
            Err(status) => {
                tracing::warn!(%status, "acquire failed, retrying");
                tokio::time::sleep(heartbeat_interval).await;
                continue;
            }
        };
        set_lease(&current_lease, Some((lease.shard_id, lease.epoch)));
        let outcome = run_shard(
            &mut client,
            &config,
            incarnation,
            &lease,
            revoked_receiver.clone(),
        )
        .await;
        set_lease(&current_lease, None);
        match outcome {
            Ok(sent) => {
                stats.shards_completed += 1;
                stats.predictions_sent += sent;
            }
            Err(error) => {
                stats.shards_dropped += 1;
                tracing::warn!(shard_id = lease.shard_id, epoch = lease.epoch, %error, "shard dropped");
            }
        }
    }
    heartbeat.abort();
    tracing::info!(worker_id = %config.worker_id, ?stats, "worker stopped");
    Ok(stats)
}

fn set_lease(slot: &Mutex<Option<(i64, i64)>>, value: Option<(i64, i64)>) {
    match slot.lock() {
        Ok(mut guard) => *guard = value,
        Err(poisoned) => *poisoned.into_inner() = value,
    }
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|name| name.trim().to_string())
        .unwrap_or_default()
}

async fn heartbeat_forever(
    mut client: CoordinatorClient<Channel>,
    worker_id: String,
    incarnation: u64,
    interval: Duration,
    current_lease: Arc<Mutex<Option<(i64, i64)>>>,
    revoked: watch::Sender<Option<i64>>,
) {
    let mut ticker = tokio::time::interval(interval);
    loop {
        ticker.tick().await;
        let lease = match current_lease.lock() {
            Ok(guard) => *guard,
            Err(poisoned) => *poisoned.into_inner(),
        };
        let leases = lease
            .map(|(shard_id, epoch)| {
                vec![pb::LeaseState {
                    shard_id,
                    epoch,
                    samples_done: 0,
                }]
            })
            .unwrap_or_default();
        let request = pb::HeartbeatRequest {
            worker_id: worker_id.clone(),
            incarnation,
            leases,
        };
        match client.heartbeat(request).await {
            Ok(response) => {
                for shard_id in response.into_inner().revoked_shard_ids {
                    tracing::warn!(shard_id, "lease revoked by the coordinator");
                    let _ = revoked.send(Some(shard_id));
                }
            }
            Err(status) => tracing::warn!(%status, "heartbeat failed"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum ShardError {
    #[error("lease revoked")]
    Revoked,
    #[error("reporting predictions failed: {0}")]
    Report(tonic::Status),
    #[error("completing the shard failed: {0}")]
    Complete(tonic::Status),
    #[error("scoring task failed: {0}")]
    Scoring(String),
}

/// Scores one leased shard and reports it. Returns the number of predictions sent.
async fn run_shard(
    client: &mut CoordinatorClient<Channel>,
    config: &WorkerConfig,
    incarnation: u64,
    lease: &pb::ShardLease,
    mut revoked: watch::Receiver<Option<i64>>,
) -> Result<u64, ShardError> {
    let detectors: Arc<Vec<LoadedDetector>> = Arc::new(
        lease
            .detectors
            .iter()
            .map(|spec| load_detector(spec, &config.device))
            .collect(),
    );
    let root = PathBuf::from(&lease.dataset_root);
    let (sender, receiver) = tokio::sync::mpsc::channel::<pb::PredictionBatch>(2);
    let mut report_client = client.clone();
    let report = tokio::spawn(async move {
        report_client
            .report_predictions(tokio_stream::wrappers::ReceiverStream::new(receiver))
            .await
    });
    let mut sent = 0u64;
    let mut scoring =
        ShardScoring::start(root, lease.samples.clone(), detectors, config.chunk_size);
    while let Some(scored) = scoring.next_chunk().await {
        if *revoked.borrow_and_update() == Some(lease.shard_id) {
            return Err(ShardError::Revoked);
        }
        let predictions = scored.map_err(|error| ShardError::Scoring(error.to_string()))?;
        sent += predictions.len() as u64;
        let batch = pb::PredictionBatch {
            worker_id: config.worker_id.clone(),
            incarnation,
            shard_id: lease.shard_id,
            epoch: lease.epoch,
            predictions,
        };
        if sender.send(batch).await.is_err() {
            // The stream ended early: the coordinator rejected it. The join below says why.
            break;
        }
    }
    drop(sender);
    match report.await {
        Ok(Ok(_)) => {}
        Ok(Err(status)) => return Err(ShardError::Report(status)),
        Err(join_error) => return Err(ShardError::Scoring(join_error.to_string())),
    }
    client
        .complete_shard(pb::CompleteShardRequest {
            worker_id: config.worker_id.clone(),
            incarnation,
            shard_id: lease.shard_id,
            epoch: lease.epoch,
        })
        .await
        .map_err(ShardError::Complete)?;
    tracing::info!(
        shard_id = lease.shard_id,
        predictions = sent,
        "shard completed"
    );
    Ok(sent)
}
