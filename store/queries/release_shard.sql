UPDATE shards SET state = 'ready', lease_expires_at_ms = NULL, not_before_ms = $5
  WHERE id = $1 AND lease_epoch = $2 AND state = 'leased' AND lease_owner = $3 AND lease_incarnation = $4
