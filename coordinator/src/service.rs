//! The `dfbench.v1.Coordinator` gRPC service: validates every request, then delegates to the
//! store. Worker writes are fenced by (shard, epoch, worker, incarnation) inside the store.

use crate::contents::identify_contents;
use crate::errors::{plan_status, store_status};
use crate::faults::StoreFaults;
use crate::metrics::CoordinatorMetrics;
use crate::planner::{Planned, RunRequest, Sampling, plan_run_stamped};
use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::roots::ServeRoots;
use dfbench_benchmarks::suite::PREPARE_KIND;
use dfbench_proto::PROTOCOL_VERSION;
use dfbench_proto::v1::coordinator_server::Coordinator;
use dfbench_proto::v1::{
    self as pb, clip_prediction::Outcome as PbClipOutcome, prediction::Outcome as PbOutcome,
};
use dfbench_store::{
    LeaseEpoch, LeaseOwner, LeaseRef, NewClipPrediction, NewPrediction, Outcome, PlanOptions,
    RunId, SampleId, ShardFailure, ShardId, ShardProvenance, Store, StoreError, WorkerRecord,
    now_ms,
};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

/// Timing knobs the service hands to workers.
#[derive(Debug, Clone)]
pub struct ServiceTimings {
    pub heartbeat_interval: Duration,
    pub lease_ttl: Duration,
    /// How long AcquireShard waits for work before answering "nothing".
    pub acquire_wait: Duration,
    /// How often WatchRun polls the store.
    pub watch_interval: Duration,
}

pub struct CoordinatorService {
    store: Arc<dyn Store>,
    timings: ServiceTimings,
    /// Woken when new work may be ready (a run submitted, a shard given back).
    work_ready: Arc<Notify>,
    metrics: Arc<CoordinatorMetrics>,
    /// The fatal database fault in force, if any (see `faults`).
    faults: Arc<StoreFaults>,
    /// The folders submitted runs may read (`--serve-root`); `None`: anywhere.
    serve_roots: Option<ServeRoots>,
    /// The folder prepare runs' workers write under (`--output-root`); `None`: no prepare run.
    output_root: Option<std::path::PathBuf>,
}

impl CoordinatorService {
    pub fn new(
        store: Arc<dyn Store>,
        timings: ServiceTimings,
        work_ready: Arc<Notify>,
        metrics: Arc<CoordinatorMetrics>,
    ) -> Self {
        Self::with_faults(
            store,
            timings,
            work_ready,
            metrics,
            Arc::new(StoreFaults::default()),
        )
    }

    /// Like [`CoordinatorService::new`], sharing the fault state with the supervisor and the
    /// recovery task.
    pub fn with_faults(
        store: Arc<dyn Store>,
        timings: ServiceTimings,
        work_ready: Arc<Notify>,
        metrics: Arc<CoordinatorMetrics>,
        faults: Arc<StoreFaults>,
    ) -> Self {
        CoordinatorService {
            store,
            timings,
            work_ready,
            metrics,
            faults,
            serve_roots: None,
            output_root: None,
        }
    }

    /// The same service, confining what submitted runs read to `serve_roots` (when given).
    pub fn serving(self, serve_roots: Option<ServeRoots>) -> Self {
        CoordinatorService {
            serve_roots,
            ..self
        }
    }

    /// The same service, leasing prepare runs that write under `output_root` (when given).
    pub fn writing(self, output_root: Option<std::path::PathBuf>) -> Self {
        CoordinatorService {
            output_root,
            ..self
        }
    }

    /// Maps a store error to a status, recording a fatal fault (see `faults`).
    fn store_error(&self, error: StoreError) -> Status {
        self.faults.record(&error);
        store_status(error)
    }

    /// Maps a store error to a status, counting fencing rejections; a fatal fault stops the
    /// runs in flight and the worker is told why (`Aborted`, not retried).
    fn worker_write_status(&self, error: StoreError) -> Status {
        if matches!(error, StoreError::StaleLease { .. }) {
            CoordinatorMetrics::add(&self.metrics.stale_writes_rejected, 1);
        }
        if let Some(cause) = self.faults.record(&error) {
            return fault_status(&cause);
        }
        store_status(error)
    }

