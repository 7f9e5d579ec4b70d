-- Of relations $1 (oid[]), those whose planner statistics count no row, or have no column
-- statistics, although they hold pages now, and which the current role may analyse: never
-- analysed (reltuples -1), analysed while their rows were not committed yet (an autoanalyze
-- during a bulk load records 0 over every page), or analysed by a transaction that rolled back
-- (its column statistics went, its row count stayed). Their names, quoted, to ANALYZE.
SELECT pg_catalog.format('%I.%I', n.nspname, c.relname)
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = ANY ($1) AND pg_catalog.pg_relation_size(c.oid) > 0
  AND pg_catalog.pg_has_role(c.relowner, 'USAGE')
  AND (c.reltuples <= 0
       -- (no column statistics: an ANALYZE rolled back takes them back, not the row count)
       OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stats s
                      WHERE s.schemaname = n.nspname AND s.tablename = c.relname))
ORDER BY c.oid
