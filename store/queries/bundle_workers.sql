SELECT id, incarnation, hostname, dfbench_version, devices, registered_at_ms, last_seen_ms,
  left_at_ms,
  (SELECT string_agg(c.capability, ',' ORDER BY c.capability)
   FROM worker_capabilities c WHERE c.worker_id = workers.id) AS capabilities
  FROM workers
  WHERE id IN (SELECT worker_id FROM predictions WHERE run_id = $1)
     OR id IN (SELECT worker_id FROM clip_predictions WHERE run_id = $1)
