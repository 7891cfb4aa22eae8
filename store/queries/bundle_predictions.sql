SELECT detector, sample_id, perturbation, score, failure_kind, failure_message,
  detector_fingerprint, worker_id, shard_id, epoch, latency_us, reused_from
  FROM predictions WHERE run_id = $1
