INSERT INTO reuse_index
  (detector_fingerprint, dataset_fingerprint, rel_path, content_hash, perturbation, score,
   failure_kind, failure_message, worker_id, latency_us, source_run_id)
  SELECT p.detector_fingerprint, rd.fingerprint, s.rel_path, s.content_hash, p.perturbation, p.score,
         p.failure_kind, p.failure_message, p.worker_id, p.latency_us, p.run_id
  FROM predictions p
  JOIN samples s ON s.id = p.sample_id
  JOIN run_datasets rd ON rd.run_id = s.run_id AND rd.name = s.dataset
  WHERE p.run_id = $1 AND p.reused_from IS NULL AND p.detector_fingerprint <> ''
    AND (p.failure_kind IS NULL OR p.failure_kind IN ({}))
  ON CONFLICT DO NOTHING
