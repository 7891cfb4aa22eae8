SELECT path, size, mtime_ns, content_hash FROM file_contents
  WHERE path IN ({})
