SELECT id FROM shards WHERE run_id = $1
