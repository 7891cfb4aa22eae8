INSERT INTO run_datasets (run_id, name, format, root, fingerprint, samples)
  VALUES ($1, $2, $3, $4, $5, $6)
