-- Every quarantined row and value with its run's source (the start of its raw text, enough to date it). $1 source or NULL
SELECT j.id, j.run_id, r.source, j.file, j.line_no, left(j.raw, 2000) AS raw, j.reasons, j.field
  FROM import_rejects j JOIN import_runs r ON r.id = j.run_id
 WHERE ($1::text IS NULL OR r.source = $1)
 ORDER BY j.id
