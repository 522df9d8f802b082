-- Whether some final game of a sport (in the competitions, when given) has a quote of one market from one of the (bookmaker, kind) pairs; with $6 only quotes a row sees before kickoff (not closing, captured before kickoff). $1 sport code, $2 text[] competition codes or NULL, $3 market, $4 text[] bookmakers, $5 text[] kinds (pairwise with $4), $6 pre-kickoff only, $7 lead in ms or NULL (a known capture time at least that long before kickoff).
SELECT EXISTS (
  SELECT 1
    FROM games g
    JOIN competitions c ON c.id = g.competition_id
    JOIN odds o ON o.game_id = g.id AND o.kickoff = g.kickoff
    JOIN bookmakers b ON b.id = o.bookmaker_id
   WHERE g.sport_id = (SELECT id FROM sports WHERE code = $1) AND g.status = 'final'
     AND ($2::text[] IS NULL OR c.code = ANY($2::text[]))
     AND o.market = $3
     AND (b.code, o.kind) IN (SELECT * FROM unnest($4::text[], $5::text[]))
     AND (NOT $6::boolean OR (o.kind <> 'closing' AND o.captured_at < g.kickoff))
     AND ($7::float8 IS NULL OR (isfinite(o.captured_at) AND o.captured_at <= g.kickoff - make_interval(secs => $7::float8 / 1000)))
) AS found
