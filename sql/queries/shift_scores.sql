-- Moves the scores of the clients a weight or points change touched by exactly that change,
-- without reading any other answer: the deltas CTE gives (client_id, delta) for scheme $1. Each
-- moved client's segment is looked up again; history is appended for every client whose score
-- changed, with cause $2, as a full re-segmentation would. Returns how many clients changed.
WITH deltas AS ({{deltas}}),
shifted AS MATERIALIZED (
    SELECT s.ctid AS row_id, s.client_id, s.score AS old_score, s.segment AS old_segment,
           pg_catalog.trim_scale(s.score + d.delta) AS new_score
    FROM deltas d
    JOIN {{assignments}} s ON s.scheme_id = $1 AND s.client_id = d.client_id
    WHERE d.delta <> 0),
moved AS MATERIALIZED (
    SELECT x.row_id, x.client_id, x.old_score, x.new_score, x.old_segment,
           l.name AS new_segment
    FROM shifted x
    LEFT JOIN segment.levels l ON l.scheme_id = $1
         AND l.min_score <= x.new_score AND x.new_score < l.max_score),
version AS (SELECT version FROM segment.schemes WHERE scheme_id = $1),
{{record_moves}}
SELECT pg_catalog.count(*) FROM moved
