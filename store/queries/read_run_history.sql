SELECT partial, sampling, promoted_at_ms FROM runs WHERE id = $1
