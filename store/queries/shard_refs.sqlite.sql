-- A shard's needed samples, for shard `$1`, as one JSON array of [id, rel_path, clip_only]
-- ordered by id: one value, not one row per sample (the driver hands each row to the caller
-- through a channel from its own thread, which costs several times reading the row).
SELECT json_group_array(json_array(s.id, s.rel_path, s.clip_only) ORDER BY s.id)
  FROM shard_samples ss JOIN samples s ON s.id = ss.sample_id
  WHERE ss.shard_id = $1 AND ss.needed = TRUE
