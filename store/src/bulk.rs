//! Bulk inserts of a planned run's samples and shard memberships: multi-row `VALUES` in chunks
//! instead of one statement per row. One statement per row costs a round trip to the database
//! (for SQLite, a hop to sqlx's worker thread) each, which dominated creating a run whose
//! predictions are all reused. The SQL is the same text for SQLite and PostgreSQL.

/// Rows per multi-row insert, well below SQLite's 32,766 and PostgreSQL's 65,535 bind
/// parameters.
pub(crate) const SAMPLE_ROWS_PER_INSERT: usize = 500;
pub(crate) const SHARD_SAMPLE_ROWS_PER_INSERT: usize = 2_000;

/// `count` bind parameters for a statement whose parameters are bound in order of appearance
/// from `first` on: `$first, $first+1, …` on PostgreSQL, `?, ?, …` on SQLite. SQLite gets
/// anonymous parameters because a named one (`$N`) costs a scan of the statement's whole
/// parameter list each time sqlx binds it (`sqlite3_bind_parameter_name`), which made a
/// 2,000-row insert quadratic (16 ms instead of under 1 ms). So on SQLite every parameter of
/// such a statement must come from here, in bind order.
pub(crate) fn parameters(backend: &str, first: usize, count: usize) -> String {
    let parameters: Vec<String> = (first..first + count)
        .map(|n| {
            if backend == "sqlite" {
                "?".to_string()
            } else {
                format!("${n}")
            }
        })
        .collect();
    parameters.join(", ")
}

/// `(…), (…)`: `rows` groups of `columns` [`parameters`] numbered from 1.
pub(crate) fn placeholders(backend: &str, rows: usize, columns: usize) -> String {
    let groups: Vec<String> = (0..rows)
        .map(|row| format!("({})", parameters(backend, row * columns + 1, columns)))
        .collect();
    groups.join(", ")
}

/// Inserts every sample of `$plan` and evaluates to their ids in plan order (`Vec<i64>`).
macro_rules! insert_samples {
    ($executor:expr, $backend:expr, $plan:expr) => {{
        use sqlx::Row;
        use $crate::error::QueryContext;
        let run_id = &$plan.run.id.0;
        for chunk in $plan.samples.chunks($crate::bulk::SAMPLE_ROWS_PER_INSERT) {
            let sql = format!(
                "INSERT INTO samples (run_id, dataset, subset, rel_path, label, label_group, \
                 method, split, compression, video_key, frame_index) VALUES {}",
                $crate::bulk::placeholders($backend, chunk.len(), 11)
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for sample in chunk {
                query = query
                    .bind(run_id)
                    .bind(&sample.dataset)
                    .bind(&sample.subset)
                    .bind(&sample.rel_path)
                    .bind(sample.label.as_i64())
                    .bind(&sample.label_group)
                    .bind(&sample.method)
                    .bind(&sample.split)
                    .bind(&sample.compression)
                    .bind(&sample.video_key)
                    .bind(sample.frame_index.map(i64::from));
            }
            query
                .execute(&mut *$executor)
                .await
                .during("insert samples")?;
        }
        let rows = sqlx::query("SELECT id, dataset, rel_path FROM samples WHERE run_id = $1")
            .bind(run_id)
            .fetch_all(&mut *$executor)
            .await
            .during("read the new samples' ids")?;
        let mut ids = std::collections::HashMap::with_capacity(rows.len());
        for row in &rows {
            let dataset: String = row.try_get("dataset").during("read sample id")?;
            let path: String = row.try_get("rel_path").during("read sample id")?;
            let id: i64 = row.try_get("id").during("read sample id")?;
            ids.insert((dataset, path), id);
        }
        let mut sample_ids = Vec::with_capacity($plan.samples.len());
        for sample in &$plan.samples {
            let key = (sample.dataset.clone(), sample.rel_path.clone());
            let id = ids
                .get(&key)
                .copied()
                .ok_or_else(|| $crate::StoreError::Corrupt {
                    what: format!("sample {} of dataset {} was not stored", key.1, key.0),
                })?;
            sample_ids.push(id);
        }
        sample_ids
    }};
}
pub(crate) use insert_samples;

/// Inserts (shard id, sample id) pairs.
macro_rules! insert_shard_samples {
    ($executor:expr, $backend:expr, $pairs:expr) => {{
        use $crate::error::QueryContext;
        for chunk in $pairs.chunks($crate::bulk::SHARD_SAMPLE_ROWS_PER_INSERT) {
            let sql = format!(
                "INSERT INTO shard_samples (shard_id, sample_id) VALUES {}",
                $crate::bulk::placeholders($backend, chunk.len(), 2)
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (shard_id, sample_id) in chunk {
                query = query.bind(*shard_id).bind(*sample_id);
            }
            query
                .execute(&mut *$executor)
                .await
                .during("insert shard samples")?;
        }
    }};
}
pub(crate) use insert_shard_samples;

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_on_postgres_and_anonymous_on_sqlite() {
        assert_eq!(
            super::placeholders("postgres", 2, 3),
            "($1, $2, $3), ($4, $5, $6)"
        );
        assert_eq!(super::placeholders("sqlite", 2, 2), "(?, ?), (?, ?)");
        assert_eq!(super::parameters("postgres", 2, 3), "$2, $3, $4");
        assert_eq!(super::parameters("sqlite", 1, 0), "");
    }
}
