-- After a change of levels only, scores stand: each client's segment is looked up again from
-- its stored score, without reading a single answer (NULL while a required parameter is
-- missing). $1 scheme id, $2 cause. Returns how many
-- clients changed segment.
WITH moved AS MATERIALIZED (
    SELECT s.ctid AS row_id, s.client_id, s.score AS old_score, s.score AS new_score,
           s.segment AS old_segment, l.name AS new_segment
    FROM {{assignments}} s
    LEFT JOIN segment.levels l ON l.scheme_id = $1 AND s.missing IS NULL
         AND l.min_score <= s.score AND s.score < l.max_score
    WHERE s.scheme_id = $1 AND s.segment IS DISTINCT FROM l.name),
version AS (SELECT version FROM segment.schemes WHERE scheme_id = $1),
{{record_moves}}
SELECT pg_catalog.count(*) FROM moved
