//! The worker's pull loop: register, then lease a shard, score it in chunks while a heartbeat
//! task keeps the lease alive, stream predictions back, complete it, repeat until told to stop;
//! then say it leaves (deregister).
//! A coordinator that restarts is waited for with backoff; a lease the coordinator revokes
//! (expired, re-granted, cancelled) is dropped at the next chunk boundary. Told to stop
//! (SIGTERM, SIGINT, a preemption warning) while scoring, the worker stores the chunks it has
//! scored and releases the rest of the shard at once (`ReleaseShard`: re-queued for another
//! worker, no failure counted) instead of finishing it, so a scheduler's kill never has to wait
//! for a lease to expire.

use crate::chunks::ShardChunks;
use crate::prepare::leased::{PrepareShard, Refusal, is_prepare_lease};
use crate::runtime::load_detector;
use crate::scoring::{LoadedDetector, ShardInput, ShardScoring};
use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::perturb::{PerturbError, parse as parse_perturbation};
use dfbench_client::{Client, ConnectError, connect, deregister_worker, is_transient};
use dfbench_proto::PROTOCOL_VERSION;
use dfbench_proto::v1::{self as pb};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

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
    /// Bearer token (`DFBENCH_TOKEN`), if the coordinator requires one.
    pub token: Option<String>,
    /// Pause after each chunk: simulates a slow device in failure tests and demos.
    pub chunk_delay: Duration,
    /// Decoded memory one shard's scoring may hold (`--decode-budget`).
    pub decode_budget: crate::budget::DecodeBudget,
    /// The only folder prepare runs may write under (`--output-root`); `None`: this worker
    /// refuses prepare shards (`output_refused`).
    pub output_root: Option<PathBuf>,
    /// How prepare runs' videos are decoded (`--video-decoder`).
    pub video_decoder: crate::prepare::video::VideoDecoder,
}

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error("coordinator refused to register worker {worker_id}: {}", status.message())]
    Rejected {
        worker_id: String,
        status: tonic::Status,
    },
}

/// What a worker did before it stopped.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct WorkerStats {
    pub shards_completed: u64,
    pub shards_dropped: u64,
    /// Shards handed back unfinished because the worker was told to stop.
    pub shards_released: u64,
    pub predictions_sent: u64,
    pub clips_sent: u64,
}

/// Random per process start, so the coordinator can tell a restarted worker from its past life.
pub fn new_incarnation() -> u64 {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let mut value = [0u8; 8];
    value.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(value)
}

/// Identity of this worker process, shared by the loop and its heartbeat task.
#[derive(Clone)]
struct Identity {
    worker_id: String,
    incarnation: u64,
    device: String,
}

impl Identity {
    fn registration(&self) -> pb::RegisterWorkerRequest {
        pb::RegisterWorkerRequest {
            worker_id: self.worker_id.clone(),
            incarnation: self.incarnation,
            protocol_version: PROTOCOL_VERSION,
            dfbench_version: env!("CARGO_PKG_VERSION").to_string(),
            devices: vec![self.device.clone()],
            capabilities: crate::runtime::capabilities(),
            hostname: hostname(),
        }
    }
}