    /// `Aborted` naming the fault in force, if any: worker writes are not tried meanwhile.
    fn check_fault(&self) -> Result<(), Status> {
        match self.faults.current() {
            Some(cause) => Err(fault_status(&cause)),
            None => Ok(()),
        }
    }

    /// Stores one batch of a worker's predictions (fenced by its lease); returns how many
    /// were new.
    async fn ingest(
        &self,
        lease: &LeaseRef,
        predictions: Vec<pb::Prediction>,
    ) -> Result<u64, Status> {
        let predictions = predictions
            .into_iter()
            .map(convert_prediction)
            .collect::<Result<Vec<_>, _>>()?;
        let failures = predictions
            .iter()
            .filter(|prediction| matches!(prediction.outcome, Outcome::Failure { .. }))
            .count() as u64;
        let inserted = self
            .store
            .ingest_predictions(lease, &predictions)
            .await
            .map_err(|error| self.worker_write_status(error))?;
        CoordinatorMetrics::add(&self.metrics.predictions_ingested, inserted);
        CoordinatorMetrics::add(&self.metrics.prediction_failures_reported, failures);
        Ok(inserted)
    }

    /// Stores one batch of a worker's clip outcomes (fenced by its lease); returns how many
    /// were new.
    async fn ingest_clips(
        &self,
        lease: &LeaseRef,
        clips: Vec<pb::ClipPrediction>,
    ) -> Result<u64, Status> {
        let clips = clips
            .into_iter()
            .map(convert_clip)
            .collect::<Result<Vec<_>, _>>()?;
        let inserted = self
            .store
            .ingest_clip_predictions(lease, &clips)
            .await
            .map_err(|error| self.worker_write_status(error))?;
        CoordinatorMetrics::add(&self.metrics.clip_predictions_ingested, inserted);
        Ok(inserted)
    }

    /// Completes a shard (fenced by its lease), recording where it was computed when given.
    async fn complete(
        &self,
        lease: &LeaseRef,
        provenance: Option<pb::ShardProvenance>,
    ) -> Result<(), Status> {
        let provenance = provenance.map(|provenance| ShardProvenance {
            device: provenance.device,
            libtorch: provenance.libtorch_version,
            cuda: provenance.cuda_version,
            batch_size: i64::from(provenance.batch_size),
        });
        self.store
            .complete_shard_with(lease, now_ms(), provenance.as_ref())
            .await
            .map_err(|error| self.worker_write_status(error))?;
        CoordinatorMetrics::add(&self.metrics.shards_completed, 1);
        tracing::info!(shard_id = lease.shard_id.0, worker_id = %lease.owner.worker_id, "shard done");
        Ok(())
    }
}

/// What a worker is told when its write is refused because of a fatal database fault.
fn fault_status(cause: &str) -> Status {
    Status::aborted(format!(
        "the coordinator stopped the runs in flight: {cause}"
    ))
}

fn required<'a>(value: &'a str, field: &str) -> Result<&'a str, Status> {
    if value.trim().is_empty() {
        Err(Status::invalid_argument(format!(
            "field `{field}` is required"
        )))
    } else {
        Ok(value)
    }
}

/// A worker request that names the lease it writes under: worker, incarnation, shard, epoch.
trait NamesLease {
    fn lease_parts(&self) -> (&str, u64, i64, i64);
}

macro_rules! names_lease {
    ($($request:ty),*) => {$(
        impl NamesLease for $request {
            fn lease_parts(&self) -> (&str, u64, i64, i64) {
                (&self.worker_id, self.incarnation, self.shard_id, self.epoch)
            }
        }
    )*};
}

names_lease!(
    pb::PredictionBatch,
    pb::CompleteShardRequest,
    pb::FailShardRequest,
    pb::ReleaseShardRequest
);

/// The lease a worker request names; a missing worker id is `InvalidArgument`.
fn lease_ref(request: &impl NamesLease) -> Result<LeaseRef, Status> {
    let (worker_id, incarnation, shard_id, epoch) = request.lease_parts();
    Ok(LeaseRef {
        shard_id: ShardId(shard_id),
        epoch: LeaseEpoch(epoch),
        owner: LeaseOwner {
            worker_id: required(worker_id, "worker_id")?.to_string(),
            incarnation,
        },
    })
}

/// A reported failure as stored.
fn failure_outcome(failure: pb::Failure) -> Outcome {
    Outcome::Failure {
        kind: FailureKind::from(failure.kind),
        message: failure.message,
    }
}

