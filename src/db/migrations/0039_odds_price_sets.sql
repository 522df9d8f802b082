-- 0039: odds stored one row per price set instead of one row per price. A set is a game's quotes
-- from one bookmaker for one market, line, kind and capture time; its outcome prices sit in
-- columns (price_home ... price_under, NULL where the set has no such selection). The big-5
-- folder's 1.85 M prices are ~0.70 M sets, and each row carried a 44-byte key for one 8-byte
-- price: the import's odds insert was most of its time, and a plain COPY of the per-price rows
-- alone was ~12x a COPY of the raw CSV rows.
--  - Key (game_id, kickoff, bookmaker_id, market, kind, line, captured_at): one index instead of
--    the per-price key plus odds_game_idx. game_id leads, so an import's new games (ascending
--    ids) append at the index's right edge, and a game's or a window's odds (its games' ids) are
--    index probes; kickoff stays the partition key (the same ranges as before).
--  - `odds` becomes a view with the old name, columns and order, one row per non-NULL price, so
--    every reader is unchanged; INSTEAD OF triggers keep INSERT, UPDATE and DELETE on it working
--    per price with the old key's rules (a second price for the same key is refused as a
--    unique_violation on "odds_pkey"). Bulk writers (the import, provider snapshots) write
--    odds_sets directly.
--  - The change-log and bookmaker triggers of 0037/0038 move to odds_sets (same functions: both
--    read only kickoff, market and bookmaker_id of the changed rows).

CREATE TABLE odds_sets (
  game_id       bigint NOT NULL,
  kickoff       timestamptz NOT NULL,          -- copied from games for partition pruning
  bookmaker_id  smallint NOT NULL,             -- checked by statement triggers (0038)
  market        text COLLATE "C" NOT NULL CHECK (market IN ('1x2', 'moneyline', 'spread', 'total')),
  kind          text COLLATE "C" NOT NULL CHECK (kind IN ('opening', 'preclosing', 'closing', 'snapshot')),
  line          double precision NOT NULL DEFAULT 0,  -- spread: home handicap; total: points; else 0
  captured_at   timestamptz NOT NULL DEFAULT '-infinity',
  price_home    double precision CHECK (price_home > 1.0),   -- decimal odds
  price_draw    double precision CHECK (price_draw > 1.0),
  price_away    double precision CHECK (price_away > 1.0),
  price_over    double precision CHECK (price_over > 1.0),
  price_under   double precision CHECK (price_under > 1.0),
  CONSTRAINT odds_sets_has_price CHECK (num_nonnulls(price_home, price_draw, price_away, price_over, price_under) > 0),
  PRIMARY KEY (game_id, kickoff, bookmaker_id, market, kind, line, captured_at)
) PARTITION BY RANGE (kickoff);

CREATE TABLE odds_sets_before_1990 PARTITION OF odds_sets FOR VALUES FROM (MINVALUE) TO ('1990-01-01');
CREATE TABLE odds_sets_1990_1999 PARTITION OF odds_sets FOR VALUES FROM ('1990-01-01') TO ('2000-01-01');
CREATE TABLE odds_sets_2000_2004 PARTITION OF odds_sets FOR VALUES FROM ('2000-01-01') TO ('2005-01-01');
CREATE TABLE odds_sets_2005_2009 PARTITION OF odds_sets FOR VALUES FROM ('2005-01-01') TO ('2010-01-01');
CREATE TABLE odds_sets_2010_2014 PARTITION OF odds_sets FOR VALUES FROM ('2010-01-01') TO ('2015-01-01');
CREATE TABLE odds_sets_2015_2019 PARTITION OF odds_sets FOR VALUES FROM ('2015-01-01') TO ('2020-01-01');
CREATE TABLE odds_sets_2020_2024 PARTITION OF odds_sets FOR VALUES FROM ('2020-01-01') TO ('2025-01-01');
CREATE TABLE odds_sets_2025_2029 PARTITION OF odds_sets FOR VALUES FROM ('2025-01-01') TO ('2030-01-01');
CREATE TABLE odds_sets_2030_2034 PARTITION OF odds_sets FOR VALUES FROM ('2030-01-01') TO ('2035-01-01');
CREATE TABLE odds_sets_future PARTITION OF odds_sets DEFAULT;

-- The stored prices move over: the old key makes each (set, selection) unique, so max() is the price.
INSERT INTO odds_sets (game_id, kickoff, bookmaker_id, market, kind, line, captured_at, price_home, price_draw, price_away, price_over, price_under)
SELECT game_id, kickoff, bookmaker_id, market, kind, line, captured_at,
       max(price) FILTER (WHERE selection = 'home'), max(price) FILTER (WHERE selection = 'draw'), max(price) FILTER (WHERE selection = 'away'),
       max(price) FILTER (WHERE selection = 'over'), max(price) FILTER (WHERE selection = 'under')
  FROM odds GROUP BY game_id, kickoff, bookmaker_id, market, kind, line, captured_at;

