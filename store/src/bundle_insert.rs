//! Storing a bundle's [`RunRows`] as a run through one open transaction (`bundle_sql`'s
//! import): positions mapped to the ids this store gives, shards one by one (few), the rest in
//! multi-row statements. Also the single-row inserts of a run's datasets, detectors and metrics
//! that planning and `replace_metrics` share. Checks nothing itself: `bundle_sql` refuses
//! conflicts before calling it.

use crate::StoreError;
use crate::backend::{Backend, SqlStore};
use crate::bundle_model::RunRows;
use crate::bundle_order::{map_id_list, stored_id};
use crate::error::QueryContext;
use crate::model::{DatasetRecord, DetectorRecord};
use crate::queries;
use dfbench_store_macros::sql_backend;
use std::collections::HashMap;

/// Rows per multi-row insert: the widest (clip predictions, 17 columns) stays well below
/// SQLite's 32,766 bind parameters.
const ROWS_PER_INSERT: usize = 500;

/// Inserts `$rows` in multi-row statements of `$columns` columns from `$template`, binding
/// each row with `$bind` (a block evaluating to the query, `$query` and `$row` in scope).
macro_rules! insert_rows {
    ($tx:expr, $template:expr, $rows:expr, $columns:expr, $action:expr,
     |$query:ident, $row:ident| $bind:block) => {
        for chunk in $rows.chunks(ROWS_PER_INSERT) {
            let sql = queries::fill(
                $template,
                &[&crate::bulk::placeholders(
                    DB::BACKEND,
                    chunk.len(),
                    $columns,
                )],
            );
            let mut $query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for $row in chunk {
                $query = $bind;
            }
            $query.execute(&mut *$tx).await.during($action)?;
        }
    };
}