fn convert_prediction(prediction: pb::Prediction) -> Result<NewPrediction, Status> {
    let outcome = match prediction.outcome {
        Some(PbOutcome::Score(score)) => Outcome::Score(score),
        Some(PbOutcome::Failure(failure)) => failure_outcome(failure),
        None => {
            return Err(Status::invalid_argument(format!(
                "prediction for sample {} detector `{}` has neither a score nor a failure",
                prediction.sample_id, prediction.detector
            )));
        }
    };
    Ok(NewPrediction {
        sample_id: SampleId(prediction.sample_id),
        detector: required(&prediction.detector, "detector")?.to_string(),
        detector_fingerprint: prediction.detector_fingerprint,
        outcome,
        latency_us: i64::from(prediction.latency_us),
    })
}

fn convert_clip(clip: pb::ClipPrediction) -> Result<NewClipPrediction, Status> {
    let outcome = match clip.outcome {
        Some(PbClipOutcome::Score(score)) => Outcome::Score(score),
        Some(PbClipOutcome::Failure(failure)) => failure_outcome(failure),
        None => {
            return Err(Status::invalid_argument(format!(
                "clip {} of video `{}` detector `{}` has neither a score nor a failure",
                clip.clip_index, clip.video_key, clip.detector
            )));
        }
    };
    Ok(NewClipPrediction {
        detector: required(&clip.detector, "detector")?.to_string(),
        detector_fingerprint: clip.detector_fingerprint,
        video_key: clip.video_key,
        clip_index: i64::from(clip.clip_index),
        outcome,
        latency_us: i64::from(clip.latency_us),
    })
}

type WatchStream = Pin<Box<dyn Stream<Item = Result<pb::RunProgress, Status>> + Send>>;

#[tonic::async_trait]
impl Coordinator for CoordinatorService {
    async fn register_worker(
        &self,
        request: Request<pb::RegisterWorkerRequest>,
    ) -> Result<Response<pb::RegisterWorkerResponse>, Status> {
        let request = request.into_inner();
        let worker_id = required(&request.worker_id, "worker_id")?;
        if request.protocol_version != PROTOCOL_VERSION {
            return Err(Status::failed_precondition(format!(
                "worker {worker_id} speaks protocol version {} (dfbench {}), this coordinator speaks {} (dfbench {}); run the same dfbench version on both",
                request.protocol_version,
                request.dfbench_version,
                PROTOCOL_VERSION,
                crate::DFBENCH_VERSION
            )));
        }
        self.store
            .register_worker(&WorkerRecord {
                worker_id: worker_id.to_string(),
                incarnation: request.incarnation,
                hostname: request.hostname,
                dfbench_version: request.dfbench_version,
                capabilities: request.capabilities,
                devices: request.devices,
                now_ms: now_ms(),
                left_at_ms: None,
            })
            .await
            .map_err(|error| self.store_error(error))?;
        tracing::info!(
            worker_id,
            incarnation = request.incarnation,
            "worker registered"
        );
        Ok(Response::new(pb::RegisterWorkerResponse {
            heartbeat_interval_ms: self.timings.heartbeat_interval.as_millis() as u32,
            lease_ttl_ms: self.timings.lease_ttl.as_millis() as u32,
        }))
    }

    async fn heartbeat(
        &self,
        request: Request<pb::HeartbeatRequest>,
    ) -> Result<Response<pb::HeartbeatResponse>, Status> {
        let request = request.into_inner();
        let owner = LeaseOwner {
            worker_id: required(&request.worker_id, "worker_id")?.to_string(),
            incarnation: request.incarnation,
        };
        let leases: Vec<_> = request
            .leases
            .iter()
            .map(|lease| (ShardId(lease.shard_id), LeaseEpoch(lease.epoch)))
            .collect();
        if let Some(cause) = self.faults.current() {
            // Every held lease is dropped; nothing is written while the database is at fault.
            return Ok(Response::new(pb::HeartbeatResponse {
                revoked_shard_ids: request.leases.iter().map(|lease| lease.shard_id).collect(),
                reregister: false,
                stop_reason: cause,
            }));
        }
        let outcome = self
            .store
            .heartbeat(
                &owner,
                &leases,
                now_ms(),
                self.timings.lease_ttl.as_millis() as i64,
            )
            .await
            .map_err(|error| self.store_error(error))?;
        Ok(Response::new(pb::HeartbeatResponse {
            revoked_shard_ids: outcome.revoked.into_iter().map(|shard| shard.0).collect(),
            reregister: outcome.unknown_worker,
            stop_reason: String::new(),
        }))
    }

