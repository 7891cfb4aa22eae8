SELECT name, format, root, fingerprint, samples FROM run_datasets
  WHERE run_id = $1 ORDER BY name
