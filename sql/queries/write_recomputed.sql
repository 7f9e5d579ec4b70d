-- The tail of a from-scratch re-segmentation of scheme $1 (recompute_scheme.sql,
-- recompute_ruled.sql): given the CTEs old (client_id, score, answered, segment,
-- parameter_score, missing, forced: the stored assignments it covers) and fresh (the same
-- columns but segment computed), the clients whose assignment changes are upserted (or, left
-- without any input, deleted), and each whose score or segment changed gains one history row
-- with cause $2. Returns how many clients changed.
{{recomputed_diff}},
version AS (SELECT version FROM segment.schemes WHERE scheme_id = $1),
upserted AS (
    INSERT INTO {{assignments}} AS s (scheme_id, client_id, score, answered, segment, version,
                                      assigned_at, previous_score, previous_segment,
                                      parameter_score, missing, forced)
    SELECT $1, d.client_id, d.new_score, d.answered, d.new_segment, v.version, pg_catalog.now(),
           d.old_score, d.old_segment, d.parameter_score, d.missing, d.forced
    FROM diff d, version v
    WHERE d.present
    ON CONFLICT (scheme_id, client_id) DO UPDATE SET
        score = EXCLUDED.score, answered = EXCLUDED.answered, segment = EXCLUDED.segment,
        version = EXCLUDED.version, assigned_at = EXCLUDED.assigned_at,
        previous_score = s.score, previous_segment = s.segment,
        parameter_score = EXCLUDED.parameter_score, missing = EXCLUDED.missing,
        forced = EXCLUDED.forced),
removed AS (
    DELETE FROM {{assignments}} s USING diff d
    WHERE NOT d.present AND s.scheme_id = $1 AND s.client_id = d.client_id),
logged AS (
    INSERT INTO {{history}} (scheme_id, client_id, old_score, new_score, old_segment,
                             new_segment, cause, version)
    SELECT $1, d.client_id, d.old_score, d.new_score, d.old_segment, d.new_segment, $2, v.version
    FROM diff d, version v
    WHERE d.old_score IS DISTINCT FROM d.new_score OR d.old_segment IS DISTINCT FROM d.new_segment
    ORDER BY d.client_id)
SELECT pg_catalog.count(*) FROM diff
