INSERT INTO predictions
  (run_id, detector, sample_id, perturbation, score, failure_kind, failure_message,
   detector_fingerprint, worker_id, shard_id, epoch, latency_us, reused_from)
  SELECT sh.run_id, d.name, ss.sample_id, sh.perturbation, NULL, $3, $4,
         COALESCE(d.fingerprint, ''), '', sh.id, 0, 0, NULL
  FROM shards sh
  JOIN run_detectors d ON d.run_id = sh.run_id
  JOIN shard_samples ss ON ss.shard_id = sh.id
  JOIN samples s ON s.id = ss.sample_id
  WHERE sh.run_id = $1 AND ss.sample_id = $2 AND d.input = 'image' AND s.clip_only = FALSE
  ON CONFLICT DO NOTHING
