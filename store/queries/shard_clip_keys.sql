SELECT detector, video_key, clip_index FROM shard_clips WHERE shard_id = $1
