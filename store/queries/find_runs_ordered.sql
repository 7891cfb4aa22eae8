SELECT r.id, r.name, r.status, r.created_at_ms, r.promoted_at_ms FROM runs r
  WHERE ($1 IS NULL OR r.id LIKE $1 || '%') AND ($2 IS NULL OR r.name = $2)
  AND ($3 IS NULL OR EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = r.id AND t.tag = $3))
  AND (NOT $4 OR (r.status = 'done' AND r.partial = FALSE))
  AND (NOT $5 OR r.promoted_at_ms IS NOT NULL)
  ORDER BY {} LIMIT $6
