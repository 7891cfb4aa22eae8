INSERT INTO worker_capabilities (worker_id, capability) VALUES ($1, $2)
  ON CONFLICT DO NOTHING
