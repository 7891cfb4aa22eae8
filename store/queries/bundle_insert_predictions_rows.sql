INSERT INTO predictions (run_id, detector, sample_id, perturbation, score, failure_kind,
  failure_message, detector_fingerprint, worker_id, shard_id, epoch, latency_us, reused_from)
  VALUES {}
