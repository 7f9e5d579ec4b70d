-- An entity's columns (table alias e), names as they are now: the key column is the client
-- table's primary key column (followed through renames), the key type is client_id's with its
-- modifiers, the owner is the assignments table's; the picks table (NULL until a table bound
-- before 0.2.0 is repaired) comes last. Read by store::catalog::entity_from_row.
e.entity_id, e.client_table::text,
COALESCE((SELECT a.attname FROM pg_catalog.pg_index i
            JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
          WHERE i.indrelid = e.client_table AND i.indisprimary AND i.indnkeyatts = 1),
         e.key_column)::text,
(SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a
  WHERE a.attrelid = e.answers_table AND a.attname = 'client_id' AND NOT a.attisdropped),
e.answers_table::text, e.assignments_table::text, e.history_table::text,
e.client_table::oid, e.answers_table::oid, e.assignments_table::oid, e.history_table::oid,
(SELECT a.atttypid FROM pg_catalog.pg_attribute a
  WHERE a.attrelid = e.answers_table AND a.attname = 'client_id' AND NOT a.attisdropped),
(SELECT a.atttypmod FROM pg_catalog.pg_attribute a
  WHERE a.attrelid = e.answers_table AND a.attname = 'client_id' AND NOT a.attisdropped),
(SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = e.assignments_table),
e.picks_table::text, COALESCE(e.picks_table::oid, 0::oid)