    async fn acquire_shard(
        &self,
        request: Request<pb::AcquireShardRequest>,
    ) -> Result<Response<pb::AcquireShardResponse>, Status> {
        let request = request.into_inner();
        let owner = LeaseOwner {
            worker_id: required(&request.worker_id, "worker_id")?.to_string(),
            incarnation: request.incarnation,
        };
        let deadline = tokio::time::Instant::now() + self.timings.acquire_wait;
        loop {
            let notified = self.work_ready.notified();
            if self.faults.current().is_some() {
                // No leases while the database is at fault: answer "nothing" at the deadline,
                // so workers wait rather than spin.
                tokio::time::sleep_until(deadline).await;
                return Ok(Response::new(pb::AcquireShardResponse { lease: None }));
            }
            let assignment = self
                .store
                .acquire_shard(&owner, now_ms(), self.timings.lease_ttl.as_millis() as i64)
                .await
                .map_err(|error| self.store_error(error))?;
            if let Some(assignment) = assignment {
                CoordinatorMetrics::add(&self.metrics.leases_granted, 1);
                tracing::info!(
                    worker_id = %owner.worker_id,
                    shard_id = %assignment.shard_id,
                    epoch = %assignment.epoch,
                    run_id = %assignment.run_id,
                    samples = assignment.samples.len(),
                    "shard leased"
                );
                let lease = pb::ShardLease {
                    shard_id: assignment.shard_id.0,
                    epoch: assignment.epoch.0,
                    run_id: assignment.run_id.0,
                    detectors: assignment
                        .detectors
                        .into_iter()
                        .map(|detector| pb::DetectorSpec {
                            name: detector.name,
                            kind: detector.kind,
                            builtin: detector.builtin,
                            card_toml: detector.card.unwrap_or_default(),
                            fingerprint: detector.fingerprint.unwrap_or_default(),
                        })
                        .collect(),
                    perturbation: assignment.perturbation,
                    exif_orientation: assignment.dataset.exif_orientation,
                    max_pixels: u64::try_from(assignment.dataset.max_pixels).unwrap_or(0),
                    dataset_name: assignment.dataset.name,
                    dataset_root: assignment.dataset.root,
                    dataset_version: assignment.dataset.fingerprint,
                    samples: assignment
                        .samples
                        .into_iter()
                        .map(|(sample_id, path)| pb::SampleRef {
                            clip_only: assignment.clip_only.binary_search(&sample_id).is_ok(),
                            sample_id: sample_id.0,
                            path,
                        })
                        .collect(),
                    clips: assignment
                        .clips
                        .into_iter()
                        .map(|clip| pb::ClipRef {
                            detector: clip.detector,
                            video_key: clip.video_key,
                            clip_index: u32::try_from(clip.clip_index).unwrap_or(u32::MAX),
                            sample_ids: clip.sample_ids.into_iter().map(|id| id.0).collect(),
                        })
                        .collect(),
                };
                return Ok(Response::new(pb::AcquireShardResponse {
                    lease: Some(lease),
                }));
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Ok(Response::new(pb::AcquireShardResponse { lease: None }));
            }
            // Wake on new work, or re-check periodically for backoffs that have elapsed.
            let wait = (deadline - now).min(Duration::from_millis(250));
            let _ = tokio::time::timeout(wait, notified).await;
        }
    }

    async fn report_predictions(
        &self,
        request: Request<Streaming<pb::PredictionBatch>>,
    ) -> Result<Response<pb::ReportPredictionsResponse>, Status> {
        let mut stream = request.into_inner();
        let mut accepted = 0u64;
        let mut completion = None;
        while let Some(batch) = stream.next().await {
            let batch = batch?;
            self.check_fault()?;
            let lease = lease_ref(&batch)?;
            if !batch.predictions.is_empty() {
                accepted += self.ingest(&lease, batch.predictions).await?;
            }
            if !batch.clips.is_empty() {
                accepted += self.ingest_clips(&lease, batch.clips).await?;
            }
            if let Some(provenance) = batch.complete {
                completion = Some((lease, provenance));
            }
        }
        let completed = match completion {
            Some((lease, provenance)) => {
                self.complete(&lease, Some(provenance)).await?;
                true
            }
            None => false,
        };
        Ok(Response::new(pb::ReportPredictionsResponse {
            accepted,
            completed,
        }))
    }

