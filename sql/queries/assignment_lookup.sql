-- The hot read of segment.score and segment.segment_of, kept as a plan per scheme name: the
-- scheme is looked up by name in the same statement (so a cached scheme that was dropped or
-- re-created is noticed), with its entity's assignments table OID, and the client's
-- assignment probed by primary key.
-- $1 scheme name, $2 client key (the key's own type), $3 entity id, $4 assignments table OID.
SELECT s.scheme_id, a.score, a.segment, a.scheme_id IS NOT NULL
FROM segment.schemes s
JOIN segment.entities e ON e.entity_id = s.entity_id
LEFT JOIN {{assignments}} a ON a.scheme_id = s.scheme_id AND a.client_id = $2
WHERE s.name = $1 AND s.entity_id = $3 AND e.assignments_table::pg_catalog.oid = $4
