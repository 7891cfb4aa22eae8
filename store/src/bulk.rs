//! Bulk inserts of a planned run's samples, shards and shard memberships: multi-row `VALUES`
//! in chunks instead of one statement per row. One statement per row costs a round trip to the database
//! (for SQLite, a hop to sqlx's worker thread) each, which dominated creating a run whose
//! predictions are all reused. The SQL is the same text for SQLite and PostgreSQL.

/// Rows per multi-row insert, well below SQLite's 32,766 and PostgreSQL's 65,535 bind
/// parameters.
pub(crate) const SAMPLE_ROWS_PER_INSERT: usize = 500;
pub(crate) const SHARD_SAMPLE_ROWS_PER_INSERT: usize = 2_000;
pub(crate) const SHARD_ROWS_PER_INSERT: usize = 1_000;
pub(crate) const LEASE_ROWS_PER_UPDATE: usize = 1_000;

/// `count` bind parameters for a statement whose parameters are bound in order of appearance
/// from `first` on: `$first, $first+1, …` on PostgreSQL, `?, ?, …` on SQLite. SQLite gets
/// anonymous parameters because a named one (`$N`) costs a scan of the statement's whole
/// parameter list each time sqlx binds it (`sqlite3_bind_parameter_name`), which made a
/// large multi-row insert quadratic in its row count. So on SQLite every parameter of
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
    placeholders_from(backend, 1, rows, columns)
}

/// [`placeholders`] numbered from `first` (after a statement's other parameters).
pub(crate) fn placeholders_from(
    backend: &str,
    first: usize,
    rows: usize,
    columns: usize,
) -> String {
    let groups: Vec<String> = (0..rows)
        .map(|row| format!("({})", parameters(backend, first + row * columns, columns)))
        .collect();
    groups.join(", ")
}

