//! `Store` for [`SqlStore`] on either backend, as generic code: the write side (planning,
//! leases, ingest, completion, failure, reaping) here, the reads forwarded to `sql_reads`. The
//! statement-level helpers it uses are still macros (`sql_parts`, `bulk`, `clips`, `reuse`,
//! `reuse_index`): they expand inside this impl, so the bounds that `#[sql_backend]` adds to it
//! cover them. The SQL is the same text for SQLite and PostgreSQL (both accept `$N`
//! placeholders through sqlx); what differs is the backend's [`Dialect`](crate::backend::Dialect):
//! row-locking clauses that only PostgreSQL has. SQLite needs none of them because the
//! coordinator is its only writer and its pool has a single connection.

pub(crate) use crate::sql_parts::*;

use crate::backend::{Backend, BulkIngest, FencedBatch, RowsAffected, SqlStore};
use crate::bundle_model::BundleRun;
use dfbench_store_macros::sql_backend;

/// The write paths need, of the backend, its bulk ingest beside what `#[sql_backend]` adds.
/// (`BulkIngest` is crate-private, like the `IngestContext` it takes.)
#[sql_backend]
#[allow(private_bounds)]
#[async_trait::async_trait]
impl<DB: Backend + BulkIngest> crate::Store for SqlStore<DB> {
    fn backend(&self) -> &'static str {
        DB::BACKEND
    }

    async fn create_run_with(
        &self,
        plan: &crate::RunPlan,
        options: &crate::PlanOptions,
    ) -> Result<crate::CreatedRun, crate::StoreError> {
        use crate::error::QueryContext;
        let mut tx = self.pool.begin().await.during("begin run creation")?;
        let run = &plan.run;
        Self::insert_run_row(&mut *tx, &BundleRun::planned(run), &run.requires).await?;
        for dataset in &plan.datasets {
            Self::insert_run_dataset(&mut *tx, &run.id.0, dataset).await?;
        }
        for detector in &plan.detectors {
            Self::insert_run_detector(&mut *tx, &run.id.0, detector).await?;
        }
        let sample_ids = crate::bulk::insert_samples!(&mut *tx, DB::BACKEND, plan);
        let shard_ids = crate::bulk::insert_shards!(&mut *tx, DB::BACKEND, plan);
        let mut memberships: Vec<(i64, i64)> = Vec::new();
        for (shard, &shard_id) in plan.shards.iter().zip(&shard_ids) {
            for index in &shard.sample_indices {
                let sample_id = sample_ids.get(*index).copied().ok_or_else(|| {
                    crate::StoreError::InvalidPrediction {
                        shard_id: crate::ShardId(shard_id),
                        message: format!("planned sample index {index} is out of range"),
                    }
                })?;
                memberships.push((shard_id, sample_id));
            }
        }
        crate::bulk::insert_shard_samples!(&mut *tx, DB::BACKEND, memberships);
        let planned_failures =
            crate::clips::insert_clips!(&mut *tx, DB::BACKEND, plan, &shard_ids, &sample_ids);
        let mut sample_failures: i64 = 0;
        for failure in &plan.sample_failures {
            let sample_id = sample_ids.get(failure.sample).copied().ok_or_else(|| {
                crate::StoreError::InvalidPlan(format!(
                    "planned sample failure names sample index {}, beyond the plan's {} samples",
                    failure.sample,
                    sample_ids.len()
                ))
            })?;
            sample_failures += sqlx::query(crate::queries::INSERT_SAMPLE_FAILURE)
                .bind(&run.id.0)
                .bind(sample_id)
                .bind(failure.kind.as_str())
                .bind(&failure.message)
                .execute(&mut *tx)
                .await
                .during("store a planned sample failure")?
                .rows_affected() as i64;
        }
        let (created, samples_narrowed) = crate::reuse::plan_history!(
            &mut *tx,
            DB::BACKEND,
            plan,
            options,
            planned_failures,
            sample_failures
        );
        tx.commit().await.during("commit run creation")?;
        if created.shards_done == 0 && !samples_narrowed {
            // Every shard is to be leased with all its samples: the first ones need no
            // read when they are.
            self.cache.warm_run(plan, &shard_ids, &sample_ids);
        }
        if let Some(analyze) = self.dialect.after_plan {
            sqlx::query(analyze)
                .execute(&self.pool)
                .await
                .during("refresh the planner's statistics of shards")?;
        }
        Ok(created)
    }

    async fn register_worker(&self, worker: &crate::WorkerRecord) -> Result<(), crate::StoreError> {
        use crate::error::QueryContext;
        let mut tx = self
            .pool
            .begin()
            .await
            .during("begin worker registration")?;
        sqlx::query(crate::queries::REGISTER_WORKER)
            .bind(&worker.worker_id)
            .bind(worker.incarnation.to_string())
            .bind(&worker.hostname)
            .bind(&worker.dfbench_version)
            .bind(worker.devices.join(","))
            .bind(worker.now_ms)
            .execute(&mut *tx)
            .await
            .during("register worker")?;
        sqlx::query(crate::queries::DELETE_WORKER_CAPABILITIES)
            .bind(&worker.worker_id)
            .execute(&mut *tx)
            .await
            .during("replace worker capabilities")?;
        for capability in &worker.capabilities {
            sqlx::query(crate::queries::RECORD_WORKER_CAPABILITY)
                .bind(&worker.worker_id)
                .bind(capability)
                .execute(&mut *tx)
                .await
                .during("record worker capability")?;
        }
        tx.commit().await.during("commit worker registration")?;
        Ok(())
    }

    async fn deregister_worker(
        &self,
        owner: &crate::LeaseOwner,
        now_ms: i64,
    ) -> Result<bool, crate::StoreError> {
        use crate::error::QueryContext;
        let left = sqlx::query(crate::queries::DEREGISTER_WORKER)
            .bind(&owner.worker_id)
            .bind(owner.incarnation_text())
            .bind(now_ms)
            .execute(&self.pool)
            .await
            .during("record that a worker left")?;
        Ok(left.rows_affected() > 0)
    }

    async fn acquire_shard(
        &self,
        owner: &crate::LeaseOwner,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<Option<crate::ShardAssignment>, crate::StoreError> {
        use crate::error::QueryContext;
        // No transaction: the UPDATE is atomic on its own, and what is read after it
        // (the run's datasets and detectors, the shard's samples) never changes.
        let mut conn = self.pool.acquire().await.during("begin acquire")?;
        let sql = crate::queries::fill(crate::queries::ACQUIRE_SHARD, &[self.dialect.acquire_lock]);
        let Some(row) = sqlx::query_as::<_, crate::rows::LeasedShard>(sqlx::AssertSqlSafe(sql))
            .bind(now_ms)
            .bind(&owner.worker_id)
            .bind(owner.incarnation_text())
            .bind(now_ms + ttl_ms)
            .fetch_optional(&mut *conn)
            .await
            .during("lease a ready shard")?
        else {
            return Ok(None);
        };
        let crate::rows::LeasedShard {
            id: shard_id,
            lease_epoch: epoch,
            run_id,
            dataset: dataset_name,
            perturbation,
            detectors: subset,
            n_clips,
        } = row;
        let meta = crate::sql_impl::run_meta!(self, &mut *conn, &run_id);
        let dataset = meta
            .datasets
            .iter()
            .find(|dataset| dataset.name == dataset_name)
            .cloned()
            .ok_or_else(|| crate::StoreError::InvalidPrediction {
                shard_id: crate::ShardId(shard_id),
                message: format!(
                    "dataset `{dataset_name}` of this shard is not part of run {run_id}"
                ),
            })?;
        let detectors = crate::reuse::shard_detectors(&meta.detectors, subset.as_deref())?;
        let cached = match self.cache.shard(shard_id) {
            Some(cached) => cached,
            None => {
                let (refs, clip_only) =
                    crate::sql_impl::read_shard_refs!(self, &mut *conn, shard_id);
                self.cache.put_shard(
                    shard_id,
                    run_id.clone(),
                    perturbation.clone(),
                    refs,
                    clip_only,
                )
            }
        };
        let samples = cached.refs.clone();
        let mut clip_only: Vec<crate::SampleId> = cached
            .clip_only
            .iter()
            .map(|id| crate::SampleId(*id))
            .collect();
        clip_only.sort_by_key(|id| id.0);
        // Not cached: which clips are owed changes as outcomes arrive.
        let clips = if n_clips > 0 {
            crate::clips::owed_clips!(&mut *conn, shard_id)
        } else {
            Vec::new()
        };
        Ok(Some(crate::ShardAssignment {
            shard_id: crate::ShardId(shard_id),
            epoch: crate::LeaseEpoch(epoch),
            run_id: crate::RunId(run_id),
            dataset,
            perturbation,
            detectors,
            samples,
            clip_only,
            clips,
        }))
    }

    async fn heartbeat(
        &self,
        owner: &crate::LeaseOwner,
        leases: &[(crate::ShardId, crate::LeaseEpoch)],
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<crate::HeartbeatOutcome, crate::StoreError> {
        use crate::error::QueryContext;
        // Two statements, no transaction (they need no atomicity together): one
        // round trip each however many leases the worker holds.
        let seen = sqlx::query(crate::queries::TOUCH_WORKER)
            .bind(&owner.worker_id)
            .bind(owner.incarnation_text())
            .bind(now_ms)
            .execute(&self.pool)
            .await
            .during("record worker heartbeat")?;
        let mut extended = std::collections::HashSet::new();
        for chunk in leases.chunks(crate::bulk::LEASE_ROWS_PER_UPDATE) {
            let sql = crate::queries::fill(
                crate::queries::EXTEND_LEASES_ROWS,
                &[
                    &crate::bulk::parameters(DB::BACKEND, 1, 1),
                    &crate::bulk::parameters(DB::BACKEND, 2, 1),
                    &crate::bulk::parameters(DB::BACKEND, 3, 1),
                    &crate::bulk::placeholders_from(DB::BACKEND, 4, chunk.len(), 2),
                ],
            );
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(now_ms + ttl_ms)
                .bind(&owner.worker_id)
                .bind(owner.incarnation_text());
            for (shard_id, epoch) in chunk {
                query = query.bind(shard_id.0).bind(epoch.0);
            }
            let rows: Vec<(i64, i64)> =
                query.fetch_all(&self.pool).await.during("extend leases")?;
            extended.extend(rows);
        }
        let revoked = leases
            .iter()
            .filter(|(shard_id, epoch)| !extended.contains(&(shard_id.0, epoch.0)))
            .map(|(shard_id, _)| shard_id.clone())
            .collect();
        Ok(crate::HeartbeatOutcome {
            revoked,
            unknown_worker: seen.rows_affected() == 0,
        })
    }

    async fn ingest_predictions(
        &self,
        lease: &crate::LeaseRef,
        predictions: &[crate::NewPrediction],
    ) -> Result<u64, crate::StoreError> {
        use crate::error::QueryContext;
        let (shard, meta) = crate::sql_impl::shard_and_run!(self, lease.shard_id.0);
        crate::sql_impl::validate_predictions(
            &lease.shard_id,
            predictions,
            &shard.ids,
            &shard.clip_only,
            &meta.detector_names,
            &meta.clip_detectors,
        )?;
        let context = crate::sql_impl::IngestContext {
            run_id: &shard.run_id,
            perturbation: &shard.perturbation,
            worker_id: &lease.owner.worker_id,
            shard_id: lease.shard_id.0,
            epoch: lease.epoch.0,
        };
        // Fencing and insert are atomic inside: a stale lease writes nothing.
        let batch = FencedBatch {
            lease,
            context,
            predictions,
        };
        let inserted = DB::insert_fenced(self, &batch).await?;
        crate::sql_impl::record_fingerprints!(
            self,
            &shard.run_id,
            predictions
                .iter()
                .map(|p| (&p.detector, &p.detector_fingerprint))
        );
        Ok(inserted)
    }

    async fn ingest_clip_predictions(
        &self,
        lease: &crate::LeaseRef,
        clips: &[crate::NewClipPrediction],
    ) -> Result<u64, crate::StoreError> {
        use crate::error::QueryContext;
        let (shard, meta) = crate::sql_impl::shard_and_run!(self, lease.shard_id.0);
        let inserted = crate::clips::ingest_clips!(self, lease, shard, meta, clips);
        crate::sql_impl::record_fingerprints!(
            self,
            &shard.run_id,
            clips.iter().map(|c| (&c.detector, &c.detector_fingerprint))
        );
        Ok(inserted)
    }

    async fn complete_shard_with(
        &self,
        lease: &crate::LeaseRef,
        now_ms: i64,
        provenance: Option<&crate::ShardProvenance>,
    ) -> Result<(), crate::StoreError> {
        use crate::error::QueryContext;
        use sqlx::Row;
        let completed = sqlx::query(self.dialect.complete_shard)
            .bind(lease.shard_id.0)
            .bind(lease.epoch.0)
            .bind(&lease.owner.worker_id)
            .bind(lease.owner.incarnation_text())
            .bind(provenance.map(|_| lease.owner.worker_id.as_str()))
            .bind(provenance.map(|p| p.device.as_str()))
            .bind(provenance.map(|p| p.libtorch.as_str()))
            .bind(provenance.map(|p| p.cuda.as_str()))
            .bind(provenance.map(|p| p.batch_size))
            .fetch_optional(&self.pool)
            .await
            .during("complete shard")?;
        let Some(completed) = completed else {
            // Not completed: say why (a stale lease, or predictions still missing).
            let run_id = crate::sql_impl::check_lease!(self, &self.pool, lease).run_id;
            let (missing, missing_clips): (i64, i64) =
                sqlx::query_as(crate::queries::MISSING_PREDICTIONS)
                    .bind(lease.shard_id.0)
                    .bind(&run_id)
                    .fetch_one(&self.pool)
                    .await
                    .during("count missing predictions")?;
            return Err(crate::StoreError::IncompleteShard {
                shard_id: lease.shard_id.clone(),
                missing,
                missing_clips,
            });
        };
        self.cache.forget_shard(lease.shard_id.0);
        let run_id: String = completed.try_get("run_id").during("complete shard")?;
        // A shard that keeps the run open: this completion is not its last.
        let open_left: Option<i64> = completed.try_get("open_left").during("complete shard")?;
        if open_left.is_some() {
            return Ok(());
        }
        let finished = crate::sql_impl::finish_run_if_complete!(&self.pool, &run_id, now_ms);
        if finished.rows_affected() > 0 {
            // The run's last shard: index its predictions for reuse now, once, so the
            // next run's planning does not pay for it. A failure here loses nothing:
            // the next planning indexes every ended run still missing.
            if let Err(error) = self.index_ended_runs().await {
                tracing::warn!(%error, run_id = %run_id, "could not index the finished run for reuse");
            }
        }
        Ok(())
    }

    async fn index_ended_runs(&self) -> Result<(), crate::StoreError> {
        use crate::error::QueryContext;
        let mut tx = self.pool.begin().await.during("begin reuse indexing")?;
        crate::reuse_index::index_ended_runs!(&mut *tx);
        tx.commit().await.during("commit reuse indexing")?;
        Ok(())
    }

    async fn fail_shard(
        &self,
        lease: &crate::LeaseRef,
        failure: &crate::ShardFailure,
        now_ms: i64,
    ) -> Result<(), crate::StoreError> {
        use crate::error::QueryContext;
        let mut tx = self.pool.begin().await.during("begin shard failure")?;
        let current = crate::sql_impl::check_lease!(self, &mut *tx, lease);
        let run_id = current.run_id;
        let failures = current.failures + 1;
        let retry = failure.retryable && failures < current.max_attempts;
        if !retry {
            self.cache.forget_shard(lease.shard_id.0);
        }
        crate::sql_impl::give_back!(
            &mut *tx,
            lease.shard_id.0,
            retry,
            "failures",
            failures,
            failure.kind.as_str(),
            &failure.message,
            &lease.owner.worker_id,
            now_ms
        );
        tx.commit().await.during("commit shard failure")?;
        if !retry {
            crate::sql_impl::finish_run_if_complete!(&self.pool, &run_id, now_ms);
        }
        Ok(())
    }

    async fn release_shard(
        &self,
        lease: &crate::LeaseRef,
        now_ms: i64,
    ) -> Result<(), crate::StoreError> {
        use crate::error::QueryContext;
        let released = sqlx::query(crate::queries::RELEASE_SHARD)
            .bind(lease.shard_id.0)
            .bind(lease.epoch.0)
            .bind(&lease.owner.worker_id)
            .bind(lease.owner.incarnation_text())
            .bind(now_ms)
            .execute(&self.pool)
            .await
            .during("release shard")?;
        if released.rows_affected() == 0 {
            return Err(crate::StoreError::StaleLease {
                shard_id: lease.shard_id.clone(),
                epoch: lease.epoch.clone(),
            });
        }
        Ok(())
    }

    async fn reap_expired_leases(&self, now_ms: i64) -> Result<u64, crate::StoreError> {
        use crate::error::QueryContext;
        let mut tx = self.pool.begin().await.during("begin reaping")?;
        let expired: Vec<crate::rows::ExpiredLease> =
            sqlx::query_as(crate::queries::EXPIRED_LEASES)
                .bind(now_ms)
                .fetch_all(&mut *tx)
                .await
                .during("find expired leases")?;
        let mut ended_runs = std::collections::BTreeSet::new();
        for row in &expired {
            let shard_id = row.id;
            let run_id = &row.run_id;
            let losses = row.losses + 1;
            let max_losses = row.max_losses;
            let owner = row.lease_owner.clone().unwrap_or_default();
            let message = format!("worker {owner} stopped renewing its lease");
            tracing::warn!(shard_id, worker_id = %owner, losses, "lease expired");
            if losses >= max_losses {
                self.cache.forget_shard(shard_id);
                ended_runs.insert(run_id.clone());
            }
            crate::sql_impl::give_back!(
                &mut *tx,
                shard_id,
                losses < max_losses,
                "losses",
                losses,
                dfbench_benchmarks::FailureKind::LeaseExpired.as_str(),
                &message,
                &owner,
                now_ms
            );
        }
        tx.commit().await.during("commit reaping")?;
        for run_id in &ended_runs {
            crate::sql_impl::finish_run_if_complete!(&self.pool, run_id, now_ms);
        }
        Ok(expired.len() as u64)
    }

    async fn finish_complete_runs(
        &self,
        now_ms: i64,
    ) -> Result<Vec<crate::RunId>, crate::StoreError> {
        use crate::error::QueryContext;
        let finished: Vec<String> = sqlx::query_scalar(crate::queries::FINISH_COMPLETE_RUNS)
            .bind(now_ms)
            .fetch_all(&self.pool)
            .await
            .during("finish complete runs")?;
        Ok(finished.into_iter().map(crate::RunId).collect())
    }

    async fn fail_runs_without_workers(
        &self,
        since_ms: i64,
        now_ms: i64,
        message: &str,
    ) -> Result<Vec<crate::RunId>, crate::StoreError> {
        use crate::error::QueryContext;
        let mut tx = self
            .pool
            .begin()
            .await
            .during("begin failing stalled runs")?;
        let stalled: Vec<String> = sqlx::query_scalar(crate::queries::RUNS_WITHOUT_WORKERS)
            .bind(since_ms)
            .fetch_all(&mut *tx)
            .await
            .during("find runs without workers")?;
        for run_id in &stalled {
            let open: Vec<i64> = sqlx::query_scalar(crate::queries::OPEN_SHARDS_OF_RUN)
                .bind(run_id)
                .fetch_all(&mut *tx)
                .await
                .during("find the stalled run's open shards")?;
            for shard_id in open {
                sqlx::query(crate::queries::FAIL_STALLED_SHARD)
                    .bind(shard_id)
                    .bind(format!(
                        "{}: {message}",
                        dfbench_benchmarks::FailureKind::NoWorkers
                    ))
                    .execute(&mut *tx)
                    .await
                    .during("fail a stalled shard")?;
                crate::sql_impl::fill_missing!(
                    &mut *tx,
                    shard_id,
                    dfbench_benchmarks::FailureKind::NoWorkers.as_str(),
                    message,
                    ""
                );
            }
            sqlx::query(crate::queries::FAIL_RUN)
                .bind(run_id)
                .bind(message)
                .bind(now_ms)
                .execute(&mut *tx)
                .await
                .during("fail a run without workers")?;
        }
        tx.commit().await.during("commit failing stalled runs")?;
        for run_id in &stalled {
            self.cache.forget_run(run_id);
        }
        Ok(stalled.into_iter().map(crate::RunId).collect())
    }

    async fn run_progress(
        &self,
        run_id: &crate::RunId,
    ) -> Result<crate::RunProgress, crate::StoreError> {
        self.sql_run_progress(run_id).await
    }

    async fn cancel_run(
        &self,
        run_id: &crate::RunId,
        now_ms: i64,
    ) -> Result<(), crate::StoreError> {
        self.sql_cancel_run(run_id, now_ms).await?;
        self.cache.forget_run(&run_id.0);
        Ok(())
    }

    async fn fail_run(
        &self,
        run_id: &crate::RunId,
        message: &str,
        now_ms: i64,
    ) -> Result<bool, crate::StoreError> {
        use crate::error::QueryContext;
        let updated = sqlx::query(crate::queries::FAIL_RUNNING_RUN)
            .bind(&run_id.0)
            .bind(message)
            .bind(now_ms)
            .execute(&self.pool)
            .await
            .during("mark the run failed")?;
        self.cache.forget_run(&run_id.0);
        Ok(updated.rows_affected() > 0)
    }

    async fn list_runs(&self, limit: i64) -> Result<Vec<crate::RunRecord>, crate::StoreError> {
        self.sql_list_runs(limit).await
    }

    async fn run(&self, run_id: &crate::RunId) -> Result<crate::RunDetails, crate::StoreError> {
        self.sql_run(run_id).await
    }

    async fn predictions(
        &self,
        run_id: &crate::RunId,
    ) -> Result<Vec<crate::PredictionRow>, crate::StoreError> {
        self.sql_predictions(run_id).await
    }

    async fn clip_predictions(
        &self,
        run_id: &crate::RunId,
    ) -> Result<Vec<crate::ClipPredictionRow>, crate::StoreError> {
        self.sql_clip_predictions(run_id).await
    }

    async fn replace_metrics(
        &self,
        run_id: &crate::RunId,
        rows: &[crate::MetricRecord],
    ) -> Result<(), crate::StoreError> {
        self.sql_replace_metrics(run_id, rows).await
    }

    async fn metrics(
        &self,
        run_id: &crate::RunId,
    ) -> Result<Vec<crate::MetricRecord>, crate::StoreError> {
        self.sql_metrics(run_id).await
    }

    async fn cluster_stats(
        &self,
        alive_since_ms: i64,
    ) -> Result<crate::ClusterStats, crate::StoreError> {
        self.sql_cluster_stats(alive_since_ms).await
    }

    async fn workers(&self) -> Result<Vec<crate::WorkerRecord>, crate::StoreError> {
        self.sql_workers().await
    }

    async fn known_contents(
        &self,
        paths: &[String],
    ) -> Result<std::collections::HashMap<String, crate::FileContent>, crate::StoreError> {
        self.sql_known_contents(paths).await
    }

    async fn export_run(&self, run_id: &crate::RunId) -> Result<crate::RunRows, crate::StoreError> {
        self.sql_export_run(run_id).await
    }

    async fn import_run(
        &self,
        rows: &crate::RunRows,
    ) -> Result<crate::ImportOutcome, crate::StoreError> {
        self.sql_import_run(rows).await
    }
}
