SELECT c.detector, c.video_key, c.clip_index, c.sample_ids
  FROM shard_clips c WHERE c.shard_id = $1 AND NOT EXISTS (SELECT 1 FROM clip_predictions p
    WHERE p.shard_id = c.shard_id AND p.detector = c.detector AND p.video_key = c.video_key
    AND p.clip_index = c.clip_index)
