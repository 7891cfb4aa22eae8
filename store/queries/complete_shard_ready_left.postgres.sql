, (SELECT o.id FROM shards o WHERE o.run_id = shards.run_id
    AND o.state = 'ready' ORDER BY o.id DESC LIMIT 1) AS open_left
