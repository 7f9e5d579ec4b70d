-- Moves the scores of the clients a weight or points change touched by exactly that change,
-- without reading any other answer: the deltas CTE gives (client_id, delta) for scheme $1, one
-- row per client. The new score is computed once per client (shifted), then each moved
-- client's segment is looked up again (inlined into the level join, the delta expression over
-- the changed rows ran twice per level). History is appended for every client whose score
-- changed, with cause $2, as a full re-segmentation would. (A client missing a required
-- parameter keeps a NULL segment.) Returns how many clients changed. moved_assignments joins
-- each delta d to its client's assignment s (ctid, client_id, score, segment, missing).
WITH deltas AS ({{deltas}}),
shifted AS MATERIALIZED (
    SELECT s.ctid AS row_id, s.client_id, s.score AS old_score,
           pg_catalog.trim_scale(s.score + d.delta) AS new_score, s.segment AS old_segment,
           s.missing
    FROM deltas d
    {{moved_assignments}}
    WHERE d.delta <> 0),
moved AS MATERIALIZED (
    SELECT m.row_id, m.client_id, m.old_score, m.new_score, m.old_segment, l.name AS new_segment
    FROM shifted m
    LEFT JOIN segment.levels l ON l.scheme_id = $1 AND m.missing IS NULL
         AND l.min_score <= m.new_score AND m.new_score < l.max_score),
version AS (SELECT version FROM segment.schemes WHERE scheme_id = $1),
{{record_moves}}
SELECT pg_catalog.count(*) FROM moved
