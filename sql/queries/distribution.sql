-- Assigned clients per segment with their share, in level order, the unsegmented (NULL) row
-- last. $1 scheme id.
WITH counts AS (
    SELECT segment, pg_catalog.count(*) AS clients FROM {{assignments}}
    WHERE scheme_id = $1 GROUP BY segment)
SELECT c.segment, c.clients,
       pg_catalog.round(c.clients::numeric / pg_catalog.sum(c.clients) OVER (), 4)::text
FROM counts c
LEFT JOIN segment.levels l ON l.scheme_id = $1 AND l.name = c.segment
ORDER BY c.segment IS NULL, l.min_score, c.segment
