SELECT run_id, perturbation, failures, max_attempts FROM shards
  WHERE id = $1 AND lease_epoch = $2 AND state = 'leased' AND lease_owner = $3 AND lease_incarnation = $4