    async fn complete_shard(
        &self,
        request: Request<pb::CompleteShardRequest>,
    ) -> Result<Response<pb::CompleteShardResponse>, Status> {
        let request = request.into_inner();
        let lease = lease_ref(&request)?;
        self.check_fault()?;
        self.complete(&lease, request.provenance).await?;
        Ok(Response::new(pb::CompleteShardResponse {}))
    }

    async fn fail_shard(
        &self,
        request: Request<pb::FailShardRequest>,
    ) -> Result<Response<pb::FailShardResponse>, Status> {
        let request = request.into_inner();
        let lease = lease_ref(&request)?;
        let reason = request.reason.unwrap_or_default();
        let failure = ShardFailure {
            retryable: request.retryable,
            kind: if reason.kind.is_empty() {
                FailureKind::WorkerError
            } else {
                FailureKind::from(reason.kind)
            },
            message: reason.message,
        };
        self.check_fault()?;
        tracing::warn!(shard_id = request.shard_id, kind = %failure.kind, message = %failure.message, "shard given back");
        self.store
            .fail_shard(&lease, &failure, now_ms())
            .await
            .map_err(|error| self.worker_write_status(error))?;
        CoordinatorMetrics::add(&self.metrics.shards_given_back, 1);
        self.work_ready.notify_waiters();
        Ok(Response::new(pb::FailShardResponse {}))
    }

    async fn release_shard(
        &self,
        request: Request<pb::ReleaseShardRequest>,
    ) -> Result<Response<pb::ReleaseShardResponse>, Status> {
        let request = request.into_inner();
        let lease = lease_ref(&request)?;
        self.check_fault()?;
        tracing::info!(shard_id = request.shard_id, worker_id = %request.worker_id, "shard released by a stopping worker");
        self.store
            .release_shard(&lease, now_ms())
            .await
            .map_err(|error| self.worker_write_status(error))?;
        CoordinatorMetrics::add(&self.metrics.shards_released, 1);
        self.work_ready.notify_waiters();
        Ok(Response::new(pb::ReleaseShardResponse {}))
    }

    async fn deregister_worker(
        &self,
        request: Request<pb::DeregisterWorkerRequest>,
    ) -> Result<Response<pb::DeregisterWorkerResponse>, Status> {
        let request = request.into_inner();
        let owner = LeaseOwner {
            worker_id: required(&request.worker_id, "worker_id")?.to_string(),
            incarnation: request.incarnation,
        };
        let known = self
            .store
            .deregister_worker(&owner, now_ms())
            .await
            .map_err(|error| self.store_error(error))?;
        tracing::info!(
            worker_id = %owner.worker_id,
            incarnation = owner.incarnation,
            known,
            "worker left"
        );
        Ok(Response::new(pb::DeregisterWorkerResponse { known }))
    }