DROP TABLE odds;

CREATE VIEW odds AS
SELECT s.game_id, s.kickoff, s.bookmaker_id, s.market, p.selection, s.line, s.kind, s.captured_at, p.price
  FROM odds_sets s
 CROSS JOIN LATERAL (VALUES ('home' COLLATE "C", s.price_home), ('draw', s.price_draw), ('away', s.price_away),
                            ('over', s.price_over), ('under', s.price_under)) AS p(selection, price)
 WHERE p.price IS NOT NULL;
ALTER VIEW odds ALTER COLUMN line SET DEFAULT 0;
ALTER VIEW odds ALTER COLUMN captured_at SET DEFAULT '-infinity';

-- Per-price writes through the view. Each call touches one set row; the selection picks its column.
CREATE FUNCTION odds_view_check(r odds) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF r.selection IS NULL OR r.selection NOT IN ('home', 'draw', 'away', 'over', 'under') THEN
    RAISE EXCEPTION 'new row for relation "odds" violates check constraint "odds_selection_check"'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'odds_selection_check', TABLE = 'odds';
  END IF;
  IF r.price IS NULL THEN
    RAISE EXCEPTION 'null value in column "price" of relation "odds" violates not-null constraint'
      USING ERRCODE = 'not_null_violation', COLUMN = 'price', TABLE = 'odds';
  END IF;
  IF NOT r.price > 1.0 THEN
    RAISE EXCEPTION 'new row for relation "odds" violates check constraint "odds_price_check"'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'odds_price_check', TABLE = 'odds';
  END IF;
END $$;

-- Adds one price to its set (creating the set); refused when the set already has that selection.
CREATE FUNCTION odds_view_add(r odds) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  n integer;
BEGIN
  PERFORM odds_view_check(r);
  INSERT INTO odds_sets AS s (game_id, kickoff, bookmaker_id, market, kind, line, captured_at, price_home, price_draw, price_away, price_over, price_under)
  VALUES (r.game_id, r.kickoff, r.bookmaker_id, r.market, r.kind, r.line, r.captured_at,
          CASE WHEN r.selection = 'home' THEN r.price END, CASE WHEN r.selection = 'draw' THEN r.price END, CASE WHEN r.selection = 'away' THEN r.price END,
          CASE WHEN r.selection = 'over' THEN r.price END, CASE WHEN r.selection = 'under' THEN r.price END)
  ON CONFLICT (game_id, kickoff, bookmaker_id, market, kind, line, captured_at) DO UPDATE SET
    price_home = coalesce(s.price_home, excluded.price_home), price_draw = coalesce(s.price_draw, excluded.price_draw),
    price_away = coalesce(s.price_away, excluded.price_away), price_over = coalesce(s.price_over, excluded.price_over),
    price_under = coalesce(s.price_under, excluded.price_under)
  WHERE CASE r.selection WHEN 'home' THEN s.price_home WHEN 'draw' THEN s.price_draw WHEN 'away' THEN s.price_away
                         WHEN 'over' THEN s.price_over ELSE s.price_under END IS NULL;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n = 0 THEN
    RAISE EXCEPTION 'duplicate key value violates unique constraint "odds_pkey"'
      USING ERRCODE = 'unique_violation', CONSTRAINT = 'odds_pkey', TABLE = 'odds',
            DETAIL = format('Key (kickoff, game_id, bookmaker_id, market, selection, line, kind, captured_at)=(%s, %s, %s, %s, %s, %s, %s, %s) already exists.',
                            r.kickoff, r.game_id, r.bookmaker_id, r.market, r.selection, r.line, r.kind, r.captured_at);
  END IF;
END $$;

-- Removes one price from its set (the set goes with its last price). False when it was not there.
CREATE FUNCTION odds_view_remove(r odds) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM odds_sets s
   WHERE s.game_id = r.game_id AND s.kickoff = r.kickoff AND s.bookmaker_id = r.bookmaker_id AND s.market = r.market
     AND s.kind = r.kind AND s.line = r.line AND s.captured_at = r.captured_at
     AND num_nonnulls(s.price_home, s.price_draw, s.price_away, s.price_over, s.price_under) = 1
     AND CASE r.selection WHEN 'home' THEN s.price_home WHEN 'draw' THEN s.price_draw WHEN 'away' THEN s.price_away
                          WHEN 'over' THEN s.price_over ELSE s.price_under END IS NOT NULL;
  IF FOUND THEN RETURN true; END IF;
  UPDATE odds_sets s SET
    price_home = CASE WHEN r.selection = 'home' THEN NULL ELSE s.price_home END, price_draw = CASE WHEN r.selection = 'draw' THEN NULL ELSE s.price_draw END,
    price_away = CASE WHEN r.selection = 'away' THEN NULL ELSE s.price_away END, price_over = CASE WHEN r.selection = 'over' THEN NULL ELSE s.price_over END,
    price_under = CASE WHEN r.selection = 'under' THEN NULL ELSE s.price_under END
   WHERE s.game_id = r.game_id AND s.kickoff = r.kickoff AND s.bookmaker_id = r.bookmaker_id AND s.market = r.market
     AND s.kind = r.kind AND s.line = r.line AND s.captured_at = r.captured_at
     AND CASE r.selection WHEN 'home' THEN s.price_home WHEN 'draw' THEN s.price_draw WHEN 'away' THEN s.price_away
                          WHEN 'over' THEN s.price_over ELSE s.price_under END IS NOT NULL;
  RETURN FOUND;
