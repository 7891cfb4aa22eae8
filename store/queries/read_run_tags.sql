SELECT tag FROM run_tags WHERE run_id = $1 ORDER BY tag
