-- Materialised rows of final games with their outcome, kickoff order; values as text joined by ',' with NULL for missing (split client-side: node-pg's array parser was most of the read). $1 set hash, $2 from timestamptz (inclusive) or NULL, $3 to timestamptz (exclusive) or NULL, $4 text[] competition codes or NULL.
SELECT fr.game_id::float8 AS game_id,
       (extract(epoch FROM fr.kickoff) * 1000)::float8 AS kickoff,
       array_to_string(fr.feature_values, ',', 'NULL') AS feature_values,
       c.code AS competition,
       r.outcome
  FROM feature_rows fr
  JOIN games g ON g.id = fr.game_id
  JOIN competitions c ON c.id = g.competition_id
  JOIN results r ON r.game_id = g.id
 WHERE fr.set_hash = $1
   AND g.status = 'final'
   AND ($2::timestamptz IS NULL OR g.kickoff >= $2::timestamptz)
   AND ($3::timestamptz IS NULL OR g.kickoff < $3::timestamptz)
   AND ($4::text[] IS NULL OR c.code = ANY($4::text[]))
 ORDER BY fr.kickoff, fr.game_id
