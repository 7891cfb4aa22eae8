//! Run history queries (issue 7): history columns and tags of a run, promotion, run lookups
//! for references (`latest`, `tag:X`, …), and shard provenance: `HistoryStore` for both
//! backends, generic over the [`Backend`].

use crate::backend::{Backend, SqlStore};
use dfbench_store_macros::sql_backend;

/// History on either backend; `#[sql_backend]` adds what it needs of the backend.
#[sql_backend]
#[async_trait::async_trait]
impl<DB: Backend> crate::HistoryStore for SqlStore<DB> {
    async fn run_history(
        &self,
        run_id: &crate::RunId,
    ) -> Result<crate::RunHistory, crate::StoreError> {
        let history: crate::RunHistory = self
            .run_row(crate::queries::READ_RUN_HISTORY, run_id, "read run history")
            .await?;
        let tags: Vec<(String,)> = self
            .run_rows(crate::queries::READ_RUN_TAGS, run_id, "read run tags")
            .await?;
        let excluded: Vec<(String,)> = self
            .run_rows(
                crate::queries::READ_EXCLUDED_WORKERS,
                run_id,
                "read excluded workers",
            )
            .await?;
        Ok(crate::RunHistory {
            tags: tags.into_iter().map(|(tag,)| tag).collect(),
            excluded_workers: excluded.into_iter().map(|(worker,)| worker).collect(),
            ..history
        })
    }

    async fn promote_run(
        &self,
        run_id: &crate::RunId,
        now_ms: i64,
    ) -> Result<(), crate::StoreError> {
        use crate::error::QueryContext;
        let (status, partial): (String, bool) = self
            .run_row(
                crate::queries::READ_RUN_TO_PROMOTE,
                run_id,
                "read the run to promote",
            )
            .await?;
        let refuse = |reason: String| crate::StoreError::NotPromotable {
            run_id: run_id.clone(),
            reason,
        };
        if status != "done" {
            return Err(refuse(format!(
                "it is {status}, only finished runs can be promoted"
            )));
        }
        if partial {
            return Err(refuse(
                "it is a partial run (--limit/--fraction); promote a full run".to_string(),
            ));
        }
        sqlx::query(crate::queries::PROMOTE_RUN)
            .bind(&run_id.0)
            .bind(now_ms)
            .execute(&self.pool)
            .await
            .during("promote run")?;
        Ok(())
    }

    async fn find_runs(
        &self,
        filter: &crate::RunFilter,
    ) -> Result<Vec<crate::FoundRun>, crate::StoreError> {
        use crate::error::QueryContext;
        // Unset filters bind NULL and match everything, so the SQL text is fixed.
        let order = if filter.promoted_only {
            "r.promoted_at_ms DESC, r.created_at_ms DESC, r.id DESC"
        } else {
            "r.created_at_ms DESC, r.id DESC"
        };
        let sql = crate::queries::fill(crate::queries::FIND_RUNS_ORDERED, &[order]);
        let runs: Vec<crate::FoundRun> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(&filter.id_prefix)
            .bind(&filter.name)
            .bind(&filter.tag)
            .bind(filter.complete_only)
            .bind(filter.promoted_only)
            .bind(filter.limit.max(1))
            .fetch_all(&self.pool)
            .await
            .during("find runs")?;
        Ok(runs)
    }

    async fn shard_provenance(
        &self,
        run_id: &crate::RunId,
    ) -> Result<Vec<crate::ProvenanceSummary>, crate::StoreError> {
        self.run_rows(
            crate::queries::READ_SHARD_PROVENANCE,
            run_id,
            "read shard provenance",
        )
        .await
    }
}