END $$;

CREATE FUNCTION odds_view_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM odds_view_add(NEW);
    RETURN NEW;
  ELSIF TG_OP = 'DELETE' THEN
    IF odds_view_remove(OLD) THEN RETURN OLD; END IF;
    RETURN NULL;
  END IF;
  -- UPDATE: a new price in place, or the price moves to another key (possibly another set).
  IF (NEW.game_id, NEW.kickoff, NEW.bookmaker_id, NEW.market, NEW.selection, NEW.line, NEW.kind, NEW.captured_at)
     IS NOT DISTINCT FROM (OLD.game_id, OLD.kickoff, OLD.bookmaker_id, OLD.market, OLD.selection, OLD.line, OLD.kind, OLD.captured_at) THEN
    PERFORM odds_view_check(NEW);
    UPDATE odds_sets s SET
      price_home = CASE WHEN NEW.selection = 'home' THEN NEW.price ELSE s.price_home END, price_draw = CASE WHEN NEW.selection = 'draw' THEN NEW.price ELSE s.price_draw END,
      price_away = CASE WHEN NEW.selection = 'away' THEN NEW.price ELSE s.price_away END, price_over = CASE WHEN NEW.selection = 'over' THEN NEW.price ELSE s.price_over END,
      price_under = CASE WHEN NEW.selection = 'under' THEN NEW.price ELSE s.price_under END
     WHERE s.game_id = OLD.game_id AND s.kickoff = OLD.kickoff AND s.bookmaker_id = OLD.bookmaker_id AND s.market = OLD.market
       AND s.kind = OLD.kind AND s.line = OLD.line AND s.captured_at = OLD.captured_at;
    IF NOT FOUND THEN RETURN NULL; END IF;
    RETURN NEW;
  END IF;
  IF NOT odds_view_remove(OLD) THEN RETURN NULL; END IF;
  PERFORM odds_view_add(NEW);
  RETURN NEW;
END $$;

CREATE TRIGGER odds_view_write INSTEAD OF INSERT OR UPDATE OR DELETE ON odds FOR EACH ROW EXECUTE FUNCTION odds_view_write();

-- The bookmaker check of 0038 now looks at the sets.
CREATE OR REPLACE FUNCTION bookmakers_still_referenced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  gone smallint;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    SELECT o.bookmaker_id INTO gone FROM odds_sets o LIMIT 1;
  ELSIF TG_OP = 'DELETE' THEN
    EXECUTE 'SELECT o.bookmaker_id FROM odds_sets o WHERE o.bookmaker_id IN (SELECT id FROM old_rows) LIMIT 1' INTO gone;
  ELSE
    EXECUTE 'SELECT o.bookmaker_id FROM odds_sets o WHERE o.bookmaker_id IN (SELECT id FROM old_rows EXCEPT SELECT id FROM new_rows) LIMIT 1' INTO gone;
  END IF;
  IF gone IS NOT NULL THEN
    RAISE EXCEPTION 'update or delete on table "bookmakers" violates foreign key constraint "odds_bookmaker_id_fkey" on table "odds"'
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'odds_bookmaker_id_fkey', TABLE = 'bookmakers',
            DETAIL = format('Key (id)=(%s) is still referenced from table "odds".', gone);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER odds_bookmakers_insert AFTER INSERT ON odds_sets REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION odds_bookmakers_exist();
CREATE TRIGGER odds_bookmakers_update AFTER UPDATE ON odds_sets REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION odds_bookmakers_exist();

CREATE TRIGGER history_changes_odds_insert AFTER INSERT ON odds_sets REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION history_changes_odds();
CREATE TRIGGER history_changes_odds_update_old AFTER UPDATE ON odds_sets REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION history_changes_odds();
CREATE TRIGGER history_changes_odds_update_new AFTER UPDATE ON odds_sets REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION history_changes_odds();
CREATE TRIGGER history_changes_odds_delete AFTER DELETE ON odds_sets REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION history_changes_odds();
-- TRUNCATE carries no rows: every odds market may have changed (logged under the source name 'odds').
CREATE FUNCTION history_changes_odds_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO history_changes (source, first_kickoff, last_kickoff) VALUES ('odds', '-infinity', 'infinity');
  RETURN NULL;
END $$;
CREATE TRIGGER history_changes_odds_truncate AFTER TRUNCATE ON odds_sets FOR EACH STATEMENT EXECUTE FUNCTION history_changes_odds_truncate();
