UPDATE shard_samples SET needed = FALSE
  WHERE shard_id IN (SELECT id FROM shards WHERE run_id = $1 AND state = 'ready')
    AND ((SELECT clip_only FROM samples WHERE id = shard_samples.sample_id) = TRUE
      OR NOT EXISTS (SELECT 1 FROM run_detectors d WHERE d.run_id = $1 AND d.input = 'image'
      AND NOT EXISTS (SELECT 1 FROM predictions p WHERE p.run_id = $1 AND p.detector = d.name
        AND p.sample_id = shard_samples.sample_id
        AND p.perturbation = (SELECT perturbation FROM shards WHERE id = shard_samples.shard_id))))
    AND NOT EXISTS (SELECT 1 FROM shard_clips c WHERE c.shard_id = shard_samples.shard_id
      AND (' ' || c.sample_ids || ' ') LIKE ('% ' || CAST(shard_samples.sample_id AS TEXT) || ' %')
      AND NOT EXISTS (SELECT 1 FROM clip_predictions p WHERE p.shard_id = c.shard_id
        AND p.detector = c.detector AND p.video_key = c.video_key AND p.clip_index = c.clip_index))
