INSERT INTO clip_predictions (run_id, shard_id, detector, video_key, clip_index,
      perturbation, first_frame, last_frame, score, failure_kind, failure_message,
      detector_fingerprint, content_key, worker_id, epoch, latency_us, reused_from)
  SELECT run_id, shard_id, detector, video_key, clip_index, perturbation, first_frame,
         last_frame, score, failure_kind, failure_message, detector_fingerprint, content_key,
         worker_id, 0, latency_us, origin
  FROM (SELECT sh.run_id, c.shard_id, c.detector, c.video_key, c.clip_index, sh.perturbation,
          c.first_frame, c.last_frame, p.score, p.failure_kind, p.failure_message,
          p.detector_fingerprint, c.content_key, p.worker_id, p.latency_us,
          COALESCE(p.reused_from, p.run_id) AS origin,
          ROW_NUMBER() OVER (PARTITION BY c.shard_id, c.detector, c.video_key, c.clip_index
            ORDER BY r.created_at_ms DESC, r.id DESC, p.shard_id DESC, p.video_key,
            p.clip_index) AS newest
        FROM shards sh
        JOIN shard_clips c ON c.shard_id = sh.id
        JOIN run_detectors d ON d.run_id = sh.run_id AND d.name = c.detector
        JOIN clip_predictions p ON p.detector_fingerprint = d.fingerprint
             AND p.perturbation = sh.perturbation AND p.content_key = c.content_key
        JOIN runs r ON r.id = p.run_id
        WHERE sh.run_id = $1 AND c.content_key <> '' AND d.fingerprint IS NOT NULL
          AND d.fingerprint <> '' AND r.status <> 'running' AND p.run_id <> $1
          AND (p.failure_kind IS NULL OR p.failure_kind IN ({}))) candidates
  WHERE newest = 1
  ON CONFLICT DO NOTHING
