SELECT DISTINCT name, COALESCE(fingerprint, '') AS fingerprint FROM run_detectors
