-- Variants (subtypes) of a scheme: a column of the client table (variant_columns) selects the
-- variant a client belongs to (the variant whose column_values hold the column's value in text
-- form); questions and parameters attached to variants (variant_items) count only for clients of
-- those variants, the others for every client; a variant with levels of its own segments its
-- clients with them, one without uses the scheme's. A client whose value matches no variant has
-- no segment (unless a level is forced). Variants take effect while the scheme has a variant
-- column. A scheme with variants is ruled (sql/queries/linear_scheme.sql): its clients are
-- recomputed from scratch.

CREATE TABLE segment.variant_columns (
    scheme_id   integer PRIMARY KEY REFERENCES segment.schemes ON DELETE CASCADE,
    column_name name NOT NULL
);

CREATE TABLE segment.variants (
    variant_id    serial PRIMARY KEY,
    scheme_id     integer NOT NULL REFERENCES segment.schemes ON DELETE CASCADE,
    code          text NOT NULL CONSTRAINT variants_code_not_blank CHECK (btrim(code) <> ''),
    label         text NOT NULL,
    column_values text[] NOT NULL
                  CONSTRAINT variants_values_given
                  CHECK (cardinality(column_values) > 0
                         AND array_position(column_values, NULL) IS NULL),
    CONSTRAINT variants_code_key UNIQUE (scheme_id, code),
    CONSTRAINT variants_id_scheme_key UNIQUE (variant_id, scheme_id)
);

CREATE TABLE segment.variant_items (
    variant_id   integer NOT NULL,
    scheme_id    integer NOT NULL,
    question_id  integer,
    parameter_id integer,
    CONSTRAINT variant_items_one_item CHECK ((question_id IS NULL) <> (parameter_id IS NULL)),
    CONSTRAINT variant_items_variant_fkey FOREIGN KEY (variant_id, scheme_id)
        REFERENCES segment.variants (variant_id, scheme_id) ON DELETE CASCADE,
    CONSTRAINT variant_items_question_fkey FOREIGN KEY (question_id, scheme_id)
        REFERENCES segment.questions (question_id, scheme_id) ON DELETE CASCADE,
    CONSTRAINT variant_items_parameter_fkey FOREIGN KEY (parameter_id, scheme_id)
        REFERENCES segment.parameters (parameter_id, scheme_id) ON DELETE CASCADE,
    CONSTRAINT variant_items_key UNIQUE NULLS NOT DISTINCT (variant_id, question_id, parameter_id)
);
CREATE INDEX variant_items_question_idx ON segment.variant_items (question_id)
    WHERE question_id IS NOT NULL;
CREATE INDEX variant_items_parameter_idx ON segment.variant_items (parameter_id)
    WHERE parameter_id IS NOT NULL;

-- A level belongs to the scheme (variant_id NULL) or to one of its variants; names and ranges
-- are the variant's own (a kiosk's "A" and a supermarket's "A" are two levels).
ALTER TABLE segment.levels
    ADD CONSTRAINT levels_variant_fkey FOREIGN KEY (variant_id, scheme_id)
        REFERENCES segment.variants (variant_id, scheme_id) ON DELETE CASCADE;

SELECT pg_catalog.pg_extension_config_dump('segment.variant_columns', '');
SELECT pg_catalog.pg_extension_config_dump('segment.variants', '');
SELECT pg_catalog.pg_extension_config_dump('segment.variants_variant_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('segment.variant_items', '');

-- Before a scheme's variant column is written: it is a column of the scheme's client table
-- (42703), which the writer may read (42501) and attach triggers to (42501: a trigger re-scores
-- a client whose column changes).
CREATE FUNCTION segment._variant_column_written() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    client_table regclass := (SELECT e.client_table FROM segment.schemes s
                              JOIN segment.entities e ON e.entity_id = s.entity_id
                              WHERE s.scheme_id = NEW.scheme_id);
BEGIN
    IF client_table IS NULL THEN
        RETURN NEW; -- the foreign key refuses it
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                   WHERE a.attrelid = client_table AND a.attname = NEW.column_name
                     AND a.attnum > 0 AND NOT a.attisdropped) THEN
        RAISE EXCEPTION 'column "%" of % does not exist', NEW.column_name, client_table
            USING ERRCODE = 'undefined_column',
                  HINT = 'A scheme''s variants are selected by a column of its client table.';
    END IF;
    IF NOT pg_catalog.has_column_privilege(client_table, NEW.column_name, 'SELECT')
       OR NOT pg_catalog.has_table_privilege(client_table, 'TRIGGER') THEN
        RAISE EXCEPTION 'permission denied to select variants by column "%" of %', NEW.column_name, client_table
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'It takes SELECT on the column and TRIGGER on the table (a trigger re-scores a client whose column changes).';
    END IF;
    RETURN NEW;
END
$fn$;

-- After a statement on a scheme's variants: no value selects two variants of one scheme (23505).
CREATE FUNCTION segment._variant_values_disjoint() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    clash record;
BEGIN
    SELECT s.name AS scheme, x.value, a.code AS first, b.code AS second INTO clash
    FROM segment.variants a
    JOIN segment.variants b ON b.scheme_id = a.scheme_id AND b.variant_id > a.variant_id
    JOIN segment.schemes s ON s.scheme_id = a.scheme_id,
         pg_catalog.unnest(a.column_values) AS x(value)
    WHERE x.value = ANY (b.column_values)
      AND a.scheme_id IN (SELECT n.scheme_id FROM segment_new_rows n)
    ORDER BY s.name, x.value LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'value "%" selects two variants of scheme "%": "%" and "%"', clash.value, clash.scheme, clash.first, clash.second
            USING ERRCODE = 'unique_violation',
                  HINT = 'A client belongs to one variant: give each value to one variant only.';
    END IF;
    RETURN NULL;
END
$fn$;

COMMENT ON FUNCTION segment._variant_column_written() IS
    'internal: checks a scheme''s variant column against its client table and the writer''s rights';
COMMENT ON FUNCTION segment._variant_values_disjoint() IS
    'internal: refuses a statement that leaves one value selecting two variants of a scheme';
COMMENT ON TABLE segment.variant_columns IS
    'the column of the client table whose value (text form) selects a client''s variant of the scheme';
COMMENT ON TABLE segment.variants IS
    'variants (subtypes) of a scheme: the clients whose variant column holds one of column_values; their own inputs (variant_items) and levels (levels.variant_id)';
COMMENT ON TABLE segment.variant_items IS
    'the questions and parameters attached to a variant: they count only for its clients (and those of the other variants they are attached to); an input attached to none counts for every client';
