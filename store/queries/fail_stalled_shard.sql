UPDATE shards SET state = 'failed', lease_expires_at_ms = NULL,
  last_error = $2 WHERE id = $1
