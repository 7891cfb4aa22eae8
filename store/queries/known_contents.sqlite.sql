-- The stored content of each path in `$1` (a JSON array of absolute paths) that has one, as
-- one JSON array of [position in `$1`, size, mtime_ns, content_hash]: one row for the whole
-- list, not one per file (a row costs more to hand over than its primary-key probe).
SELECT json_group_array(json_array(CAST(j.key AS INTEGER), fc.size, fc.mtime_ns, fc.content_hash))
  FROM json_each($1) AS j
  JOIN file_contents AS fc ON fc.path = j.value
