SELECT id, run_id, losses, max_losses, lease_owner FROM shards
  WHERE state = 'leased' AND lease_expires_at_ms < $1
