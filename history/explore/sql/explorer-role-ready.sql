-- Whether the explorer role exists, may read this schema's games and the current user may become it; no parameters.
SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sharpline_explorer')
            THEN has_table_privilege('sharpline_explorer', format('%I.games', current_schema()), 'SELECT')
                 AND pg_has_role(current_user, 'sharpline_explorer', 'MEMBER')
            ELSE false END AS ready
