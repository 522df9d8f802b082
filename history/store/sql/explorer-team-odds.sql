-- 1x2/moneyline home/draw/away prices (opening, pre-closing, closing) of given games. $1 bigint[] game ids
SELECT o.game_id, b.code AS bookmaker, o.market, o.kind, o.selection, o.price
  FROM odds o JOIN bookmakers b ON b.id = o.bookmaker_id
 WHERE o.game_id = ANY($1::bigint[]) AND o.market IN ('1x2', 'moneyline') AND o.kind IN ('opening', 'preclosing', 'closing')
   AND o.selection IN ('home', 'draw', 'away') AND o.line = 0
