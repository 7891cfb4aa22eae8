SELECT p.detector, p.detector_fingerprint, s.dataset, s.subset, p.perturbation,
  s.rel_path, s.video_key, s.label, s.method, s.label_group, s.split,
  s.compression, p.score, p.failure_kind,
  p.failure_message, p.worker_id, p.reused_from
  FROM predictions p JOIN samples s ON s.id = p.sample_id WHERE p.run_id = $1
