SELECT p.detector, p.detector_fingerprint,
  s.dataset, s.subset, p.perturbation, p.video_key, p.clip_index, p.first_frame, p.last_frame,
  s.label, s.method, s.label_group, s.split, s.compression, p.score, p.failure_kind,
  p.failure_message, p.worker_id, p.reused_from
  FROM clip_predictions p
  JOIN shard_clips c ON c.shard_id = p.shard_id AND c.detector = p.detector
       AND c.video_key = p.video_key AND c.clip_index = p.clip_index
  JOIN samples s ON s.id = c.video_sample
  WHERE p.run_id = $1
