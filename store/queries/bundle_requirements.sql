SELECT capability FROM run_requirements WHERE run_id = $1
