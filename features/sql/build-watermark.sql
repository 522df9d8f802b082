-- Watermark of a set version's last build (NULL row when never built). $1 set hash.
SELECT (extract(epoch FROM watermark_kickoff) * 1000)::float8 AS watermark_kickoff FROM feature_build_state WHERE set_hash = $1
