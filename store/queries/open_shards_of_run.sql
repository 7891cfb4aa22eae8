SELECT id FROM shards WHERE run_id = $1 AND state IN ('ready', 'leased')
