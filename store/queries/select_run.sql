SELECT id, name, suite_name, suite_toml, suite_hash, data_root,
  dfbench_version, status, error, created_at_ms, finished_at_ms,
  (SELECT string_agg(q.capability, ',' ORDER BY q.capability) FROM run_requirements q
   WHERE q.run_id = runs.id) AS requires FROM runs
