INSERT INTO shard_clips (shard_id, detector, video_key, clip_index, sample_ids,
  first_frame, last_frame, content_key, video_sample) VALUES {}
