-- The stored content of each path in `$1` (a JSON array of absolute paths) that has one, as
-- one JSON array of [position in `$1`, size, mtime_ns, content_hash] (see the SQLite twin).
SELECT COALESCE(json_agg(json_build_array(j.ord - 1, fc.size, fc.mtime_ns, fc.content_hash)), '[]')::text
  FROM json_array_elements_text(($1::text)::json) WITH ORDINALITY AS j(path, ord)
  JOIN file_contents AS fc ON fc.path = j.path
