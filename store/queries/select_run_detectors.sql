SELECT name, kind, builtin, card, fingerprint, input FROM run_detectors
  WHERE run_id = $1 ORDER BY name