/// Inserts every sample of `$plan` and evaluates to their ids in plan order (`Vec<i64>`).
macro_rules! insert_samples {
    ($executor:expr, $backend:expr, $plan:expr) => {{
        use sqlx::Row;
        use $crate::error::QueryContext;
        let run_id = &$plan.run.id.0;
        let mut ids = std::collections::HashMap::with_capacity($plan.samples.len());
        let indexed: Vec<(usize, &dfbench_benchmarks::Sample)> =
            $plan.samples.iter().enumerate().collect();
        for chunk in indexed.chunks($crate::bulk::SAMPLE_ROWS_PER_INSERT) {
            let sql = $crate::queries::fill(
                $crate::queries::INSERT_SAMPLES_ROWS,
                &[&$crate::bulk::placeholders($backend, chunk.len(), 15)],
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (index, sample) in chunk {
                let content = $plan.contents.get(*index).and_then(Option::as_ref);
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
                    .bind(sample.frame_index.map(i64::from))
                    .bind(content.map_or("", |content| content.hash.as_str()))
                    .bind(content.map(|content| content.size))
                    .bind(content.map(|content| content.mtime_ns))
                    .bind(!sample.reads.image());
            }
            // The new ids come back keyed by (dataset, path): RETURNING's row order is
            // unspecified.
            for row in query
                .fetch_all(&mut *$executor)
                .await
                .during("insert samples")?
            {
                let dataset: String = row.try_get("dataset").during("read sample id")?;
                let path: String = row.try_get("rel_path").during("read sample id")?;
                let id: i64 = row.try_get("id").during("read sample id")?;
                ids.insert((dataset, path), id);
            }
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
        $crate::bulk::remember_contents!(&mut *$executor, $backend, $plan);
        sample_ids
    }};
}
pub(crate) use insert_samples;

/// Stores the last hash seen per file (`file_contents`), so the next planning re-reads only
/// files whose size or mtime changed.
macro_rules! remember_contents {
    ($executor:expr, $backend:expr, $plan:expr) => {{
        use $crate::error::QueryContext;
        let mut by_path = std::collections::BTreeMap::new();
        for content in $plan
            .contents
            .iter()
            .flatten()
            .filter(|content| !content.stored)
        {
            by_path.insert(content.path.as_str(), content);
        }
        let contents: Vec<&$crate::FileContent> = by_path.into_values().collect();
        for chunk in contents.chunks($crate::bulk::SAMPLE_ROWS_PER_INSERT) {
            let sql = $crate::queries::fill(
                $crate::queries::UPSERT_FILE_CONTENTS_ROWS,
                &[&$crate::bulk::placeholders($backend, chunk.len(), 4)],
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for content in chunk {
                query = query
                    .bind(&content.path)
                    .bind(content.size)
                    .bind(content.mtime_ns)
                    .bind(&content.hash);
            }
            query
                .execute(&mut *$executor)
                .await
                .during("remember file contents")?;
        }
    }};
}
pub(crate) use remember_contents;

/// Inserts every shard of `$plan` as `ready` and evaluates to their ids in plan order
/// (`Vec<i64>`). RETURNING's row order is unspecified, but ids grow in row order within one
/// statement (SQLite's rowid, PostgreSQL's sequence evaluated row by row), so the returned
/// rows are sorted by id and checked against the plan: shards that differ are told apart, and
/// two that do not are interchangeable (their samples are attached afterwards by id).
macro_rules! insert_shards {
    ($executor:expr, $backend:expr, $plan:expr) => {{
        use sqlx::Row;
        use $crate::error::QueryContext;
        let mut shard_ids = Vec::with_capacity($plan.shards.len());
        for chunk in $plan.shards.chunks($crate::bulk::SHARD_ROWS_PER_INSERT) {
            let sql = $crate::queries::fill(
                $crate::queries::INSERT_SHARDS_ROWS,
                &[&$crate::bulk::placeholders($backend, chunk.len(), 9)],
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for shard in chunk {
                query = query
                    .bind(&$plan.run.id.0)
                    .bind(&shard.dataset)
                    .bind(&shard.perturbation)
                    .bind("ready")
                    .bind($plan.max_attempts)
                    .bind($plan.max_losses)
                    .bind(shard.sample_indices.len() as i64)
                    .bind(shard.clips.len() as i64)
                    .bind(
                        shard
                            .sample_indices
                            .iter()
                            .filter(|&&index| {
                                $plan.samples.get(index).is_some_and(|s| !s.reads.image())
                            })
                            .count() as i64,
                    );
            }
            let mut rows = Vec::with_capacity(chunk.len());
            for row in query
                .fetch_all(&mut *$executor)
                .await
                .during("insert shards")?
            {
                let id: i64 = row.try_get("id").during("read shard id")?;
                let dataset: String = row.try_get("dataset").during("read shard id")?;
                let perturbation: String = row.try_get("perturbation").during("read shard id")?;
                let samples: i64 = row.try_get("n_samples").during("read shard id")?;
                rows.push((id, dataset, perturbation, samples));
            }
            rows.sort_by_key(|row| row.0);
            if rows.len() != chunk.len() {
                return Err($crate::StoreError::Corrupt {
                    what: format!("{} shards inserted, {} returned", chunk.len(), rows.len()),
                });
            }
            for ((id, dataset, perturbation, samples), shard) in rows.into_iter().zip(chunk) {
                if dataset != shard.dataset
                    || perturbation != shard.perturbation
                    || samples != shard.sample_indices.len() as i64
                {
                    return Err($crate::StoreError::Corrupt {
                        what: format!("shard {id} came back out of plan order"),
                    });
                }
                shard_ids.push(id);
            }
        }
        shard_ids
    }};
}
pub(crate) use insert_shards;

/// Inserts (shard id, sample id) pairs.
macro_rules! insert_shard_samples {
    ($executor:expr, $backend:expr, $pairs:expr) => {{
        use $crate::error::QueryContext;
        for chunk in $pairs.chunks($crate::bulk::SHARD_SAMPLE_ROWS_PER_INSERT) {
            let sql = $crate::queries::fill(
                $crate::queries::INSERT_SHARD_SAMPLES_ROWS,
                &[&$crate::bulk::placeholders($backend, chunk.len(), 2)],
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
        assert_eq!(
            super::placeholders_from("postgres", 4, 2, 2),
            "($4, $5), ($6, $7)"
        );
        assert_eq!(super::parameters("postgres", 2, 3), "$2, $3, $4");
        assert_eq!(super::parameters("sqlite", 1, 0), "");
    }
}
