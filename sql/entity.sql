-- Per-entity relations. A scheme is bound to a client table; the first scheme bound to a table
-- creates three ordinary tables in schema segment whose client_id column has the client key's
-- own type, so analysts join them without casts; the answers have a foreign key to the client
-- table.
-- They are not extension members: pg_dump dumps them (definition, data, triggers) like any table.

CREATE FUNCTION segment._create_entity_relations(
    client_table regclass,
    key_column name,
    key_type regtype,
    prefix text
) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    answers     text := pg_catalog.quote_ident(prefix || '_answers');
    assignments text := pg_catalog.quote_ident(prefix || '_assignments');
    history     text := pg_catalog.quote_ident(prefix || '_history');
    -- the key column's full type: character(5) stays character(5), numeric(12,2) keeps its
    -- scale, a domain stays the domain (format_type without a modifier would say character(1))
    key_type_sql text := (SELECT pg_catalog.format_type(a.atttypid, a.atttypmod)
                          FROM pg_catalog.pg_attribute a
                          WHERE a.attrelid = client_table AND a.attname = key_column
                            AND NOT a.attisdropped);
    owner regrole := (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = client_table);
BEGIN
    EXECUTE pg_catalog.format($ddl$
        CREATE TABLE segment.%1$s (
            client_id   %2$s NOT NULL REFERENCES %3$s (%4$I) ON DELETE CASCADE ON UPDATE CASCADE,
            question_id integer NOT NULL,
            option_id   integer NOT NULL,
            answered_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
            PRIMARY KEY (client_id, question_id),
            FOREIGN KEY (option_id, question_id)
                REFERENCES segment.options (option_id, question_id) ON DELETE CASCADE
        )$ddl$, answers, key_type_sql, client_table, key_column);
    EXECUTE pg_catalog.format(
        'CREATE INDEX ON segment.%1$s (option_id, question_id)', answers);

    -- scheme_id has no foreign key: every write would lock the one schemes row each scheme
    -- has; deleting a scheme removes its rows through the schemes trigger instead.
    -- Half of each page stays free: every answer rewrites its client's row, and a scheme change
    -- rewrites the rows of every client it moves in one statement; with room on the same page
    -- those updates are HOT (no index entries), which takes about 40 % off a re-segmentation
    -- that moves most clients.
    EXECUTE pg_catalog.format($ddl$
        CREATE TABLE segment.%1$s (
            scheme_id   integer NOT NULL,
            client_id   %2$s NOT NULL,
            score       numeric NOT NULL,
            answered    integer NOT NULL,
            segment     text,
            version     integer NOT NULL,
            assigned_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
            previous_score   numeric,
            previous_segment text,
            -- what the segment says: 'scored' (a level holds the score) or 'unsegmented' (the
            -- score falls between levels). Computed from the row by PostgreSQL; the direct
            -- path's insert, which does not run generation, writes the same value
            -- (src/direct/writer.rs, status_of).
            status      text NOT NULL GENERATED ALWAYS AS (
                            CASE WHEN segment IS NULL THEN 'unsegmented' ELSE 'scored' END) STORED,
            PRIMARY KEY (scheme_id, client_id)
        ) WITH (fillfactor = 50)$ddl$, assignments, key_type_sql);
    EXECUTE pg_catalog.format(
        'CREATE INDEX ON segment.%1$s (client_id)', assignments);
    -- No index mentions answered: a client's new or removed answer changes it, and an update
    -- that changes no indexed column stays HOT. (Rows left without answers are deleted by key.)

    EXECUTE pg_catalog.format($ddl$
        CREATE TABLE segment.%1$s (
            history_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            scheme_id   integer NOT NULL,
            client_id   %2$s NOT NULL,
            changed_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
            old_score   numeric,
            new_score   numeric,
            old_segment text,
            new_segment text,
            cause       text NOT NULL,
            version     integer NOT NULL
        )$ddl$, history, key_type_sql);
    EXECUTE pg_catalog.format(
        'CREATE INDEX ON segment.%1$s (client_id, scheme_id, history_id)', history);
    -- Assignments and history have no foreign key to the client table: checking one cost a
    -- query and a lock of the client row per written row, and a client with an assignment
    -- always has an answer, whose foreign key already holds the client. Triggers on the client
    -- table take a client's assignments and history away with the client instead, as
    -- ON DELETE CASCADE would (the row trigger is cloned to the partitions of a partitioned
    -- table), and a third moves them to the client's new key when the key is updated (the
    -- answers follow through ON UPDATE CASCADE). The trigger functions take no arguments: they
    -- find the entity by the table they fire on.
    EXECUTE pg_catalog.format($ddl$
        CREATE TRIGGER pg_segment_client_delete AFTER DELETE ON %1$s
        FOR EACH ROW EXECUTE FUNCTION segment._client_removed()$ddl$, client_table);
    EXECUTE pg_catalog.format($ddl$
        CREATE TRIGGER pg_segment_client_truncate AFTER TRUNCATE ON %1$s
        FOR EACH STATEMENT EXECUTE FUNCTION segment._client_removed()$ddl$, client_table);
    PERFORM segment._attach_rekey_trigger(client_table, key_column);

    -- Statement-level triggers with transition tables: a bulk write recomputes each touched
    -- client once, set-based.
    EXECUTE pg_catalog.format($ddl$
        CREATE TRIGGER segment_answers_insert AFTER INSERT ON segment.%1$s
        REFERENCING NEW TABLE AS segment_new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION segment._answers_changed()$ddl$, answers);
    EXECUTE pg_catalog.format($ddl$
        CREATE TRIGGER segment_answers_update AFTER UPDATE ON segment.%1$s
        REFERENCING OLD TABLE AS segment_old_rows NEW TABLE AS segment_new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION segment._answers_changed()$ddl$, answers);
    EXECUTE pg_catalog.format($ddl$
        CREATE TRIGGER segment_answers_delete AFTER DELETE ON segment.%1$s
        REFERENCING OLD TABLE AS segment_old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION segment._answers_changed()$ddl$, answers);
    EXECUTE pg_catalog.format($ddl$
        CREATE TRIGGER segment_answers_truncate AFTER TRUNCATE ON segment.%1$s
        FOR EACH STATEMENT EXECUTE FUNCTION segment._answers_changed()$ddl$, answers);

    -- The relations belong to the client table's owner, whose rights the triggers' maintenance
    -- runs with (src/security.rs), as foreign-key triggers run with a table owner's rights:
    -- application roles get only what segment.grant_writer/reader/admin give them.
    EXECUTE pg_catalog.format('ALTER TABLE segment.%s OWNER TO %s', answers, owner);
    EXECUTE pg_catalog.format('ALTER TABLE segment.%s OWNER TO %s', assignments, owner);
    EXECUTE pg_catalog.format('ALTER TABLE segment.%s OWNER TO %s', history, owner);
    PERFORM segment._grant_maintainer(owner);

    EXECUTE pg_catalog.format($c$COMMENT ON TABLE segment.%1$s IS %2$L$c$, answers,
        pg_catalog.format('pg_segment: answers about clients of %s, one row per client and question; '
            'write with plain SQL or segment.answer()', client_table));
    EXECUTE pg_catalog.format($c$COMMENT ON TABLE segment.%1$s IS %2$L$c$, assignments,
        pg_catalog.format('pg_segment: current score and segment of each categorized client of %s per scheme; '
            'maintained by triggers, read-only for applications', client_table));
    EXECUTE pg_catalog.format($c$COMMENT ON TABLE segment.%1$s IS %2$L$c$, history,
        pg_catalog.format('pg_segment: append-only ledger of every score or segment change of clients of %s',
            client_table));
END
$fn$;

-- Run by create_scheme as the extension's owner, after it checked the caller's rights.
REVOKE ALL ON FUNCTION segment._create_entity_relations(regclass, name, regtype, text) FROM PUBLIC;

COMMENT ON FUNCTION segment._create_entity_relations(regclass, name, regtype, text) IS
    'internal: creates the answers, assignments and history tables of a client table';

-- Answer options with their ids, for applications that write answer rows with plain SQL.
CREATE VIEW segment.answer_options AS
SELECT s.name AS scheme, s.scheme_id,
       q.code AS question, q.question_id, q.position AS question_position, q.weight,
       o.code AS option, o.option_id, o.position AS option_position, o.label, o.points
FROM segment.schemes s
JOIN segment.questions q ON q.scheme_id = s.scheme_id
JOIN segment.options o ON o.question_id = q.question_id;

COMMENT ON VIEW segment.answer_options IS
    'every answer option with the ids an answer row needs (question_id, option_id), by scheme and code';
