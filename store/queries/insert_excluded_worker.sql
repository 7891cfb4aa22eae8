INSERT INTO run_excluded_workers (run_id, worker_id) VALUES ($1, $2)
  ON CONFLICT DO NOTHING
