SELECT shard_id, detector, video_key, clip_index, perturbation, first_frame, last_frame, score,
  failure_kind, failure_message, detector_fingerprint, content_key, worker_id, epoch,
  latency_us, reused_from
  FROM clip_predictions WHERE run_id = $1
