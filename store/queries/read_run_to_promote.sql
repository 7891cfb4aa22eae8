SELECT status, partial FROM runs WHERE id = $1
