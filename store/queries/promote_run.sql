UPDATE runs SET promoted_at_ms = $2 WHERE id = $1