#[sql_backend]
impl<DB: Backend> SqlStore<DB> {
    /// Inserts every row of `rows` through `tx`, mapping positions to the ids this store
    /// gives: shards one by one (few), the rest in multi-row statements.
    pub(crate) async fn insert_run_rows(
        tx: &mut DB::Connection,
        rows: &RunRows,
    ) -> Result<(), StoreError> {
        use sqlx::Row;
        let run = &rows.run;
        let run_id = &run.record.id;
        Self::insert_run_row(&mut *tx, run, &rows.requirements).await?;
        let names = [
            (queries::INSERT_RUN_TAG, &rows.tags),
            (queries::INSERT_EXCLUDED_WORKER, &rows.excluded_workers),
        ];
        for (sql, values) in names {
            for value in values {
                (sqlx::query(sql)
                    .bind(&run_id.0)
                    .bind(value)
                    .execute(&mut *tx))
                .await
                .during("insert the run's tags and exclusions")?;
            }
        }
        for dataset in &rows.datasets {
            Self::insert_run_dataset(&mut *tx, &run_id.0, dataset).await?;
        }
        for detector in &rows.detectors {
            Self::insert_run_detector(&mut *tx, &run_id.0, &DetectorRecord::try_from(detector)?)
                .await?;
        }
        let mut shard_ids = Vec::with_capacity(rows.shards.len());
        for s in &rows.shards {
            let row = sqlx::query(queries::BUNDLE_INSERT_SHARD)
                .bind(&run_id.0)
                .bind(&s.dataset)
                .bind(&s.perturbation)
                .bind(&s.state)
                .bind(s.attempt)
                .bind(s.failures)
                .bind(s.max_attempts)
                .bind(s.losses)
                .bind(s.max_losses)
                .bind(s.lease_epoch)
                .bind(&s.last_error)
                .bind(s.n_samples)
                .bind(s.n_clips)
                .bind(s.n_clip_only)
                .bind(&s.detectors)
                .bind(&s.done_by)
                .bind(&s.device)
                .bind(&s.libtorch)
                .bind(&s.cuda)
                .bind(s.batch_size)
                .fetch_one(&mut *tx)
                .await
                .during("insert a shard")?;
            shard_ids.push(row.try_get::<i64, _>("id").during("read a shard id")?);
        }
        let mut by_path: HashMap<(String, String), i64> = HashMap::new();
        for chunk in rows.samples.chunks(ROWS_PER_INSERT) {
            let sql = queries::fill(
                queries::INSERT_SAMPLES_ROWS,
                &[&crate::bulk::placeholders(DB::BACKEND, chunk.len(), 15)],
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for s in chunk {
                query = query
                    .bind(&run_id.0)
                    .bind(&s.dataset)
                    .bind(&s.subset)
                    .bind(&s.rel_path)
                    .bind(s.label)
                    .bind(&s.label_group)
                    .bind(&s.method)
                    .bind(&s.split)
                    .bind(&s.compression)
                    .bind(&s.video_key)
                    .bind(s.frame_index)
                    .bind(&s.content_hash)
                    .bind(s.file_size)
                    .bind(s.file_mtime_ns)
                    .bind(s.clip_only);
            }
            for row in query.fetch_all(&mut *tx).await.during("insert samples")? {
                let key = (
                    row.try_get("dataset").during("read a sample id")?,
                    row.try_get("rel_path").during("read a sample id")?,
                );
                by_path.insert(key, row.try_get("id").during("read a sample id")?);
            }
        }
        let sample_ids = (rows.samples.iter())
            .map(|s| {
                by_path
                    .get(&(s.dataset.clone(), s.rel_path.clone()))
                    .copied()
            })
            .collect::<Option<Vec<i64>>>()
            .ok_or_else(|| StoreError::Corrupt {
                what: "a bundled sample was not stored (two with one dataset and path?)".into(),
            })?;
        let shard = |at: i64, what: &str| stored_id(&shard_ids, at, what);
        let sample = |at: i64, what: &str| stored_id(&sample_ids, at, what);
        insert_rows!(
            tx,
            queries::BUNDLE_INSERT_SHARD_SAMPLES_ROWS,
            rows.shard_samples,
            3,
            "insert shard memberships",
            |query, m| {
                query
                    .bind(shard(m.shard_id, "a shard membership")?)
                    .bind(sample(m.sample_id, "a shard membership")?)
                    .bind(m.needed)
            }
        );
        insert_rows!(
            tx,
            queries::INSERT_SHARD_CLIPS_ROWS,
            rows.shard_clips,
            9,
            "insert shard clips",
            |query, c| {
                query
                    .bind(shard(c.shard_id, "a shard clip")?)
                    .bind(&c.detector)
                    .bind(&c.video_key)
                    .bind(c.clip_index)
                    .bind(map_id_list(&c.sample_ids, |at| sample(at, "a shard clip"))?)
                    .bind(c.first_frame)
                    .bind(c.last_frame)
                    .bind(&c.content_key)
                    .bind(sample(c.video_sample, "a shard clip")?)
            }
        );
        insert_rows!(
            tx,
            queries::BUNDLE_INSERT_PREDICTIONS_ROWS,
            rows.predictions,
            13,
            "insert predictions",
            |query, p| {
                query
                    .bind(&run_id.0)
                    .bind(&p.detector)
                    .bind(sample(p.sample_id, "a prediction")?)
                    .bind(&p.perturbation)
                    .bind(p.score)
                    .bind(&p.failure_kind)
                    .bind(&p.failure_message)
                    .bind(&p.detector_fingerprint)
                    .bind(&p.worker_id)
                    .bind(shard(p.shard_id, "a prediction")?)
                    .bind(p.epoch)
                    .bind(p.latency_us)
                    .bind(&p.reused_from)
            }
        );
        insert_rows!(
            tx,
            queries::BUNDLE_INSERT_CLIP_PREDICTIONS_ROWS,
            rows.clip_predictions,
            17,
            "insert clip predictions",
            |query, c| {
                query
                    .bind(&run_id.0)
                    .bind(shard(c.shard_id, "a clip prediction")?)
                    .bind(&c.detector)
                    .bind(&c.video_key)
                    .bind(c.clip_index)
                    .bind(&c.perturbation)
                    .bind(c.first_frame)
                    .bind(c.last_frame)
                    .bind(c.score)
                    .bind(&c.failure_kind)
                    .bind(&c.failure_message)
                    .bind(&c.detector_fingerprint)
                    .bind(&c.content_key)
                    .bind(&c.worker_id)
                    .bind(c.epoch)
                    .bind(c.latency_us)
                    .bind(&c.reused_from)
            }
        );
        Self::insert_metric_rows(&mut *tx, run_id, &rows.metrics).await?;
        for w in &rows.workers {
            let inserted = sqlx::query(queries::BUNDLE_INSERT_WORKER)
                .bind(&w.id)
                .bind(&w.incarnation)
                .bind(&w.hostname)
                .bind(&w.dfbench_version)
                .bind(&w.devices)
                .bind(w.registered_at_ms)
                .bind(w.last_seen_ms)
                .bind(w.left_at_ms.unwrap_or(w.last_seen_ms))
                .execute(&mut *tx)
                .await
                .during("insert a worker")?;
            if crate::backend::RowsAffected::rows_affected(&inserted) == 0 {
                continue;
            }
            let capabilities = w.capabilities.as_deref().unwrap_or_default();
            for capability in capabilities.split(',').filter(|c| !c.is_empty()) {
                (sqlx::query(queries::RECORD_WORKER_CAPABILITY)
                    .bind(&w.id)
                    .bind(capability))
                .execute(&mut *tx)
                .await
                .during("insert a worker capability")?;
            }
        }
        Ok(())
    }

    /// Inserts the `runs` row `run` and its `requirements` (the capabilities a worker needs):
    /// a planned run's (`create_run`) and an imported one's.
    pub(crate) async fn insert_run_row(
        tx: &mut DB::Connection,
        run: &crate::bundle_model::BundleRun,
        requirements: &[String],
    ) -> Result<(), StoreError> {
        let record = &run.record;
        sqlx::query(queries::INSERT_RUN)
            .bind(&record.id.0)
            .bind(&record.name)
            .bind(&record.suite_name)
            .bind(&record.suite_toml)
            .bind(&record.suite_hash)
            .bind(&record.data_root)
            .bind(&record.dfbench_version)
            .bind(record.status.as_str())
            .bind(&record.error)
            .bind(record.created_at_ms)
            .bind(record.finished_at_ms)
            .bind(run.partial)
            .bind(&run.sampling)
            .bind(run.promoted_at_ms)
            .bind(run.requirement_count)
            .execute(&mut *tx)
            .await
            .during("insert the run")?;
        for capability in requirements {
            (sqlx::query(queries::INSERT_RUN_REQUIREMENT)
                .bind(&record.id.0)
                .bind(capability))
            .execute(&mut *tx)
            .await
            .during("insert the run's requirements")?;
        }
        Ok(())
    }

    /// Inserts one `run_datasets` row of run `run_id`.
    pub(crate) async fn insert_run_dataset(
        tx: &mut DB::Connection,
        run_id: &str,
        dataset: &DatasetRecord,
    ) -> Result<(), StoreError> {
        sqlx::query(queries::INSERT_RUN_DATASET)
            .bind(run_id)
            .bind(&dataset.name)
            .bind(&dataset.format)
            .bind(&dataset.root)
            .bind(&dataset.fingerprint)
            .bind(dataset.samples)
            .bind(&dataset.exif_orientation)
            .bind(dataset.max_pixels)
            .execute(&mut *tx)
            .await
            .during("insert run dataset")?;
        Ok(())
    }

    /// Inserts one `run_detectors` row of run `run_id`.
    pub(crate) async fn insert_run_detector(
        tx: &mut DB::Connection,
        run_id: &str,
        detector: &DetectorRecord,
    ) -> Result<(), StoreError> {
        sqlx::query(queries::INSERT_RUN_DETECTOR)
            .bind(run_id)
            .bind(&detector.name)
            .bind(&detector.kind)
            .bind(&detector.builtin)
            .bind(&detector.card)
            .bind(&detector.fingerprint)
            .bind(detector.input.as_str())
            .execute(&mut *tx)
            .await
            .during("insert run detector")?;
        Ok(())
    }
}
