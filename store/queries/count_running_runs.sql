SELECT COUNT(*) FROM runs WHERE status = 'running'
