-- Assigned clients per segment and status with their share, in level order; the NULL-segment
-- rows last: clients between levels (unsegmented), then clients missing a required
-- parameter (incomplete). $1 scheme id.
WITH counts AS (
    SELECT segment, status, pg_catalog.count(*) AS clients FROM {{assignments}}
    WHERE scheme_id = $1 GROUP BY segment, status)
SELECT c.segment, c.clients,
       pg_catalog.round(c.clients::numeric / pg_catalog.sum(c.clients) OVER (), 4)::text,
       c.status
FROM counts c
-- (variants may each have a level of that name: the lowest orders it)
LEFT JOIN LATERAL (SELECT pg_catalog.min(l.min_score) AS min_score FROM segment.levels l
                   WHERE l.scheme_id = $1 AND l.name = c.segment) l ON true
ORDER BY c.segment IS NULL, l.min_score, c.segment, c.status DESC
