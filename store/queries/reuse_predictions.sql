INSERT INTO predictions
  (run_id, detector, sample_id, perturbation, score, failure_kind, failure_message,
   detector_fingerprint, worker_id, shard_id, epoch, latency_us, reused_from)
  SELECT sh.run_id, d.name, s.id, sh.perturbation, r.score, r.failure_kind, r.failure_message,
         r.detector_fingerprint, r.worker_id, sh.id, 0, r.latency_us, r.source_run_id
  FROM shards sh
  JOIN run_detectors d ON d.run_id = sh.run_id
  JOIN shard_samples ss ON ss.shard_id = sh.id
  JOIN samples s ON s.id = ss.sample_id
  JOIN run_datasets nd ON nd.run_id = sh.run_id AND nd.name = s.dataset
  JOIN reuse_index r ON r.dataset_fingerprint = nd.fingerprint AND r.rel_path = s.rel_path
       AND r.content_hash = s.content_hash AND r.perturbation = sh.perturbation
       AND r.detector_fingerprint = d.fingerprint
  WHERE sh.run_id = $1 AND d.input = 'image' AND d.fingerprint IS NOT NULL
    AND d.fingerprint <> '' AND s.clip_only = FALSE
  ON CONFLICT DO NOTHING
