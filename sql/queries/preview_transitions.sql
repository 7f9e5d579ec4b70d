-- The tail of segment.preview_transitions, in write_recomputed.sql's place in
-- recompute_ruled.sql over preview_scope.sql: how many clients would move from each current
-- segment to each draft segment, unchanged ones included (NULL: not categorized, or no
-- assignment), as text; segments in the order of their levels' lower bounds (the live
-- scheme's $6 for the current ones, the draft's $1 for the new), then by name. Writes nothing.
moves AS (
    SELECT o.segment AS from_segment, f.segment AS to_segment, pg_catalog.count(*) AS clients
    FROM fresh f FULL JOIN old o ON o.client_id = f.client_id
    GROUP BY o.segment, f.segment)
SELECT m.from_segment, m.to_segment, CAST(m.clients AS text)
FROM moves m
LEFT JOIN LATERAL (SELECT pg_catalog.min(l.min_score) AS min_score FROM segment.levels l
                   WHERE l.scheme_id = $6 AND l.name = m.from_segment) lf ON true
LEFT JOIN LATERAL (SELECT pg_catalog.min(l.min_score) AS min_score FROM segment.levels l
                   WHERE l.scheme_id = $1 AND l.name = m.to_segment) lt ON true
ORDER BY lf.min_score NULLS FIRST, m.from_segment COLLATE "C" NULLS FIRST,
         lt.min_score NULLS FIRST, m.to_segment COLLATE "C" NULLS FIRST
