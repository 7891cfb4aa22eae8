UPDATE shards SET state = 'leased', lease_owner = $2, lease_incarnation = $3,
  lease_epoch = lease_epoch + 1, lease_expires_at_ms = $4, attempt = attempt + 1
  WHERE id = (SELECT s.id FROM shards s
    WHERE s.state = 'ready' AND s.not_before_ms <= $1
    AND EXISTS (SELECT 1 FROM runs r WHERE r.id = s.run_id AND r.status = 'running'
      AND (r.requirement_count = 0
        OR NOT EXISTS (SELECT 1 FROM run_requirements q WHERE q.run_id = r.id
        AND NOT EXISTS (SELECT 1 FROM workers w JOIN worker_capabilities c
          ON c.worker_id = w.id WHERE w.id = $2 AND w.incarnation = $3
          AND c.capability = q.capability)))
      AND NOT EXISTS (SELECT 1 FROM run_excluded_workers x
        WHERE x.run_id = r.id AND x.worker_id = $2))
    ORDER BY s.id LIMIT 1 {})
  RETURNING id, lease_epoch, run_id, dataset, perturbation, detectors, n_clips
