SELECT COUNT(*) FROM workers WHERE last_seen_ms >= $1
