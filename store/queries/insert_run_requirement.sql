INSERT INTO run_requirements (run_id, capability) VALUES ($1, $2)
  ON CONFLICT DO NOTHING
