INSERT INTO run_detectors (run_id, name, kind, builtin, card, fingerprint,
  input) VALUES ($1, $2, $3, $4, $5, $6, $7)
