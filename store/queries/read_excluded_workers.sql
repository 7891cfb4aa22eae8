SELECT worker_id FROM run_excluded_workers WHERE run_id = $1 ORDER BY worker_id
