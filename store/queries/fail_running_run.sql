UPDATE runs SET status = 'failed', error = $2, finished_at_ms = $3
  WHERE id = $1 AND status = 'running'
