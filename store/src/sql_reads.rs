//! The read side and the run-level writes of the SQL store (progress, cancel, runs, one run's
//! details, predictions, metrics, cluster statistics, workers, known file contents): generic
//! code over the [`Backend`], as inherent methods the `Store` implementation in `sql_impl`
//! forwards to. Same SQL for SQLite and PostgreSQL. Kept apart from `sql_impl` so the lease hot
//! path and these reads can each be read in one sitting.

use crate::backend::{Backend, RowsAffected, SqlStore};
use dfbench_store_macros::sql_backend;

/// The reads of one run's rows, shared by the read side and history.
#[sql_backend]
impl<DB: Backend> SqlStore<DB> {
    /// Every row `sql` gives for run `$1`.
    pub(crate) async fn run_rows<T>(
        &self,
        sql: &'static str,
        run_id: &crate::RunId,
        action: &'static str,
    ) -> Result<Vec<T>, crate::StoreError>
    where
        T: for<'r> sqlx::FromRow<'r, DB::Row> + Send + Unpin,
    {
        use crate::error::QueryContext;
        sqlx::query_as(sql)
            .bind(&run_id.0)
            .fetch_all(&self.pool)
            .await
            .during(action)
    }

    /// [`Self::run_rows`] read as `R`, converted to `T` and sorted by `order` (in Rust, so both
    /// backends give the same order whatever their collation).
    pub(crate) async fn run_rows_sorted<R, T>(
        &self,
        (sql, action): (&'static str, &'static str),
        run_id: &crate::RunId,
        order: impl Fn(&T, &T) -> std::cmp::Ordering,
    ) -> Result<Vec<T>, crate::StoreError>
    where
        R: for<'r> sqlx::FromRow<'r, DB::Row> + Send + Unpin,
        T: From<R>,
    {
        let rows: Vec<R> = self.run_rows(sql, run_id, action).await?;
        let mut out: Vec<T> = rows.into_iter().map(T::from).collect();
        out.sort_by(order);
        Ok(out)
    }

    /// The row `sql` gives for run `$1`; `RunNotFound` when there is none.
    pub(crate) async fn run_row<T>(
        &self,
        sql: &'static str,
        run_id: &crate::RunId,
        action: &'static str,
    ) -> Result<T, crate::StoreError>
    where
        T: for<'r> sqlx::FromRow<'r, DB::Row> + Send + Unpin,
    {
        // A run id names at most one row in every query this reads.
        let rows: Vec<T> = self.run_rows(sql, run_id, action).await?;
        rows.into_iter()
            .next()
            .ok_or_else(|| crate::StoreError::RunNotFound(run_id.clone()))
    }
}

/// The reads; `#[sql_backend]` adds what they need of the backend.
#[sql_backend]
impl<DB: Backend> SqlStore<DB> {
    pub(crate) async fn sql_run_progress(
        &self,
        run_id: &crate::RunId,
    ) -> Result<crate::RunProgress, crate::StoreError> {
        let (status, error): (String, Option<String>) = self
            .run_row(crate::queries::READ_RUN_STATUS, run_id, "read run status")
            .await?;
        // One pass over the run's predictions and one over its shards.
        let counts: crate::RunProgress = self
            .run_row(crate::queries::RUN_PROGRESS, run_id, "count run progress")
            .await?;
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
            let shards = sqlx::query(crate::queries::CANCEL_SHARDS).bind(&run_id.0);
            shards.execute(&mut *tx).await.during("cancel shards")?;
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
        let query = (crate::queries::SELECT_PREDICTIONS, "read predictions");
        let order = |a: &_, b: &_| prediction_order(a).cmp(&prediction_order(b));
        self.run_rows_sorted::<crate::rows::PredictionRead, _>(query, run_id, order)
            .await
    }

    pub(crate) async fn sql_clip_predictions(
        &self,
        run_id: &crate::RunId,
    ) -> Result<Vec<crate::ClipPredictionRow>, crate::StoreError> {
        let read = "read clip predictions";
        let order = |a: &_, b: &_| clip_order(a).cmp(&clip_order(b));
        let query = (crate::queries::SELECT_CLIP_PREDICTIONS, read);
        self.run_rows_sorted::<crate::rows::ClipPredictionRead, _>(query, run_id, order)
            .await
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
        Self::insert_metric_rows(&mut *tx, run_id, rows).await?;
        tx.commit().await.during("commit metrics")?;
        Ok(())
    }

    /// Inserts `rows` as metrics of run `run_id` (`replace_metrics`, bundle import).
    pub(crate) async fn insert_metric_rows(
        tx: &mut DB::Connection,
        run_id: &crate::RunId,
        rows: &[crate::MetricRecord],
    ) -> Result<(), crate::StoreError> {
        use crate::error::QueryContext;
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
        Ok(())
    }

    pub(crate) async fn sql_metrics(
        &self,
        run_id: &crate::RunId,
    ) -> Result<Vec<crate::MetricRecord>, crate::StoreError> {
        let mut metrics: Vec<crate::MetricRecord> = self
            .run_rows(crate::queries::SELECT_METRICS, run_id, "read metrics")
            .await?;
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

    /// Paths are sent as one JSON array per statement and the contents come back as one JSON
    /// array: a file costs one primary-key probe, not a row handed over by the driver (which
    /// cost four times the probe on SQLite, and most of an unchanged rerun's planning).
    pub(crate) async fn sql_known_contents(
        &self,
        paths: &[String],
    ) -> Result<std::collections::HashMap<String, crate::FileContent>, crate::StoreError> {
        use crate::error::QueryContext;
        let mut known = std::collections::HashMap::with_capacity(paths.len());
        for chunk in paths.chunks(KNOWN_CONTENTS_PER_STATEMENT) {
            let list = serde_json::to_string(chunk).map_err(|error| {
                crate::StoreError::InvalidPlan(format!("file paths as JSON: {error}"))
            })?;
            let (found,): (String,) = sqlx::query_as(self.dialect.known_contents)
                .bind(list)
                .fetch_one(&self.pool)
                .await
                .during("read known file contents")?;
            let rows: Vec<(usize, i64, i64, String)> =
                crate::error::stored_json(&found, "file_contents rows as JSON")?;
            for (position, size, mtime_ns, hash) in rows {
                let Some(path) = chunk.get(position) else {
                    return Err(crate::StoreError::Corrupt {
                        what: format!(
                            "file_contents answered for path #{position} of {}",
                            chunk.len()
                        ),
                    });
                };
                let content = crate::FileContent {
                    path: path.clone(),
                    size,
                    mtime_ns,
                    hash,
                    stored: true,
                };
                known.insert(path.clone(), content);
            }
        }
        Ok(known)
    }
}

/// The order of a run's predictions: detector, dataset, perturbation, path.
fn prediction_order(p: &crate::PredictionRow) -> (&str, &str, &str, &str) {
    (&p.detector, &p.dataset, &p.perturbation, &p.rel_path)
}

/// The order of a run's clip outcomes: detector, dataset, video, perturbation, clip.
fn clip_order(c: &crate::ClipPredictionRow) -> (&str, &str, &str, &str, i64) {
    (
        &c.detector,
        &c.dataset,
        &c.video_key,
        &c.perturbation,
        c.clip_index,
    )
}

/// Paths per `known_contents` statement: one JSON text of about 100 KB.
const KNOWN_CONTENTS_PER_STATEMENT: usize = 1_000;