    async fn submit_run(
        &self,
        request: Request<pb::SubmitRunRequest>,
    ) -> Result<Response<pb::SubmitRunResponse>, Status> {
        let request = request.into_inner();
        check_names(&request.name, &request.tags)?;
        let data_root = PathBuf::from(required(&request.data_root, "data_root")?);
        let data_roots = request
            .data_roots
            .iter()
            .map(|(name, root)| (name.clone(), PathBuf::from(root)))
            .collect();
        let run_request = RunRequest {
            data_roots: &data_roots,
            allow_missing: request.allow_missing,
            suite_text: &request.suite_toml,
            suite_origin: if request.suite_origin.is_empty() {
                "submitted suite"
            } else {
                &request.suite_origin
            },
            data_root: &data_root,
            name: &request.name,
            dfbench_version: crate::DFBENCH_VERSION,
            now_ms: now_ms(),
            sampling: Sampling {
                limit: (request.limit > 0).then_some(request.limit as usize),
                fraction: (request.fraction != 0.0).then_some(request.fraction),
                seed: request.seed,
            },
            serve_roots: self.serve_roots.as_ref(),
            output_root: self.output_root.as_deref(),
        };
        let mut options = PlanOptions {
            reuse_predictions: !request.no_reuse,
            tags: request.tags.clone(),
            partial: run_request.sampling.describe(),
            excluded_workers: request.excluded_workers.clone(),
        };
        // Enumerating datasets reads the file system: keep it off the async threads.
        let started = std::time::Instant::now();
        let Planned { mut plan, stamps } =
            tokio::task::block_in_place(|| plan_run_stamped(&run_request)).map_err(plan_status)?;
        let planned = started.elapsed();
        // A prepare run's outcomes say what was written under one output folder: whether a
        // video is done is for its record on disk to say (the worker checks it), never an
        // earlier run's row.
        if plan
            .detectors
            .iter()
            .any(|detector| detector.kind == PREPARE_KIND)
        {
            options.reuse_predictions = false;
        }
        let files_hashed = identify_contents(
            self.store.as_ref(),
            &mut plan,
            &stamps,
            request.hash_contents,
        )
        .await
        .map_err(|error| self.store_error(error))?;
        let identified = started.elapsed();
        let created = self
            .store
            .create_run_with(&plan, &options)
            .await
            .map_err(|error| self.store_error(error))?;
        let stored = started.elapsed();
        tracing::info!(
            run_id = %plan.run.id,
            samples = plan.samples.len(),
            shards = plan.shards.len(),
            predictions_reused = created.reused,
            clips_reused = created.clips_reused,
            shards_reused = created.shards_done,
            files_hashed,
            finished = created.finished,
            plan_ms = planned.as_secs_f64() * 1e3,
            contents_ms = (identified - planned).as_secs_f64() * 1e3,
            store_ms = (stored - identified).as_secs_f64() * 1e3,
            "run submitted"
        );
        self.work_ready.notify_waiters();
        Ok(Response::new(pb::SubmitRunResponse {
            run_id: plan.run.id.0,
            samples: plan.samples.len() as u64,
            shards: plan.shards.len() as u64,
            predictions_reused: created.reused as u64,
            shards_reused: created.shards_done as u64,
            files_hashed,
            clips: plan
                .shards
                .iter()
                .map(|shard| shard.clips.len() as u64)
                .sum(),
            clips_reused: created.clips_reused as u64,
        }))
    }

    type WatchRunStream = WatchStream;

