INSERT INTO workers (id, incarnation, hostname, dfbench_version,
  devices, registered_at_ms, last_seen_ms) VALUES ($1, $2, $3, $4, $5, $6, $6)
  ON CONFLICT (id) DO UPDATE SET incarnation = excluded.incarnation,
  hostname = excluded.hostname, dfbench_version = excluded.dfbench_version,
  devices = excluded.devices,
  registered_at_ms = excluded.registered_at_ms, last_seen_ms = excluded.last_seen_ms,
  left_at_ms = NULL
