//! The read side and the run-level writes of the SQL store (progress, cancel, runs, one run's
//! details, predictions, metrics, cluster statistics, workers), as inherent methods the
//! `Store` implementation in `sql_impl` forwards to. Same SQL for SQLite and PostgreSQL. Kept
//! apart from `sql_impl` so the lease hot path and these reads can each be read in one sitting.

/// Implements the `sql_*` read methods for `$store` (see `sql_impl::impl_sql_store`).
macro_rules! impl_sql_reads {
    ($store:ident) => {
        impl $store {
            pub(crate) async fn sql_run_progress(
                &self,
                run_id: &$crate::RunId,
            ) -> Result<$crate::RunProgress, $crate::StoreError> {
                use sqlx::Row;
                use $crate::error::QueryContext;
                let Some(run) = sqlx::query($crate::queries::READ_RUN_STATUS)
                    .bind(&run_id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .during("read run status")?
                else {
                    return Err($crate::StoreError::RunNotFound(run_id.clone()));
                };
                // One pass over the run's predictions and one over its shards.
                let counts = sqlx::query($crate::queries::RUN_PROGRESS)
                    .bind(&run_id.0)
                    .fetch_one(&self.pool)
                    .await
                    .during("count run progress")?;
                Ok($crate::RunProgress {
                    status: run.try_get("status").during("read run status")?,
                    error: run.try_get("error").during("read run status")?,
                    shards_total: counts.try_get("shards_total").during("read progress")?,
                    shards_done: counts.try_get("shards_done").during("read progress")?,
                    shards_failed: counts.try_get("shards_failed").during("read progress")?,
                    predictions: counts.try_get("predictions").during("read progress")?,
                    prediction_failures: counts.try_get("failures").during("read progress")?,
                    predictions_reused: counts.try_get("reused").during("read progress")?,
                    predictions_expected: counts.try_get("expected").during("read progress")?,
                    clips: counts.try_get("clips").during("read progress")?,
                    clip_failures: counts.try_get("clip_failures").during("read progress")?,
                    clips_reused: counts.try_get("clips_reused").during("read progress")?,
                    clips_expected: counts.try_get("clips_expected").during("read progress")?,
                })
            }

            pub(crate) async fn sql_cancel_run(
                &self,
                run_id: &$crate::RunId,
                now_ms: i64,
            ) -> Result<(), $crate::StoreError> {
                use $crate::error::QueryContext;
                let mut tx = self.pool.begin().await.during("begin cancel")?;
                let updated = sqlx::query($crate::queries::CANCEL_RUN)
                    .bind(&run_id.0)
                    .bind(now_ms)
                    .execute(&mut *tx)
                    .await
                    .during("cancel run")?;
                if updated.rows_affected() > 0 {
                    sqlx::query($crate::queries::CANCEL_SHARDS)
                        .bind(&run_id.0)
                        .execute(&mut *tx)
                        .await
                        .during("cancel shards")?;
                }
                tx.commit().await.during("commit cancel")?;
                Ok(())
            }

            pub(crate) async fn sql_list_runs(
                &self,
                limit: i64,
            ) -> Result<Vec<$crate::RunRecord>, $crate::StoreError> {
                use $crate::error::QueryContext;
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{} ORDER BY created_at_ms DESC, id LIMIT $1",
                    $crate::queries::SELECT_RUN
                )))
                .bind(limit)
                .fetch_all(&self.pool)
                .await
                .during("list runs")?;
                rows.iter().map($crate::sql_impl::run_from_row).collect()
            }

            pub(crate) async fn sql_run(
                &self,
                run_id: &$crate::RunId,
            ) -> Result<$crate::RunDetails, $crate::StoreError> {
                use $crate::error::QueryContext;
                let Some(row) = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{} WHERE id = $1",
                    $crate::queries::SELECT_RUN
                )))
                .bind(&run_id.0)
                .fetch_optional(&self.pool)
                .await
                .during("read run")?
                else {
                    return Err($crate::StoreError::RunNotFound(run_id.clone()));
                };
                let run = $crate::sql_impl::run_from_row(&row)?;
                let dataset_rows = sqlx::query($crate::queries::SELECT_RUN_DATASETS)
                    .bind(&run_id.0)
                    .fetch_all(&self.pool)
                    .await
                    .during("read run datasets")?;
                let datasets = dataset_rows
                    .iter()
                    .map($crate::sql_impl::dataset_from_row)
                    .collect::<Result<Vec<_>, _>>()?;
                let detectors = $crate::sql_impl::read_detectors!(&self.pool, &run_id.0);
                Ok($crate::RunDetails {
                    run,
                    datasets,
                    detectors,
                })
            }

            pub(crate) async fn sql_predictions(
                &self,
                run_id: &$crate::RunId,
            ) -> Result<Vec<$crate::PredictionRow>, $crate::StoreError> {
                use sqlx::Row;
                use $crate::error::QueryContext;
                let rows = sqlx::query($crate::queries::SELECT_PREDICTIONS)
                    .bind(&run_id.0)
                    .fetch_all(&self.pool)
                    .await
                    .during("read predictions")?;
                let mut predictions = Vec::with_capacity(rows.len());
                for row in &rows {
                    predictions.push($crate::PredictionRow {
                        detector: row.try_get("detector").during("read prediction")?,
                        detector_fingerprint: row
                            .try_get("detector_fingerprint")
                            .during("read prediction")?,
                        dataset: row.try_get("dataset").during("read prediction")?,
                        subset: row.try_get("subset").during("read prediction")?,
                        perturbation: row.try_get("perturbation").during("read prediction")?,
                        rel_path: row.try_get("rel_path").during("read prediction")?,
                        video_key: row.try_get("video_key").during("read prediction")?,
                        label: row.try_get("label").during("read prediction")?,
                        method: row.try_get("method").during("read prediction")?,
                        label_group: row.try_get("label_group").during("read prediction")?,
                        split: row.try_get("split").during("read prediction")?,
                        compression: row.try_get("compression").during("read prediction")?,
                        score: row.try_get("score").during("read prediction")?,
                        failure_kind: row
                            .try_get::<Option<String>, _>("failure_kind")
                            .during("read prediction")?
                            .map(dfbench_benchmarks::FailureKind::from),
                        failure_message: row
                            .try_get("failure_message")
                            .during("read prediction")?,
                        worker_id: row.try_get("worker_id").during("read prediction")?,
                    });
                }
                predictions.sort_by(|a, b| {
                    (&a.detector, &a.dataset, &a.perturbation, &a.rel_path).cmp(&(
                        &b.detector,
                        &b.dataset,
                        &b.perturbation,
                        &b.rel_path,
                    ))
                });
                Ok(predictions)
            }

            pub(crate) async fn sql_clip_predictions(
                &self,
                run_id: &$crate::RunId,
            ) -> Result<Vec<$crate::ClipPredictionRow>, $crate::StoreError> {
                use sqlx::Row;
                use $crate::error::QueryContext;
                let rows = sqlx::query($crate::queries::SELECT_CLIP_PREDICTIONS)
                    .bind(&run_id.0)
                    .fetch_all(&self.pool)
                    .await
                    .during("read clip predictions")?;
                let action = "read clip prediction";
                let mut clips = Vec::with_capacity(rows.len());
                for row in &rows {
                    clips.push($crate::ClipPredictionRow {
                        detector: row.try_get("detector").during(action)?,
                        detector_fingerprint: row.try_get("detector_fingerprint").during(action)?,
                        dataset: row.try_get("dataset").during(action)?,
                        subset: row.try_get("subset").during(action)?,
                        perturbation: row.try_get("perturbation").during(action)?,
                        video_key: row.try_get("video_key").during(action)?,
                        clip_index: row.try_get("clip_index").during(action)?,
                        first_frame: row.try_get("first_frame").during(action)?,
                        last_frame: row.try_get("last_frame").during(action)?,
                        label: row.try_get("label").during(action)?,
                        method: row.try_get("method").during(action)?,
                        label_group: row.try_get("label_group").during(action)?,
                        split: row.try_get("split").during(action)?,
                        compression: row.try_get("compression").during(action)?,
                        score: row.try_get("score").during(action)?,
                        failure_kind: row
                            .try_get::<Option<String>, _>("failure_kind")
                            .during(action)?
                            .map(dfbench_benchmarks::FailureKind::from),
                        failure_message: row.try_get("failure_message").during(action)?,
                        worker_id: row.try_get("worker_id").during(action)?,
                        reused: row
                            .try_get::<Option<String>, _>("reused_from")
                            .during(action)?
                            .is_some(),
                    });
                }
                clips.sort_by(|a, b| {
                    (
                        &a.detector,
                        &a.dataset,
                        &a.video_key,
                        &a.perturbation,
                        a.clip_index,
                    )
                        .cmp(&(
                            &b.detector,
                            &b.dataset,
                            &b.video_key,
                            &b.perturbation,
                            b.clip_index,
                        ))
                });
                Ok(clips)
            }

            pub(crate) async fn sql_replace_metrics(
                &self,
                run_id: &$crate::RunId,
                rows: &[$crate::MetricRecord],
            ) -> Result<(), $crate::StoreError> {
                use $crate::error::QueryContext;
                let mut tx = self.pool.begin().await.during("begin metrics")?;
                sqlx::query($crate::queries::DELETE_OLD_METRICS)
                    .bind(&run_id.0)
                    .execute(&mut *tx)
                    .await
                    .during("delete old metrics")?;
                for metric in rows {
                    sqlx::query($crate::queries::INSERT_METRIC)
                        .bind(&run_id.0)
                        .bind(&metric.detector)
                        .bind(&metric.dataset)
                        .bind(&metric.perturbation)
                        .bind(&metric.slice)
                        .bind(&metric.level)
                        .bind(&metric.metric)
                        .bind(metric.value)
                        .bind(&metric.undefined_reason)
                        .bind(metric.n_real)
                        .bind(metric.n_fake)
                        .execute(&mut *tx)
                        .await
                        .during("insert metric")?;
                }
                tx.commit().await.during("commit metrics")?;
                Ok(())
            }

            pub(crate) async fn sql_metrics(
                &self,
                run_id: &$crate::RunId,
            ) -> Result<Vec<$crate::MetricRecord>, $crate::StoreError> {
                use sqlx::Row;
                use $crate::error::QueryContext;
                let rows = sqlx::query($crate::queries::SELECT_METRICS)
                    .bind(&run_id.0)
                    .fetch_all(&self.pool)
                    .await
                    .during("read metrics")?;
                let mut metrics = Vec::with_capacity(rows.len());
                for row in &rows {
                    metrics.push($crate::MetricRecord {
                        detector: row.try_get("detector").during("read metric")?,
                        dataset: row.try_get("dataset").during("read metric")?,
                        perturbation: row.try_get("perturbation").during("read metric")?,
                        slice: row.try_get("slice").during("read metric")?,
                        level: row.try_get("level").during("read metric")?,
                        metric: row.try_get("metric").during("read metric")?,
                        value: row.try_get("value").during("read metric")?,
                        undefined_reason: row.try_get("undefined_reason").during("read metric")?,
                        n_real: row.try_get("n_real").during("read metric")?,
                        n_fake: row.try_get("n_fake").during("read metric")?,
                    });
                }
                metrics.sort_by(|a, b| {
                    (
                        &a.detector,
                        &a.dataset,
                        &a.perturbation,
                        &a.slice,
                        &a.level,
                        &a.metric,
                    )
                        .cmp(&(
                            &b.detector,
                            &b.dataset,
                            &b.perturbation,
                            &b.slice,
                            &b.level,
                            &b.metric,
                        ))
                });
                Ok(metrics)
            }

            pub(crate) async fn sql_cluster_stats(
                &self,
                alive_since_ms: i64,
            ) -> Result<$crate::ClusterStats, $crate::StoreError> {
                use sqlx::Row;
                use $crate::error::QueryContext;
                let workers_alive: i64 = sqlx::query_scalar($crate::queries::COUNT_LIVE_WORKERS)
                    .bind(alive_since_ms)
                    .fetch_one(&self.pool)
                    .await
                    .during("count live workers")?;
                let runs_running: i64 = sqlx::query_scalar($crate::queries::COUNT_RUNNING_RUNS)
                    .fetch_one(&self.pool)
                    .await
                    .during("count running runs")?;
                let rows = sqlx::query($crate::queries::COUNT_SHARDS_BY_STATE)
                    .fetch_all(&self.pool)
                    .await
                    .during("count shards by state")?;
                let mut shards_by_state = Vec::with_capacity(rows.len());
                for row in &rows {
                    shards_by_state.push((
                        row.try_get("state").during("read shard counts")?,
                        row.try_get("n").during("read shard counts")?,
                    ));
                }
                Ok($crate::ClusterStats {
                    workers_alive,
                    runs_running,
                    shards_by_state,
                })
            }

            pub(crate) async fn sql_workers(
                &self,
            ) -> Result<Vec<$crate::WorkerRecord>, $crate::StoreError> {
                use sqlx::Row;
                use $crate::error::QueryContext;
                let rows = sqlx::query($crate::queries::SELECT_WORKERS)
                    .fetch_all(&self.pool)
                    .await
                    .during("read workers")?;
                let split = |text: String| -> Vec<String> {
                    text.split(',')
                        .filter(|part| !part.is_empty())
                        .map(str::to_string)
                        .collect()
                };
                let mut workers = Vec::with_capacity(rows.len());
                for row in &rows {
                    let incarnation: String = row.try_get("incarnation").during("read worker")?;
                    workers.push($crate::WorkerRecord {
                        worker_id: row.try_get("id").during("read worker")?,
                        incarnation: incarnation.parse().unwrap_or_default(),
                        hostname: row.try_get("hostname").during("read worker")?,
                        dfbench_version: row.try_get("dfbench_version").during("read worker")?,
                        capabilities: $crate::sql_impl::split_set(
                            row.try_get("capabilities").during("read worker")?,
                        ),
                        devices: split(row.try_get("devices").during("read worker")?),
                        now_ms: row.try_get("last_seen_ms").during("read worker")?,
                    });
                }
                Ok(workers)
            }

            pub(crate) async fn sql_known_contents(
                &self,
                paths: &[String],
            ) -> Result<std::collections::HashMap<String, $crate::FileContent>, $crate::StoreError>
            {
                use sqlx::Row;
                use $crate::Store;
                use $crate::error::QueryContext;
                let mut known = std::collections::HashMap::new();
                for chunk in paths.chunks($crate::bulk::SAMPLE_ROWS_PER_INSERT) {
                    let sql = $crate::queries::fill(
                        $crate::queries::KNOWN_CONTENTS_IN,
                        &[&$crate::bulk::parameters(self.backend(), 1, chunk.len())],
                    );
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for path in chunk {
                        query = query.bind(path);
                    }
                    for row in query
                        .fetch_all(&self.pool)
                        .await
                        .during("read known file contents")?
                    {
                        let content = $crate::FileContent {
                            path: row.try_get("path").during("read file content")?,
                            size: row.try_get("size").during("read file content")?,
                            mtime_ns: row.try_get("mtime_ns").during("read file content")?,
                            hash: row.try_get("content_hash").during("read file content")?,
                            stored: true,
                        };
                        known.insert(content.path.clone(), content);
                    }
                }
                Ok(known)
            }
        }
    };
}
pub(crate) use impl_sql_reads;
