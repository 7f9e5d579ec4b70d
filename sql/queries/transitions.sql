-- How the clients of scheme $1 moved between time $2 and time $3, as the ledger shows: one row
-- per (segment then, segment later) pair with the number of clients, unchanged pairs included.
-- A segment is NULL where the client was not categorized at that moment or had no segment.
-- Clients categorized at neither moment are not counted. Ordered by the scheme's current
-- levels, NULL last.
WITH before AS ({{states_before}}),
after AS ({{states_after}}),
moves AS (
    SELECT CASE WHEN b.new_score IS NOT NULL THEN b.new_segment END AS from_segment,
           CASE WHEN a.new_score IS NOT NULL THEN a.new_segment END AS to_segment
    FROM before b FULL JOIN after a ON a.client_id = b.client_id
    WHERE b.new_score IS NOT NULL OR a.new_score IS NOT NULL)
SELECT m.from_segment, m.to_segment, pg_catalog.count(*)
FROM moves m
-- (variants may each have a level of that name: the lowest orders it)
LEFT JOIN LATERAL (SELECT pg_catalog.min(l.min_score) AS min_score FROM segment.levels l
                   WHERE l.scheme_id = $1 AND l.name = m.from_segment) lf ON true
LEFT JOIN LATERAL (SELECT pg_catalog.min(l.min_score) AS min_score FROM segment.levels l
                   WHERE l.scheme_id = $1 AND l.name = m.to_segment) lt ON true
GROUP BY m.from_segment, m.to_segment, lf.min_score, lt.min_score
ORDER BY m.from_segment IS NULL, lf.min_score, m.from_segment,
         m.to_segment IS NULL, lt.min_score, m.to_segment
