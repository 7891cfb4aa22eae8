SELECT sh.id AS shard_id, d.name AS detector
  FROM shards sh JOIN run_detectors d ON d.run_id = sh.run_id
  WHERE sh.run_id = $1 AND d.input = 'image'
    AND EXISTS (SELECT 1 FROM shard_samples ss JOIN samples s ON s.id = ss.sample_id
    WHERE ss.shard_id = sh.id AND s.clip_only = FALSE
    AND NOT EXISTS (SELECT 1 FROM predictions p WHERE p.run_id = sh.run_id
      AND p.detector = d.name AND p.sample_id = ss.sample_id AND p.perturbation = sh.perturbation))
  UNION
  SELECT c.shard_id AS shard_id, c.detector AS detector
  FROM shard_clips c JOIN shards sh ON sh.id = c.shard_id
  WHERE sh.run_id = $1 AND NOT EXISTS (SELECT 1 FROM clip_predictions p
    WHERE p.shard_id = c.shard_id AND p.detector = c.detector AND p.video_key = c.video_key
    AND p.clip_index = c.clip_index)
  ORDER BY shard_id, detector
