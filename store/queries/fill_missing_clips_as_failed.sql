INSERT INTO clip_predictions (run_id,
  shard_id, detector, video_key, clip_index, perturbation, first_frame, last_frame,
  failure_kind, failure_message, detector_fingerprint, content_key, worker_id, epoch, latency_us)
  SELECT sh.run_id, c.shard_id, c.detector, c.video_key, c.clip_index, sh.perturbation,
         c.first_frame, c.last_frame, $2, $3, COALESCE(d.fingerprint, ''), c.content_key, $4,
         sh.lease_epoch, 0
  FROM shard_clips c
  JOIN shards sh ON sh.id = c.shard_id
  JOIN run_detectors d ON d.run_id = sh.run_id AND d.name = c.detector
  WHERE c.shard_id = $1
  ON CONFLICT DO NOTHING
