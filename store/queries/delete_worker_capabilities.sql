DELETE FROM worker_capabilities WHERE worker_id = $1