/// Registers, retrying transient errors (a coordinator that is restarting) with backoff.
/// A refusal (e.g. protocol mismatch) is final.
async fn register(
    client: &mut Client,
    identity: &Identity,
) -> Result<pb::RegisterWorkerResponse, WorkerError> {
    let mut delay = Duration::from_millis(200);
    loop {
        match client.register_worker(identity.registration()).await {
            Ok(response) => return Ok(response.into_inner()),
            Err(status) if is_transient(&status) => {
                tracing::warn!(%status, ?delay, "registration failed, retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            Err(status) => {
                return Err(WorkerError::Rejected {
                    worker_id: identity.worker_id.clone(),
                    status,
                });
            }
        }
    }
}

/// Runs until `stop` turns true. Returns an error only when the coordinator cannot be reached
/// at start or refuses this worker; everything that goes wrong with one shard is handled here.
pub async fn run_worker(
    config: WorkerConfig,
    mut stop: watch::Receiver<bool>,
) -> Result<WorkerStats, WorkerError> {
    let mut client = connect(
        &config.coordinator_url,
        config.token.as_deref(),
        config.connect_timeout,
    )
    .await?;
    let identity = Identity {
        worker_id: config.worker_id.clone(),
        incarnation: new_incarnation(),
        device: config.device.clone(),
    };
    let runtime = crate::runtime::describe(&config.device);
    tracing::info!(worker_id = %config.worker_id, %runtime, "worker runtime");
    let registration = register(&mut client, &identity).await?;
    let heartbeat_interval =
        Duration::from_millis(u64::from(registration.heartbeat_interval_ms.max(100)));
    tracing::info!(worker_id = %identity.worker_id, incarnation = identity.incarnation, ?heartbeat_interval, "worker registered");

    let current_lease: Arc<Mutex<Option<(i64, i64)>>> = Arc::new(Mutex::new(None));
    let (revoked_sender, revoked_receiver) = watch::channel(None::<i64>);
    let heartbeat = tokio::spawn(heartbeat_forever(
        client.clone(),
        identity.clone(),
        heartbeat_interval,
        Arc::clone(&current_lease),
        revoked_sender,
    ));

    let mut stats = WorkerStats::default();
    // Consecutive dropped shards: each waits longer before the next acquire (capped, with
    // jitter), so a coordinator that keeps refusing writes is not hammered.
    let mut drops = 0u32;
    let mut last_drop_cause = String::new();
    while !*stop.borrow() {
        let request = pb::AcquireShardRequest {
            worker_id: identity.worker_id.clone(),
            incarnation: identity.incarnation,
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
            &identity,
            &lease,
            revoked_receiver.clone(),
            stop.clone(),
        )
        .await;
        set_lease(&current_lease, None);
        match outcome {
            Ok((predictions, clips)) => {
                stats.shards_completed += 1;
                stats.predictions_sent += predictions;
                stats.clips_sent += clips;
                drops = 0;
            }
            Err(ShardError::Released { predictions }) => {
                stats.shards_released += 1;
                stats.predictions_sent += predictions;
                break;
            }
            Err(error) => {
                stats.shards_dropped += 1;
                // A run stopped by the coordinator (a fatal database fault) is said once, with
                // its cause; every other drop is logged as it happens.
                match error.stop_cause() {
                    Some(cause) if cause == last_drop_cause => {
                        tracing::debug!(shard_id = lease.shard_id, %error, "shard dropped");
                    }
                    Some(cause) => {
                        tracing::warn!(shard_id = lease.shard_id, cause = %cause, "shard dropped: the coordinator stopped its run");
                        last_drop_cause = cause.to_string();
                    }
                    None => {
                        tracing::warn!(shard_id = lease.shard_id, epoch = lease.epoch, %error, "shard dropped");
                    }
                }
                let delay = backoff(drops);
                drops = drops.saturating_add(1);
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = stop.changed() => break,
                }
            }
        }
    }
    heartbeat.abort();
    leave(&mut client, &identity).await;
    tracing::info!(worker_id = %identity.worker_id, ?stats, "worker stopped");
    Ok(stats)
}

/// Tells the coordinator this worker is leaving, so it is shown as `left` rather than alive
/// (or, later, silent). Best effort and bounded: a coordinator that is gone or predates the
/// call only costs a log line.
async fn leave(client: &mut Client, identity: &Identity) {
    let within = Duration::from_secs(2);
    match deregister_worker(client, &identity.worker_id, identity.incarnation, within).await {
        Ok(true) => {
            tracing::debug!(worker_id = %identity.worker_id, "told the coordinator this worker left")
        }
        Ok(false) => {
            tracing::debug!(worker_id = %identity.worker_id, "the coordinator no longer knew this worker")
        }
        Err(status) if status.code() == tonic::Code::Unimplemented => {
            tracing::debug!(%status, "coordinator predates DeregisterWorker")
        }
        Err(status) => {
            tracing::warn!(%status, "could not tell the coordinator this worker left; it will be seen silent")
        }
    }
}

fn set_lease(slot: &Mutex<Option<(i64, i64)>>, value: Option<(i64, i64)>) {
    match slot.lock() {
        Ok(mut guard) => *guard = value,
        Err(poisoned) => *poisoned.into_inner() = value,
    }
}

/// The (shard, epoch) the worker holds now, if any.
fn held_lease(slot: &Mutex<Option<(i64, i64)>>) -> Option<(i64, i64)> {
    match slot.lock() {
        Ok(guard) => *guard,
        Err(poisoned) => *poisoned.into_inner(),
    }
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|name| name.trim().to_string())
        .unwrap_or_default()
}

