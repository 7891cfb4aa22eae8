SELECT id, name, suite_name, suite_toml, suite_hash, data_root, dfbench_version, status,
  error, created_at_ms, finished_at_ms, partial, sampling, promoted_at_ms, requirement_count
  FROM runs WHERE id = $1
