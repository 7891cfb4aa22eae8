SELECT state, COUNT(*) AS n FROM shards GROUP BY state ORDER BY state
