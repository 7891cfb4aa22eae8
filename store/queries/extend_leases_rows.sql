UPDATE shards SET lease_expires_at_ms = {} WHERE state = 'leased'
  AND lease_owner = {} AND lease_incarnation = {}
  AND (id, lease_epoch) IN (VALUES {}) RETURNING id, lease_epoch
