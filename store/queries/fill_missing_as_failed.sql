INSERT INTO predictions
  (run_id, detector, sample_id, perturbation, score, failure_kind, failure_message,
   detector_fingerprint, worker_id, shard_id, epoch, latency_us)
  SELECT sh.run_id, d.name, ss.sample_id, sh.perturbation, CAST(NULL AS DOUBLE PRECISION), $2, $3,
         COALESCE(d.fingerprint, ''), $4, sh.id, sh.lease_epoch, 0
  FROM shards sh
  JOIN shard_samples ss ON ss.shard_id = sh.id
  JOIN samples s ON s.id = ss.sample_id AND s.clip_only = FALSE
  JOIN run_detectors d ON d.run_id = sh.run_id AND d.input = 'image'
  WHERE sh.id = $1
  ON CONFLICT DO NOTHING
