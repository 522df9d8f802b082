-- Published forecasts (FiveThirtyEight...) of some games. $1 bigint[] game ids.
SELECT game_id::float8 AS game_id, predictor, p_home, p_draw, p_away
  FROM reference_forecasts WHERE game_id = ANY($1::bigint[])
