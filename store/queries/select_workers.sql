SELECT id, incarnation, hostname, dfbench_version, devices, last_seen_ms, left_at_ms,
  (SELECT string_agg(c.capability, ',' ORDER BY c.capability)
   FROM worker_capabilities c WHERE c.worker_id = workers.id) AS capabilities
  FROM workers ORDER BY last_seen_ms DESC, id
