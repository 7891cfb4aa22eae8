SELECT status, error FROM runs WHERE id = $1
