INSERT INTO workers (id, incarnation, hostname, dfbench_version, devices, registered_at_ms,
  last_seen_ms, left_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
  ON CONFLICT (id) DO NOTHING