/// Heartbeats for the life of the worker, busy or idle; registers again when the coordinator
/// no longer knows this incarnation (e.g. it was pointed at a fresh database).
async fn heartbeat_forever(
    mut client: Client,
    identity: Identity,
    interval: Duration,
    current_lease: Arc<Mutex<Option<(i64, i64)>>>,
    revoked: watch::Sender<Option<i64>>,
) {
    let mut ticker = tokio::time::interval(interval);
    let mut stop_reason = String::new();
    loop {
        ticker.tick().await;
        let lease = held_lease(&current_lease);
        let leases = lease
            .map(|(shard_id, epoch)| vec![pb::LeaseState { shard_id, epoch }])
            .unwrap_or_default();
        let request = pb::HeartbeatRequest {
            worker_id: identity.worker_id.clone(),
            incarnation: identity.incarnation,
            leases,
        };
        match client.heartbeat(request).await {
            Ok(response) => {
                let response = response.into_inner();
                // Said once per cause, not per heartbeat.
                if response.stop_reason != stop_reason {
                    if !response.stop_reason.is_empty() {
                        tracing::warn!(cause = %response.stop_reason, "the coordinator stopped the runs in flight; waiting for work");
                    } else {
                        tracing::info!("the coordinator leases work again");
                    }
                    stop_reason = response.stop_reason.clone();
                }
                let holding = held_lease(&current_lease).map(|(shard_id, _)| shard_id);
                for shard_id in response.revoked_shard_ids {
                    // A shard completed while its heartbeat was on the way is no longer held:
                    // its "revocation" is the completion itself, not news.
                    if holding != Some(shard_id) {
                        tracing::debug!(shard_id, "lease ended before the heartbeat's answer");
                        continue;
                    }
                    if stop_reason.is_empty() {
                        tracing::warn!(shard_id, "lease revoked by the coordinator");
                    } else {
                        tracing::debug!(shard_id, "lease revoked: the run was stopped");
                    }
                    let _ = revoked.send(Some(shard_id));
                }
                if response.reregister {
                    tracing::warn!("coordinator does not know this worker, registering again");
                    if let Err(status) = client.register_worker(identity.registration()).await {
                        tracing::warn!(%status, "registering again failed");
                    }
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
    #[error("scoring crashed: {0}")]
    Scoring(String),
    #[error(transparent)]
    Perturbation(#[from] PerturbError),
    /// A prepare lease this worker will not take (its output folder lies outside this
    /// worker's output root, its recipe or face card does not match).
    #[error("prepare shard refused: {0}")]
    Refused(Refusal),
    /// Not an error: the worker was told to stop and handed the shard back after storing
    /// `predictions` of it.
    #[error("released: the worker is stopping")]
    Released { predictions: u64 },
}

impl ShardError {
    /// The coordinator's reason when it refused the shard's writes because it stopped the run
    /// (`Aborted`: a fatal database fault), else `None`.
    fn stop_cause(&self) -> Option<&str> {
        match self {
            ShardError::Report(status) | ShardError::Complete(status)
                if status.code() == tonic::Code::Aborted =>
            {
                Some(status.message())
            }
            _ => None,
        }
    }
}

/// Capped exponential backoff with jitter: 200 ms doubling to 5 s, scaled by [0.5, 1.0).
fn backoff(attempt: u32) -> Duration {
    dfbench_proto::retry::retry_delay(attempt, Duration::from_millis(200), Duration::from_secs(5))
}

/// Scores one leased shard and reports it. Returns the numbers of predictions and clip
/// outcomes sent.
async fn run_shard(
    client: &mut Client,
    config: &WorkerConfig,
    identity: &Identity,
    lease: &pb::ShardLease,
    mut revoked: watch::Receiver<Option<i64>>,
    mut stop: watch::Receiver<bool>,
) -> Result<(u64, u64), ShardError> {
    // Parsed once per shard. An id this worker cannot read fails on every worker alike, so the
    // shard is failed for good and each of its predictions records why.
    let perturbation = match parse_perturbation(&lease.perturbation) {
        Ok(perturbation) => perturbation,
        Err(error) => {
            let message = error.to_string();
            fail_shard(client, identity, lease, false, &error.kind(), &message).await;
            return Err(error.into());
        }
    };
    let mut chunks = match start_chunks(config, lease, perturbation) {
        Ok(chunks) => chunks,
        Err(refusal) => {
            fail_shard(
                client,
                identity,
                lease,
                false,
                &refusal.kind,
                &refusal.message,
            )
            .await;
            return Err(ShardError::Refused(refusal));
        }
    };
    let (sender, receiver) = tokio::sync::mpsc::channel::<pb::PredictionBatch>(2);
    let mut report_client = client.clone();
    let report = tokio::spawn(async move {
        report_client
            .report_predictions(tokio_stream::wrappers::ReceiverStream::new(receiver))
            .await
    });
    let (mut sent, mut clips_sent) = (0u64, 0u64);
    loop {
        // A stop wins over a chunk that is ready too: otherwise a pipelined shard could run to
        // its end while the worker is asked to stop.
        let scored = tokio::select! {
            biased;
            _ = stopped(&mut stop) => {
                return Err(release_rest(client, identity, lease, sender, report, sent).await);
            }
            scored = chunks.next_chunk() => scored,
        };
        let Some(scored) = scored else { break };
        if *revoked.borrow_and_update() == Some(lease.shard_id) {
            return Err(ShardError::Revoked);
        }
        let scored = match scored {
            Ok(scored) => scored,
            Err((kind, message)) => {
                fail_shard(client, identity, lease, true, &kind, &message).await;
                return Err(ShardError::Scoring(message));
            }
        };
        sent += scored.predictions.len() as u64;
        clips_sent += scored.clips.len() as u64;
        if !config.chunk_delay.is_zero() {
            // A throttled worker still hears a stop while it waits; the scored chunk is sent
            // first, and the loop's next turn releases the rest.
            tokio::select! {
                biased;
                _ = stopped(&mut stop) => {}
                _ = tokio::time::sleep(config.chunk_delay) => {}
            }
        }
        let batch = pb::PredictionBatch {
            worker_id: identity.worker_id.clone(),
            incarnation: identity.incarnation,
            shard_id: lease.shard_id,
            epoch: lease.epoch,
            predictions: scored.predictions,
            complete: None,
            clips: scored.clips,
        };
        if sender.send(batch).await.is_err() {
            // The stream ended early: the coordinator rejected it. The join below says why.
            break;
        }
    }
    // The stream's last message asks the coordinator to complete the shard once everything
    // is stored, saving the CompleteShard call. (If the stream already ended, the join says why.)
    let _ = sender
        .send(pb::PredictionBatch {
            worker_id: identity.worker_id.clone(),
            incarnation: identity.incarnation,
            shard_id: lease.shard_id,
            epoch: lease.epoch,
            predictions: Vec::new(),
            clips: Vec::new(),
            complete: Some(crate::runtime::provenance(
                &identity.device,
                config.chunk_size,
            )),
        })
        .await;
    drop(sender);
    let completed = match report.await {
        Ok(Ok(response)) => response.into_inner().completed,
        // The coordinator or its database was briefly away: what was stored stays stored, and
        // CompleteShard (with retries) says whether the shard is whole.
        Ok(Err(status)) if is_transient(&status) => {
            tracing::warn!(
                shard_id = lease.shard_id,
                %status,
                "report interrupted, completing separately"
            );
            false
        }
        Ok(Err(status)) => return Err(ShardError::Report(status)),
        Err(join_error) => return Err(ShardError::Scoring(join_error.to_string())),
    };
    if !completed {
        // A coordinator that predates `PredictionBatch.complete`, or an interrupted stream.
        complete(client, identity, lease, config.chunk_size).await?;
    }
    // Each leased sample is decoded once, whichever detectors read it: the union of their
    // frame selections.
    tracing::info!(
        shard_id = lease.shard_id,
        frames_decoded = lease.samples.len(),
        clip_only = lease
            .samples
            .iter()
            .filter(|sample| sample.clip_only)
            .count(),
        predictions = sent,
        clips = clips_sent,
        "shard completed"
    );
    Ok((sent, clips_sent))
}

/// Stops mid-shard: what was sent is stored once the stream ends, and the rest of the shard
/// goes back to the coordinator at once.
async fn release_rest(
    client: &mut Client,
    identity: &Identity,
    lease: &pb::ShardLease,
    sender: tokio::sync::mpsc::Sender<pb::PredictionBatch>,
    report: tokio::task::JoinHandle<
        Result<tonic::Response<pb::ReportPredictionsResponse>, tonic::Status>,
    >,
    sent: u64,
) -> ShardError {
    drop(sender);
    // Bounded, so a stop always ends within a scheduler's kill wait.
    match tokio::time::timeout(Duration::from_secs(10), report).await {
        Ok(Ok(Ok(_))) => {}
        Ok(Ok(Err(status))) => {
            tracing::warn!(shard_id = lease.shard_id, %status, "storing the last chunks failed")
        }
        Ok(Err(join_error)) => {
            tracing::warn!(shard_id = lease.shard_id, %join_error, "storing the last chunks failed")
        }
        Err(_) => tracing::warn!(
            shard_id = lease.shard_id,
            "storing the last chunks timed out"
        ),
    }
    release_shard(client, identity, lease).await;
    tracing::info!(
        shard_id = lease.shard_id,
        predictions = sent,
        "stopping: stored what was scored, released the rest of the shard"
    );
    ShardError::Released { predictions: sent }
}

/// The lease's chunks: its videos prepared (a prepare run), or its samples decoded and scored
/// by every detector of the run; a prepare lease this worker will not take is refused.
fn start_chunks(
    config: &WorkerConfig,
    lease: &pb::ShardLease,
    perturbation: dfbench_benchmarks::perturb::Perturbation,
) -> Result<ShardChunks, Refusal> {
    if is_prepare_lease(lease) {
        let output_root = config.output_root.as_deref();
        return PrepareShard::start(lease, output_root, &config.device, config.video_decoder)
            .map(ShardChunks::Prepare);
    }
    let detectors: Arc<Vec<LoadedDetector>> = Arc::new(
        lease
            .detectors
            .iter()
            .map(|spec| load_detector(spec, &config.device))
            .collect(),
    );
    let shard = ShardInput {
        root: PathBuf::from(&lease.dataset_root),
        samples: lease.samples.clone(),
        clips: lease.clips.clone(),
        perturbation,
        decode: crate::scoring::lease_decode_options(lease),
    };
    let scoring =
        ShardScoring::start_shard_within(shard, detectors, config.chunk_size, config.decode_budget);
    Ok(ShardChunks::Scoring(scoring))
}

/// Resolves once the worker is told to stop (at once if it already was).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    while !*stop.borrow_and_update() {
        if stop.changed().await.is_err() {
            // The sender is gone: nobody can ask this worker to stop any more.
            std::future::pending::<()>().await;
        }
    }
}

/// Hands the shard back unfinished (the worker is stopping): the coordinator re-queues it
/// without counting a failure. Bounded, best effort: a coordinator that cannot be told lets
/// the lease expire instead.
async fn release_shard(client: &mut Client, identity: &Identity, lease: &pb::ShardLease) {
    let request = pb::ReleaseShardRequest {
        worker_id: identity.worker_id.clone(),
        incarnation: identity.incarnation,
        shard_id: lease.shard_id,
        epoch: lease.epoch,
    };
    let within = Duration::from_secs(5);
    match tokio::time::timeout(within, client.release_shard(request)).await {
        Ok(Ok(_)) => {}
        Ok(Err(status)) => {
            tracing::warn!(shard_id = lease.shard_id, %status, "could not release the shard; its lease will expire")
        }
        Err(_) => {
            tracing::warn!(
                shard_id = lease.shard_id,
                ?within,
                "releasing the shard timed out; its lease will expire"
            )
        }
    }
}

/// Completes a shard, retrying while the coordinator or its database is briefly away. The
/// predictions are already stored, so retrying is safe; a stale lease is final.
async fn complete(
    client: &mut Client,
    identity: &Identity,
    lease: &pb::ShardLease,
    chunk_size: usize,
) -> Result<(), ShardError> {
    let mut delay = Duration::from_millis(200);
    for _ in 0..8 {
        let request = pb::CompleteShardRequest {
            worker_id: identity.worker_id.clone(),
            incarnation: identity.incarnation,
            shard_id: lease.shard_id,
            epoch: lease.epoch,
            provenance: Some(crate::runtime::provenance(&identity.device, chunk_size)),
        };
        match client.complete_shard(request).await {
            Ok(_) => return Ok(()),
            Err(status) if is_transient(&status) => {
                tracing::warn!(shard_id = lease.shard_id, %status, ?delay, "complete failed, retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(3));
            }
            Err(status) => return Err(ShardError::Complete(status)),
        }
    }
    Err(ShardError::Complete(tonic::Status::unavailable(
        "coordinator kept failing; the lease will expire and the shard be retried",
    )))
}

/// Tells the coordinator this worker cannot finish the shard; `retryable` lets another
/// attempt (on any worker) try again.
async fn fail_shard(
    client: &mut Client,
    identity: &Identity,
    lease: &pb::ShardLease,
    retryable: bool,
    kind: &FailureKind,
    message: &str,
) {
    let request = pb::FailShardRequest {
        worker_id: identity.worker_id.clone(),
        incarnation: identity.incarnation,
        shard_id: lease.shard_id,
        epoch: lease.epoch,
        retryable,
        reason: Some(pb::Failure {
            kind: kind.to_string(),
            message: message.to_string(),
        }),
    };
    if let Err(status) = client.fail_shard(request).await {
        tracing::warn!(shard_id = lease.shard_id, %status, "could not give the shard back; its lease will expire");
    }
}
