DELETE FROM metrics WHERE run_id = $1
