SELECT id FROM runs WHERE status = 'running' AND created_at_ms < $1
  AND NOT EXISTS (SELECT 1 FROM workers WHERE last_seen_ms >= $1) ORDER BY id
