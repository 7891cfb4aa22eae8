SELECT id, dataset, subset, rel_path, label, label_group, method, split, compression,
  video_key, frame_index, content_hash, file_size, file_mtime_ns, clip_only
  FROM samples WHERE run_id = $1
