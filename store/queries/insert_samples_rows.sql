INSERT INTO samples (run_id, dataset, subset, rel_path, label, label_group,
  method, split, compression, video_key, frame_index, content_hash, file_size,
  file_mtime_ns, clip_only) VALUES {} RETURNING id, dataset, rel_path