    async fn watch_run(
        &self,
        request: Request<pb::WatchRunRequest>,
    ) -> Result<Response<Self::WatchRunStream>, Status> {
        let run_id = RunId(required(&request.get_ref().run_id, "run_id")?.to_string());
        // Fail fast on an unknown run; the answer is also the stream's first message.
        let mut first = Some(
            self.store
                .run_progress(&run_id)
                .await
                .map_err(|error| self.store_error(error))?,
        );
        let store = Arc::clone(&self.store);
        let faults = Arc::clone(&self.faults);
        let interval = self.timings.watch_interval;
        let (sender, receiver) = tokio::sync::mpsc::channel(4);
        tokio::spawn(async move {
            let mut last: Option<pb::RunProgress> = None;
            let mut fault_changes = faults.subscribe();
            let mut throttle = crate::faults::Throttle::default();
            // What the run requires of a worker, read when a waiting reason is first needed: a
            // run that is finished at its first message (a rerun that reused everything)
            // never reads it.
            let mut requires: Option<Vec<String>> = None;
            loop {
                // A fatal database fault ends a running run's stream at once, naming the cause.
                if let Some(cause) = faults.cause_for(&run_id)
                    && last.as_ref().is_none_or(|last| last.status == "running")
                {
                    faults.affect(&run_id);
                    let mut message = last.unwrap_or_default();
                    message.run_id = run_id.0.clone();
                    message.status = "failed".to_string();
                    message.error = StoreFaults::run_message(&cause);
                    message.waiting = String::new();
                    message.store_fault = true;
                    let _ = sender.send(Ok(message)).await;
                    return;
                }
                let read = match first.take() {
                    Some(progress) => Ok(progress),
                    None => store.run_progress(&run_id).await,
                };
                let progress = match read {
                    Ok(progress) => progress,
                    Err(error @ StoreError::RunNotFound(_)) => {
                        let _ = sender.send(Err(store_status(error))).await;
                        return;
                    }
                    Err(error) => {
                        // The database may be restarting: keep the watcher and try again
                        // (a fatal error ends the stream on the next turn).
                        faults.record(&error);
                        if throttle.ready() {
                            tracing::warn!(%run_id, %error, "progress unavailable, retrying");
                        }
                        let _ = tokio::time::timeout(interval, fault_changes.changed()).await;
                        continue;
                    }
                };
                let message = pb::RunProgress {
                    run_id: run_id.0.clone(),
                    status: progress.status.clone(),
                    shards_total: progress.shards_total as u64,
                    shards_done: progress.shards_done as u64,
                    shards_failed: progress.shards_failed as u64,
                    predictions: progress.predictions as u64,
                    prediction_failures: progress.prediction_failures as u64,
                    predictions_expected: progress.predictions_expected as u64,
                    error: progress.error.unwrap_or_default(),
                    predictions_reused: progress.predictions_reused as u64,
                    waiting: String::new(),
                    clips: progress.clips as u64,
                    clip_failures: progress.clip_failures as u64,
                    clips_expected: progress.clips_expected as u64,
                    clips_reused: progress.clips_reused as u64,
                    store_fault: false,
                };
                let finished = message.status != "running";
                let mut message = message;
                // Failed by the fault path between the check above and this read.
                if message.status == "failed" && faults.cause_for(&run_id).is_some() {
                    message.store_fault = true;
                }
                if !finished && requires.is_none() {
                    requires = store
                        .run(&run_id)
                        .await
                        .ok()
                        .map(|details| details.run.requires);
                }
                if !finished
                    && let Some(requires) = &requires
                    && let Ok(workers) = store.workers().await
                {
                    message.waiting =
                        crate::waiting::waiting_reason(requires, &workers, dfbench_store::now_ms())
                            .unwrap_or_default();
                }
                if last.as_ref() != Some(&message) {
                    if sender.send(Ok(message.clone())).await.is_err() {
                        return;
                    }
                    last = Some(message);
                }
                if finished {
                    return;
                }
                let _ = tokio::time::timeout(interval, fault_changes.changed()).await;
            }
        });
        let stream = tokio_stream::wrappers::ReceiverStream::new(receiver);
        Ok(Response::new(Box::pin(stream) as WatchStream))
    }

    async fn cancel_run(
        &self,
        request: Request<pb::CancelRunRequest>,
    ) -> Result<Response<pb::CancelRunResponse>, Status> {
        let run_id = RunId(required(&request.get_ref().run_id, "run_id")?.to_string());
        self.store
            .run_progress(&run_id)
            .await
            .map_err(|error| self.store_error(error))?;
        self.store
            .cancel_run(&run_id, now_ms())
            .await
            .map_err(|error| self.store_error(error))?;
        Ok(Response::new(pb::CancelRunResponse {}))
    }

    async fn list_runs(
        &self,
        request: Request<pb::ListRunsRequest>,
    ) -> Result<Response<pb::ListRunsResponse>, Status> {
        let limit = match request.get_ref().limit {
            0 => 20,
            limit => i64::from(limit.min(1000)),
        };
        let runs = self
            .store
            .list_runs(limit)
            .await
            .map_err(|error| self.store_error(error))?;
        Ok(Response::new(pb::ListRunsResponse {
            runs: runs
                .into_iter()
                .map(|run| pb::RunSummary {
                    run_id: run.id.0,
                    name: run.name,
                    suite_name: run.suite_name,
                    status: run.status.as_str().to_string(),
                    created_at_ms: run.created_at_ms,
                })
                .collect(),
        }))
    }
}

/// A run name and its tags end up in listings (`dfbench runs`, one line per run), reports and
/// run references (`tag:X`): no control characters, and no empty tag (it could not be named).
fn check_names(name: &str, tags: &[String]) -> Result<(), Status> {
    if let Some(bad) = name.chars().find(|c| c.is_control()) {
        return Err(Status::invalid_argument(format!(
            "run name {name:?} contains the control character {bad:?}; use printable text"
        )));
    }
    for tag in tags {
        if tag.trim().is_empty() {
            return Err(Status::invalid_argument(
                "an empty --tag cannot be referred to (tag:X); give every tag a name",
            ));
        }
        if let Some(bad) = tag.chars().find(|c| c.is_control()) {
            return Err(Status::invalid_argument(format!(
                "tag {tag:?} contains the control character {bad:?}; use printable text"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
