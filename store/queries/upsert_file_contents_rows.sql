INSERT INTO file_contents (path, size, mtime_ns, content_hash) VALUES {}
  ON CONFLICT (path) DO UPDATE SET size = excluded.size,
  mtime_ns = excluded.mtime_ns, content_hash = excluded.content_hash
