SELECT run_id, perturbation FROM shards WHERE id = $1
