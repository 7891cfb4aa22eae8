UPDATE shards SET state = 'cancelled' WHERE run_id = $1
  AND state IN ('ready', 'leased')
