UPDATE runs SET status = 'cancelled', finished_at_ms = $2
  WHERE id = $1 AND status = 'running'
