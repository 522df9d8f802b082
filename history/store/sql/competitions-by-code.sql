-- Competitions with any of these codes, in every sport, with that sport's code. $1 text[] competition codes
SELECT c.code, s.code AS sport
  FROM competitions c JOIN sports s ON s.id = c.sport_id
 WHERE c.code = ANY($1::text[])
 ORDER BY c.code, s.code
