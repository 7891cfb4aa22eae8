SELECT COALESCE(done_by, '') AS worker_id, COALESCE(device, '') AS device,
  COALESCE(libtorch, '') AS libtorch, COALESCE(cuda, '') AS cuda,
  COALESCE(batch_size, 0) AS batch_size, COUNT(*) AS shards,
  CAST(SUM(attempt) AS BIGINT) AS leases
  FROM shards WHERE run_id = $1 AND state = 'done'
  GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
