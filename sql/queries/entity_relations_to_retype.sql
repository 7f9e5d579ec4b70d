-- The answers, assignments and history tables of entity $1, each with its owner and the full
-- type of the client table's column $2: (oid, name, owner, type).
SELECT t.oid, t.oid::pg_catalog.regclass::text, t.relowner,
       pg_catalog.format_type(a.atttypid, a.atttypmod)
FROM segment.entities e
JOIN pg_catalog.pg_class t ON t.oid IN (e.answers_table, e.picks_table, e.assignments_table, e.history_table)
JOIN pg_catalog.pg_attribute a ON a.attrelid = e.client_table AND a.attname = $2
                              AND NOT a.attisdropped
WHERE e.entity_id = $1
ORDER BY t.oid
