-- Applies freshly evaluated parameters of some clients of scheme $1, cause $2 (values in
-- parameter_values.sql's arrays, or evaluated by the statement itself: a CTE parameter_sums of
-- the same columns that store::parameters writes). Each client's score keeps its answers'
-- points and takes the new parameter_score, computed from the row as locked (a concurrent
-- answer's change counts); its segment is looked up again, NULL while a required parameter is
-- missing. A client none of whose parameters has a value gets no assignment of its own; one
-- that has answers keeps its assignment. Clients whose parameters gave what they gave before
-- are not written. Returns how many assignments changed, and the clients left without any
-- input (text forms, NULL for none).
WITH {{parameter_sums}},
version AS (SELECT version FROM segment.schemes WHERE scheme_id = $1),
-- The clients whose parameters gave something else than their assignment holds, or that have
-- a value and no assignment yet: what is written. (One join with the assignments, which finds
-- nothing to write for a client whose values did not change.)
changes AS MATERIALIZED (
    SELECT p.client_id, p.parameter_score, p.missing
    FROM parameter_sums p
    LEFT JOIN {{assignments}} x ON x.scheme_id = $1 AND x.client_id = p.client_id
    WHERE CASE WHEN x.client_id IS NULL THEN p.parameter_score IS NOT NULL
               ELSE x.parameter_score IS DISTINCT FROM p.parameter_score
                    OR x.missing IS DISTINCT FROM p.missing END),
-- Upserted in key order (as answers' writers lock assignments), where the upsert finds and
-- locks only what changes. (Not an UPDATE of the rows the snapshot showed: one deleted
-- meanwhile by an answers writer would be skipped, and its client left without an assignment;
-- the upsert waits for that delete and inserts.)
applied AS (
    INSERT INTO {{assignments}} AS s (scheme_id, client_id, score, answered, segment, version,
                                      assigned_at, parameter_score, missing)
    SELECT $1, p.client_id, COALESCE(p.parameter_score, 0), 0,
           CASE WHEN p.missing IS NULL THEN l.name END, v.version, pg_catalog.now(),
           p.parameter_score, p.missing
    FROM changes p CROSS JOIN version v
    LEFT JOIN segment.levels l ON l.scheme_id = $1
         AND l.min_score <= COALESCE(p.parameter_score, 0)
         AND COALESCE(p.parameter_score, 0) < l.max_score
    ORDER BY p.client_id
    ON CONFLICT (scheme_id, client_id) DO UPDATE SET
        score = pg_catalog.trim_scale(s.score - COALESCE(s.parameter_score, 0)
                                      + COALESCE(EXCLUDED.parameter_score, 0)),
        parameter_score = EXCLUDED.parameter_score,
        missing = EXCLUDED.missing,
        segment = CASE WHEN EXCLUDED.missing IS NULL THEN
            (SELECT l.name FROM segment.levels l WHERE l.scheme_id = s.scheme_id
               AND l.min_score <= s.score - COALESCE(s.parameter_score, 0)
                                  + COALESCE(EXCLUDED.parameter_score, 0)
               AND s.score - COALESCE(s.parameter_score, 0)
                   + COALESCE(EXCLUDED.parameter_score, 0) < l.max_score) END,
        version = EXCLUDED.version, assigned_at = EXCLUDED.assigned_at,
        previous_score = s.score, previous_segment = s.segment
    WHERE s.parameter_score IS DISTINCT FROM EXCLUDED.parameter_score
       OR s.missing IS DISTINCT FROM EXCLUDED.missing
    RETURNING s.scheme_id, s.client_id, s.score, s.answered, s.parameter_score, s.segment,
              s.version, s.previous_score, s.previous_segment),
{{log_applied}}
SELECT pg_catalog.count(*),
       pg_catalog.array_agg(CAST(client_id AS text))
           FILTER (WHERE answered <= 0 AND parameter_score IS NULL)
FROM applied
