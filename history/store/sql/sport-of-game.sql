-- The sport code of one game (no row when there is no such game). $1 game id.
SELECT sp.code FROM games g JOIN sports sp ON sp.id = g.sport_id WHERE g.id = $1
