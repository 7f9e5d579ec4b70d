-- Of relations $1 (oid[]), those whose planner statistics count no row although they hold pages
-- now, and which the current role may analyse: never analysed (reltuples -1), or analysed while
-- their rows were not committed yet (an autoanalyze during a bulk load records 0 over every
-- page). Their names, quoted, to ANALYZE.
SELECT pg_catalog.format('%I.%I', n.nspname, c.relname)
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = ANY ($1) AND c.reltuples <= 0 AND pg_catalog.pg_relation_size(c.oid) > 0
  AND pg_catalog.pg_has_role(c.relowner, 'USAGE')
ORDER BY c.oid
