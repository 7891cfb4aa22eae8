SELECT c.shard_id, c.detector, c.video_key, c.clip_index, c.sample_ids, c.first_frame,
  c.last_frame, c.content_key, c.video_sample
  FROM shard_clips c JOIN shards s ON s.id = c.shard_id WHERE s.run_id = $1
