//! Reading a run as its [`RunRows`] and storing [`RunRows`] as a run, on either backend (the
//! `Store` methods `export_run` and `import_run`). Export renumbers the store's shard and
//! sample ids into positions (`bundle_model`'s module doc); import inserts in position order,
//! maps positions to the ids the store gives, and writes everything in one transaction.
//! Import computes nothing: metrics are stored as the bundle carries them. It refuses, before
//! writing, a run id this store holds with other content and a detector or dataset name this
//! store knows only under other fingerprints. Must not know about files or archives.

use crate::StoreError;
use crate::backend::{Backend, SqlStore};
use crate::bundle_model::*;
use crate::error::QueryContext;
use crate::model::RunId;
use crate::queries;
use dfbench_store_macros::sql_backend;

/// The names of `bundled` (name, fingerprint) pairs this store knows, from `stored` pairs,
/// only under other fingerprints: the first such, as a conflict error.
fn first_conflict<'a>(
    what: &'static str,
    bundled: impl Iterator<Item = (&'a str, &'a str)>,
    stored: &[(String, String)],
) -> Result<(), StoreError> {
    for (name, fingerprint) in bundled {
        let known: Vec<&str> = (stored.iter())
            .filter(|(stored_name, _)| stored_name == name)
            .map(|(_, stored_fingerprint)| stored_fingerprint.as_str())
            .collect();
        if !known.is_empty() && !known.contains(&fingerprint) {
            return Err(StoreError::FingerprintConflict {
                what,
                name: name.to_string(),
                bundled: fingerprint.to_string(),
                stored: known.join(", "),
            });
        }
    }
    Ok(())
}

#[sql_backend]
impl<DB: Backend> SqlStore<DB> {
    /// Every row of run `run_id`, in bundle order; `RunNotFound` when there is no such run.
    pub(crate) async fn sql_export_run(&self, run_id: &RunId) -> Result<RunRows, StoreError> {
        let run: BundleRun = self
            .run_row(queries::BUNDLE_RUN, run_id, "read the run")
            .await?;
        let names = |rows: Vec<(String,)>| -> Vec<String> {
            rows.into_iter().map(|(name,)| name).collect()
        };
        let rows = RunRows {
            run,
            requirements: names(
                (self.run_rows(queries::BUNDLE_REQUIREMENTS, run_id, "read requirements")).await?,
            ),
            tags: names(
                self.run_rows(queries::READ_RUN_TAGS, run_id, "read tags")
                    .await?,
            ),
            excluded_workers: names(
                (self.run_rows(queries::READ_EXCLUDED_WORKERS, run_id, "read exclusions")).await?,
            ),
            datasets: (self.run_rows(queries::SELECT_RUN_DATASETS, run_id, "read datasets"))
                .await?,
            detectors: (self.run_rows(queries::SELECT_RUN_DETECTORS, run_id, "read detectors"))
                .await?,
            shards: self
                .run_rows(queries::BUNDLE_SHARDS, run_id, "read shards")
                .await?,
            samples: self
                .run_rows(queries::BUNDLE_SAMPLES, run_id, "read samples")
                .await?,
            shard_samples: (self.run_rows(queries::BUNDLE_SHARD_SAMPLES, run_id, "read members"))
                .await?,
            shard_clips: (self.run_rows(queries::BUNDLE_SHARD_CLIPS, run_id, "read clips")).await?,
            predictions: (self.run_rows(queries::BUNDLE_PREDICTIONS, run_id, "read predictions"))
                .await?,
            clip_predictions: (self.run_rows(
                queries::BUNDLE_CLIP_PREDICTIONS,
                run_id,
                "read clip predictions",
            ))
            .await?,
            metrics: self.sql_metrics(run_id).await?,
            workers: self
                .run_rows(queries::BUNDLE_WORKERS, run_id, "read workers")
                .await?,
        };
        crate::bundle_order::renumber(rows)
    }

    /// Stores `rows` as a new run in one transaction (see the module doc for what is refused).
    pub(crate) async fn sql_import_run(&self, rows: &RunRows) -> Result<ImportOutcome, StoreError> {
        let run_id = rows.run.record.id.clone();
        match self.sql_export_run(&run_id).await {
            Ok(stored) => {
                let differs = stored.differences(rows);
                if differs.is_empty() {
                    return Ok(ImportOutcome::AlreadyImported);
                }
                return Err(StoreError::RunConflict {
                    run_id,
                    differs: differs.join(", "),
                });
            }
            Err(StoreError::RunNotFound(_)) => {}
            Err(error) => return Err(error),
        }
        let known = |sql: &'static str, action: &'static str| async move {
            sqlx::query_as::<_, (String, String)>(sql)
                .fetch_all(&self.pool)
                .await
                .during(action)
        };
        let detectors = known(queries::BUNDLE_DETECTOR_FINGERPRINTS, "read detectors").await?;
        first_conflict(
            "detector",
            (rows.detectors.iter())
                .map(|d| (d.name.as_str(), d.fingerprint.as_deref().unwrap_or(""))),
            &detectors,
        )?;
        let datasets = known(queries::BUNDLE_DATASET_FINGERPRINTS, "read datasets").await?;
        first_conflict(
            "dataset",
            (rows.datasets.iter()).map(|d| (d.name.as_str(), d.fingerprint.as_str())),
            &datasets,
        )?;
        let mut tx = self.pool.begin().await.during("begin the import")?;
        Self::insert_run_rows(&mut *tx, rows).await?;
        tx.commit().await.during("commit the import")?;
        Ok(ImportOutcome::Imported)
    }
}
