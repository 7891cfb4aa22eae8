SELECT id FROM runs
  WHERE reuse_indexed = FALSE AND status <> 'running' ORDER BY created_at_ms, id
