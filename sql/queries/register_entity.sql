-- Registers the relations _create_entity_relations made for a client table.
-- $1 client table, $2 key column, $3 key type, $4 prefix of the relations' names.
WITH e AS (
    INSERT INTO segment.entities (client_table, key_column, key_type,
                                  answers_table, assignments_table, history_table, picks_table)
    VALUES ($1, $2, $3,
            pg_catalog.format('segment.%I', $4 || '_answers')::regclass,
            pg_catalog.format('segment.%I', $4 || '_assignments')::regclass,
            pg_catalog.format('segment.%I', $4 || '_history')::regclass,
            pg_catalog.format('segment.%I', $4 || '_picks')::regclass)
    RETURNING *)
SELECT {{entity_columns}} FROM e
