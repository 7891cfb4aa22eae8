UPDATE workers SET last_seen_ms = $3 WHERE id = $1 AND incarnation = $2
