INSERT INTO clip_predictions (run_id, shard_id, detector,
  video_key, clip_index, perturbation, first_frame, last_frame, score, failure_kind,
  failure_message, detector_fingerprint, content_key, worker_id, epoch, latency_us)
  SELECT $5, c.shard_id, c.detector, c.video_key, c.clip_index, $6, c.first_frame,
         c.last_frame, $7, $8, $9, $10, c.content_key, $11, $12, $13
  FROM shard_clips c WHERE c.shard_id = $1 AND c.detector = $2 AND c.video_key = $3
    AND c.clip_index = $4
  ON CONFLICT DO NOTHING
