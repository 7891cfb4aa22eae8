INSERT INTO runs (id, name, suite_name, suite_toml, suite_hash, data_root, dfbench_version,
  status, error, created_at_ms, finished_at_ms, partial, sampling, promoted_at_ms,
  requirement_count)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
