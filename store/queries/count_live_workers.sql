SELECT COUNT(*) FROM workers WHERE last_seen_ms >= $1 AND left_at_ms IS NULL
