-- The SQLite twin's JSON array ([id, rel_path, clip_only as 0/1], by id). By id list: costed
-- as a join, Postgres hashes the whole samples table to read one shard's samples; by id list
-- it probes the primary key.
SELECT COALESCE(json_agg(json_build_array(id, rel_path, clip_only::int) ORDER BY id), '[]')::text
  FROM samples
  WHERE id = ANY(ARRAY(SELECT sample_id FROM shard_samples
    WHERE shard_id = $1 AND needed))
