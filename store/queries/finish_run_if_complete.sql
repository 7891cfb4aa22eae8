UPDATE runs SET status = 'done', finished_at_ms = $2
  WHERE id = $1 AND status = 'running'
  AND (SELECT id FROM shards WHERE run_id = $1 AND state IN ('ready', 'leased')
       ORDER BY id DESC LIMIT 1) IS NULL
