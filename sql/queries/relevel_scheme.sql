-- After a change of levels only, scores stand: each client's segment is looked up again from
-- its stored score, without reading a single answer. $1 scheme id, $2 cause. Returns how many
-- clients changed segment.
WITH changed AS MATERIALIZED (
    SELECT s.client_id, s.score, s.segment AS old_segment, l.name AS new_segment
    FROM {{assignments}} s
    LEFT JOIN segment.levels l ON l.scheme_id = $1
         AND l.min_score <= s.score AND s.score < l.max_score
    WHERE s.scheme_id = $1 AND s.segment IS DISTINCT FROM l.name),
version AS (SELECT version FROM segment.schemes WHERE scheme_id = $1),
updated AS (
    UPDATE {{assignments}} s SET segment = c.new_segment, version = v.version,
           assigned_at = pg_catalog.now(), previous_score = s.score,
           previous_segment = s.segment
    FROM changed c, version v
    WHERE s.scheme_id = $1 AND s.client_id = c.client_id),
logged AS (
    INSERT INTO {{history}} (scheme_id, client_id, old_score, new_score, old_segment,
                             new_segment, cause, version)
    SELECT $1, c.client_id, c.score, c.score, c.old_segment, c.new_segment, $2, v.version
    FROM changed c, version v
    ORDER BY c.client_id)
SELECT pg_catalog.count(*) FROM changed
