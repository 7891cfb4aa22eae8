UPDATE workers SET left_at_ms = $3, last_seen_ms = $3 WHERE id = $1 AND incarnation = $2
