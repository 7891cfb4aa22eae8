SELECT s.id, s.rel_path, s.clip_only FROM shard_samples ss
  JOIN samples s ON s.id = ss.sample_id WHERE ss.shard_id = $1 AND ss.needed = TRUE
  ORDER BY s.id
