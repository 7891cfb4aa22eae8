SELECT id, rel_path, clip_only FROM samples
  WHERE id = ANY(ARRAY(SELECT sample_id FROM shard_samples
    WHERE shard_id = $1 AND needed))
  ORDER BY id
