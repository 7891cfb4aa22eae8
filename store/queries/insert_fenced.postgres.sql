WITH lease AS (SELECT id FROM shards WHERE id = $4 AND lease_epoch = $5
    AND state = 'leased' AND lease_owner = $3 AND lease_incarnation = $13 FOR SHARE),
  inserted AS (INSERT INTO predictions (run_id, detector, sample_id, perturbation, score,
    failure_kind, failure_message, detector_fingerprint, worker_id, shard_id, epoch, latency_us)
    SELECT $1, t.detector, t.sample_id, $2, t.score, t.kind, t.message, t.fingerprint, $3, $4, $5, t.latency
    FROM lease, UNNEST($6::bigint[], $7::text[], $8::float8[], $9::text[], $10::text[], $11::text[], $12::bigint[])
      AS t(sample_id, detector, score, kind, message, fingerprint, latency)
    ON CONFLICT DO NOTHING RETURNING 1)
  SELECT (SELECT COUNT(*) FROM lease) AS leased, (SELECT COUNT(*) FROM inserted) AS inserted
