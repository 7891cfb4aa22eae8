UPDATE run_detectors SET fingerprint = $3
  WHERE run_id = $1 AND name = $2 AND fingerprint IS NULL
