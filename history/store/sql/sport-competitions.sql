-- The competition codes of one sport, for suggestions. $1 sport code
SELECT c.code
  FROM competitions c JOIN sports s ON s.id = c.sport_id
 WHERE s.code = $1
 ORDER BY c.code
