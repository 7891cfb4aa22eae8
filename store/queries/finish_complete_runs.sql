UPDATE runs SET status = 'done', finished_at_ms = $1
  WHERE status = 'running'
  AND NOT EXISTS (SELECT 1 FROM shards WHERE run_id = runs.id AND state IN ('ready', 'leased'))
  RETURNING id
