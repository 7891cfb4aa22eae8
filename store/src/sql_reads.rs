//! The read side and the run-level writes of the SQL store (progress, cancel, runs, one run's
//! details, predictions, metrics, cluster statistics, workers, known file contents): generic
//! code over the [`Backend`], as inherent methods the `Store` implementation in `sql_impl`
//! forwards to. Same SQL for SQLite and PostgreSQL. Kept apart from `sql_impl` so the lease hot
//! path and these reads can each be read in one sitting.

use crate::backend::{Backend, RowsAffected, SqlStore};
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Type};

/// The reads need, of the backend: executors for its connections and pool, and strings,
/// integers, floats and booleans as arguments and columns (from which sqlx derives each row type's
/// `FromRow`).
impl<DB: Backend> SqlStore<DB>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'a> &'a str: ColumnIndex<DB::Row>,
    usize: ColumnIndex<DB::Row>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Decode<'q, DB> + Type<DB>,
    for<'q> Option<f64>: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
{
    pub(crate) async fn sql_run_progress(
        &self,
        run_id: &crate::RunId,
    ) -> Result<crate::RunProgress, crate::StoreError> {
        use crate::error::QueryContext;
        let Some((status, error)) =
            sqlx::query_as::<_, (String, Option<String>)>(crate::queries::READ_RUN_STATUS)
                .bind(&run_id.0)
                .fetch_optional(&self.pool)
                .await
                .during("read run status")?
        else {
            return Err(crate::StoreError::RunNotFound(run_id.clone()));
        };
        // One pass over the run's predictions and one over its shards.
        let counts: crate::RunProgress = sqlx::query_as(crate::queries::RUN_PROGRESS)
            .bind(&run_id.0)
            .fetch_one(&self.pool)
            .await
            .during("count run progress")?;
        Ok(crate::RunProgress {
            status,
            error,
            ..counts
        })
    }

    pub(crate) async fn sql_cancel_run(
        &self,
        run_id: &crate::RunId,
        now_ms: i64,
    ) -> Result<(), crate::StoreError> {
        use crate::error::QueryContext;
        let mut tx = self.pool.begin().await.during("begin cancel")?;
        let updated = sqlx::query(crate::queries::CANCEL_RUN)
            .bind(&run_id.0)
            .bind(now_ms)
            .execute(&mut *tx)
            .await
            .during("cancel run")?;
        if updated.rows_affected() > 0 {
            sqlx::query(crate::queries::CANCEL_SHARDS)
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
    ) -> Result<Vec<crate::RunRecord>, crate::StoreError> {
        use crate::error::QueryContext;
        let rows: Vec<crate::rows::RunRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{} ORDER BY created_at_ms DESC, id LIMIT $1",
            crate::queries::SELECT_RUN
        )))
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .during("list runs")?;
        crate::rows::convert(rows)
    }

    pub(crate) async fn sql_run(
        &self,
        run_id: &crate::RunId,
    ) -> Result<crate::RunDetails, crate::StoreError> {
        use crate::error::QueryContext;
        let Some(row) = sqlx::query_as::<_, crate::rows::RunRow>(sqlx::AssertSqlSafe(format!(
            "{} WHERE id = $1",
            crate::queries::SELECT_RUN
        )))
        .bind(&run_id.0)
        .fetch_optional(&self.pool)
        .await
        .during("read run")?
        else {
            return Err(crate::StoreError::RunNotFound(run_id.clone()));
        };
        let run = crate::RunRecord::try_from(row)?;
        let (datasets, detectors) = crate::sql_impl::read_run_parts!(&self.pool, &run_id.0);
        Ok(crate::RunDetails {
            run,
            datasets,
            detectors,
        })
    }

    pub(crate) async fn sql_predictions(
        &self,
        run_id: &crate::RunId,
    ) -> Result<Vec<crate::PredictionRow>, crate::StoreError> {
        use crate::error::QueryContext;
        let rows: Vec<crate::rows::PredictionRead> =
            sqlx::query_as(crate::queries::SELECT_PREDICTIONS)
                .bind(&run_id.0)
                .fetch_all(&self.pool)
                .await
                .during("read predictions")?;
        let mut predictions: Vec<crate::PredictionRow> = rows.into_iter().map(Into::into).collect();
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
        run_id: &crate::RunId,
    ) -> Result<Vec<crate::ClipPredictionRow>, crate::StoreError> {
        use crate::error::QueryContext;
        let rows: Vec<crate::rows::ClipPredictionRead> =
            sqlx::query_as(crate::queries::SELECT_CLIP_PREDICTIONS)
                .bind(&run_id.0)
                .fetch_all(&self.pool)
                .await
                .during("read clip predictions")?;
        let mut clips: Vec<crate::ClipPredictionRow> = rows.into_iter().map(Into::into).collect();
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
        run_id: &crate::RunId,
        rows: &[crate::MetricRecord],
    ) -> Result<(), crate::StoreError> {
        use crate::error::QueryContext;
        let mut tx = self.pool.begin().await.during("begin metrics")?;
        sqlx::query(crate::queries::DELETE_OLD_METRICS)
            .bind(&run_id.0)
            .execute(&mut *tx)
            .await
            .during("delete old metrics")?;
        for metric in rows {
            sqlx::query(crate::queries::INSERT_METRIC)
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
                .bind(metric.ci_low)
                .bind(metric.ci_high)
                .bind(metric.interval_stored)
                .execute(&mut *tx)
                .await
                .during("insert metric")?;
        }
        tx.commit().await.during("commit metrics")?;
        Ok(())
    }

    pub(crate) async fn sql_metrics(
        &self,
        run_id: &crate::RunId,
    ) -> Result<Vec<crate::MetricRecord>, crate::StoreError> {
        use crate::error::QueryContext;
        let mut metrics: Vec<crate::MetricRecord> = sqlx::query_as(crate::queries::SELECT_METRICS)
            .bind(&run_id.0)
            .fetch_all(&self.pool)
            .await
            .during("read metrics")?;
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
    ) -> Result<crate::ClusterStats, crate::StoreError> {
        use crate::error::QueryContext;
        let workers_alive: i64 = sqlx::query_scalar(crate::queries::COUNT_LIVE_WORKERS)
            .bind(alive_since_ms)
            .fetch_one(&self.pool)
            .await
            .during("count live workers")?;
        let runs_running: i64 = sqlx::query_scalar(crate::queries::COUNT_RUNNING_RUNS)
            .fetch_one(&self.pool)
            .await
            .during("count running runs")?;
        let shards_by_state: Vec<(String, i64)> =
            sqlx::query_as(crate::queries::COUNT_SHARDS_BY_STATE)
                .fetch_all(&self.pool)
                .await
                .during("count shards by state")?;
        Ok(crate::ClusterStats {
            workers_alive,
            runs_running,
            shards_by_state,
        })
    }

    pub(crate) async fn sql_workers(&self) -> Result<Vec<crate::WorkerRecord>, crate::StoreError> {
        use crate::error::QueryContext;
        let rows: Vec<crate::rows::WorkerRow> = sqlx::query_as(crate::queries::SELECT_WORKERS)
            .fetch_all(&self.pool)
            .await
            .during("read workers")?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    pub(crate) async fn sql_known_contents(
        &self,
        paths: &[String],
    ) -> Result<std::collections::HashMap<String, crate::FileContent>, crate::StoreError> {
        use crate::error::QueryContext;
        let mut known = std::collections::HashMap::new();
        for chunk in paths.chunks(crate::bulk::SAMPLE_ROWS_PER_INSERT) {
            let sql = crate::queries::fill(
                crate::queries::KNOWN_CONTENTS_IN,
                &[&crate::bulk::parameters(DB::BACKEND, 1, chunk.len())],
            );
            let mut query = sqlx::query_as::<_, crate::FileContent>(sqlx::AssertSqlSafe(sql));
            for path in chunk {
                query = query.bind(path);
            }
            for content in query
                .fetch_all(&self.pool)
                .await
                .during("read known file contents")?
            {
                let content = crate::FileContent {
                    stored: true,
                    ..content
                };
                known.insert(content.path.clone(), content);
            }
        }
        Ok(known)
    }
}
