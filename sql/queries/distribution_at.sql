-- segment.distribution as the ledger shows it at time $2: the clients categorized then, per
-- segment, with their share, in the order of the scheme's current levels (a segment no current
-- level names comes after them); the NULL-segment row last. The ledger records scores and
-- segments, not statuses: a segment's row says 'scored', the NULL-segment row (unsegmented or
-- incomplete then) has no status. $1 scheme id.
WITH states AS ({{states}}),
counts AS (
    SELECT new_segment AS segment, pg_catalog.count(*) AS clients
    FROM states WHERE new_score IS NOT NULL GROUP BY new_segment)
SELECT c.segment, c.clients,
       pg_catalog.round(c.clients::numeric / pg_catalog.sum(c.clients) OVER (), 4)::text,
       CASE WHEN c.segment IS NOT NULL THEN 'scored' END
FROM counts c
-- (variants may each have a level of that name: the lowest orders it)
LEFT JOIN LATERAL (SELECT pg_catalog.min(l.min_score) AS min_score FROM segment.levels l
                   WHERE l.scheme_id = $1 AND l.name = c.segment) l ON true
ORDER BY c.segment IS NULL, l.min_score, c.segment
