-- Schemes as code: a scheme's whole configuration as one JSON document, and a scheme created
-- from one. The document's shape (docs/scheme.schema.json): format "pg_segment scheme 1", name,
-- description, client_table, questions (code, prompt, weight, position, kind, required, group,
-- options, ranges), parameters (code, label, expression, weight, position, required, source,
-- client_column, group, ranges, matches), levels (name, min_score, max_score, variant), groups
-- (code, min_points, max_points), forced_levels (item, value, level) in the order they apply,
-- variant_column and variants (code, label, column_values, items); open ends of ranges,
-- levels and groups are null. Both run with the caller's rights: export reads the configuration tables, import
-- calls the functions an administrator would (with their checks and errors).

CREATE FUNCTION segment.export_scheme(scheme text) RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    doc jsonb;
BEGIN
    SELECT pg_catalog.jsonb_build_object(
        'format', 'pg_segment scheme 1',
        'name', s.name, 'description', s.description, 'client_table', e.client_table::text,
        'questions', COALESCE((
            SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                       'code', q.code, 'prompt', q.prompt, 'weight', q.weight,
                       'position', q.position, 'kind', q.kind, 'required', q.required,
                       'group', (SELECT g.code FROM segment.groups g WHERE g.group_id = q.group_id),
                       'options', COALESCE((
                           SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                      'code', o.code, 'label', o.label, 'points', o.points,
                                      'position', o.position) ORDER BY o.position, o.code COLLATE "C")
                           FROM segment.options o WHERE o.question_id = q.question_id), '[]'),
                       'ranges', COALESCE((
                           SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                      'min_value', NULLIF(r.min_value, '-Infinity'),
                                      'max_value', NULLIF(r.max_value, 'Infinity'),
                                      'points', r.points) ORDER BY r.min_value)
                           FROM segment.question_ranges r WHERE r.question_id = q.question_id), '[]'))
                   ORDER BY q.position, q.code COLLATE "C")
            FROM segment.questions q WHERE q.scheme_id = s.scheme_id), '[]'),
        'parameters', COALESCE((
            SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                       'code', p.code, 'label', p.label, 'expression', p.expression,
                       'weight', p.weight, 'position', p.position, 'required', p.required,
                       'source', p.source::text, 'client_column', p.client_column,
                       'group', (SELECT g.code FROM segment.groups g WHERE g.group_id = p.group_id),
                       'ranges', COALESCE((
                           SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                      'min_value', NULLIF(r.min_value, '-Infinity'),
                                      'max_value', NULLIF(r.max_value, 'Infinity'),
                                      'points', r.points) ORDER BY r.min_value)
                           FROM segment.parameter_ranges r WHERE r.parameter_id = p.parameter_id), '[]'),
                       'matches', COALESCE((
                           SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                      'value', m.value, 'points', m.points) ORDER BY m.value COLLATE "C")
                           FROM segment.parameter_matches m WHERE m.parameter_id = p.parameter_id), '[]'))
                   ORDER BY p.position, p.code COLLATE "C")
            FROM segment.parameters p WHERE p.scheme_id = s.scheme_id), '[]'),
        'levels', COALESCE((
            SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                       'name', l.name, 'min_score', NULLIF(l.min_score, '-Infinity'),
                       'max_score', NULLIF(l.max_score, 'Infinity'), 'variant', v.code)
                   ORDER BY v.code COLLATE "C" NULLS FIRST, l.min_score, l.name COLLATE "C")
            FROM segment.levels l LEFT JOIN segment.variants v ON v.variant_id = l.variant_id
            WHERE l.scheme_id = s.scheme_id), '[]'),
        'variant_column', (SELECT vc.column_name FROM segment.variant_columns vc
                           WHERE vc.scheme_id = s.scheme_id),
        'variants', COALESCE((
            SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                       'code', v.code, 'label', v.label,
                       'column_values', pg_catalog.to_jsonb(v.column_values),
                       'items', COALESCE((
                           SELECT pg_catalog.jsonb_agg(COALESCE(q.code, p.code)
                                                       ORDER BY COALESCE(q.code, p.code) COLLATE "C")
                           FROM segment.variant_items vi
                           LEFT JOIN segment.questions q ON q.question_id = vi.question_id
                           LEFT JOIN segment.parameters p ON p.parameter_id = vi.parameter_id
                           WHERE vi.variant_id = v.variant_id), '[]'))
                   ORDER BY v.code COLLATE "C")
            FROM segment.variants v WHERE v.scheme_id = s.scheme_id), '[]'),
        'groups', COALESCE((
            SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                       'code', g.code, 'min_points', g.min_points, 'max_points', g.max_points)
                   ORDER BY g.code COLLATE "C")
            FROM segment.groups g WHERE g.scheme_id = s.scheme_id), '[]'),
        'forced_levels', COALESCE((
            SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                       'item', COALESCE(q.code, p.code), 'value', COALESCE(o.code, f.value),
                       'level', l.name) ORDER BY f.rule_id)
            FROM segment.forced_levels f
            LEFT JOIN segment.questions q ON q.question_id = f.question_id
            LEFT JOIN segment.options o ON o.option_id = f.option_id
            LEFT JOIN segment.parameters p ON p.parameter_id = f.parameter_id
            JOIN segment.levels l ON l.level_id = f.level_id
            WHERE f.scheme_id = s.scheme_id), '[]'))
    INTO doc
    FROM segment.schemes s JOIN segment.entities e ON e.entity_id = s.entity_id
    WHERE s.name = scheme;
    IF doc IS NULL THEN
        RAISE EXCEPTION 'scheme "%" does not exist', scheme
            USING ERRCODE = 'undefined_object',
                  HINT = 'segment.schemes lists the schemes.';
    END IF;
    RETURN doc;
END
$fn$;

-- A scheme document's object (the document, a question, an option, …) checked before it is
-- used: every key one the format knows (a misspelled key would silently drop what it holds),
-- and each list a JSON array. 22023 naming the key and where it is.
CREATE FUNCTION segment._document_object(obj jsonb, place text, known text[], lists text[])
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    key text;
BEGIN
    IF pg_catalog.jsonb_typeof(obj) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'scheme document: % is not a JSON object', place
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT k INTO key FROM pg_catalog.jsonb_object_keys(obj) k WHERE k <> ALL (known) ORDER BY k LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'scheme document: % has an unknown key "%"', place, key
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = pg_catalog.format('Its keys are %s (docs/scheme.schema.json).', pg_catalog.array_to_string(known, ', '));
    END IF;
    SELECT k INTO key FROM pg_catalog.unnest(lists) k
    WHERE obj ? k AND pg_catalog.jsonb_typeof(obj -> k) IS DISTINCT FROM 'array' ORDER BY k LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'scheme document: "%" of % is not a JSON array', key, place
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN obj;
END
$fn$;

COMMENT ON FUNCTION segment._document_object(jsonb, text, text[], text[]) IS
    'internal: checks the keys and lists of an object of a scheme document';

-- A whole number of a scheme document (a position): 2 and 2.0 are 2, 2.5 is refused (22023).
CREATE FUNCTION segment._document_integer(value jsonb, place text) RETURNS integer
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF value IS NULL OR value = 'null'::jsonb THEN
        RETURN NULL;
    END IF;
    IF pg_catalog.jsonb_typeof(value) <> 'number' OR (value #>> '{}')::numeric % 1 <> 0 THEN
        RAISE EXCEPTION 'scheme document: % is %, not a whole number', place, value
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN (value #>> '{}')::numeric::integer;
END
$fn$;

COMMENT ON FUNCTION segment._document_integer(jsonb, text) IS
    'internal: a whole number of a scheme document';

-- A table a scheme document names (client_table, a parameter's source): a schema-qualified name
-- as export_scheme prints it, never an OID.
CREATE FUNCTION segment._document_table(name text, place text) RETURNS regclass
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF name IS NULL THEN
        RETURN NULL;
    END IF;
    IF name ~ '^[0-9]+$' THEN
        RAISE EXCEPTION 'scheme document: % "%" is a number, not a table name', place, name
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Name tables schema-qualified, as segment.export_scheme() prints them.';
    END IF;
    RETURN name::regclass;
END
$fn$;

COMMENT ON FUNCTION segment._document_table(text, text) IS
    'internal: a table a scheme document names';

-- Creates the scheme a document describes (segment.export_scheme's shape) over client_table
-- (the document's own when NULL), in one transaction, and returns its id; with replace, makes
-- an existing scheme's live configuration the document's instead, as segment.publish() makes
-- a draft's (sql/drafts.sql): one re-segmentation, history cause 'publish', the scheme's id
-- kept. Every step goes through the function an administrator calls, so every check and
-- error is theirs; the document's keys and lists are checked first (22023). Parameters are
-- defined as the caller (their definer, whose rights evaluate them).
CREATE FUNCTION segment.import_scheme(doc jsonb, client_table regclass DEFAULT NULL,
                                      replace boolean DEFAULT false) RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    scheme_id integer;
    bound_table regclass;
BEGIN
    PERFORM segment._document_checked(doc);
    IF replace THEN
        SELECT s.scheme_id, e.client_table INTO scheme_id, bound_table
        FROM segment.schemes s JOIN segment.entities e ON e.entity_id = s.entity_id
        WHERE s.name = doc ->> 'name';
        IF NOT FOUND THEN
            RAISE EXCEPTION 'scheme "%" does not exist', doc ->> 'name'
                USING ERRCODE = 'undefined_object',
                      HINT = 'Import it with replace => false to create it.';
        END IF;
        IF client_table IS NOT NULL AND client_table IS DISTINCT FROM bound_table THEN
            RAISE EXCEPTION 'scheme "%" is not bound to table %', doc ->> 'name', client_table
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'A replaced scheme keeps its client table; leave client_table NULL.';
        END IF;
        PERFORM segment._publish_document(doc ->> 'name', doc::text);
        RETURN scheme_id;
    END IF;
    scheme_id := segment.create_scheme(doc ->> 'name',
        COALESCE(client_table, segment._document_table(doc ->> 'client_table', 'client_table')),
        doc ->> 'description');
    PERFORM segment._apply_document(doc ->> 'name', doc);
    RETURN scheme_id;
END
$fn$;

-- A scheme document checked before anything is written: its format, and its own keys and
-- lists (22023; the objects inside are checked as they are applied).
CREATE FUNCTION segment._document_checked(doc jsonb) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF doc IS NULL OR pg_catalog.jsonb_typeof(doc) <> 'object'
       OR doc ->> 'format' IS DISTINCT FROM 'pg_segment scheme 1' THEN
        RAISE EXCEPTION 'not a pg_segment scheme document (format %)', COALESCE(doc ->> 'format', 'missing')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Documents come from segment.export_scheme(); their "format" is "pg_segment scheme 1".';
    END IF;
    PERFORM segment._document_object(doc, 'the document',
        ARRAY['format', 'name', 'description', 'client_table', 'questions', 'parameters', 'levels',
              'groups', 'forced_levels', 'variant_column', 'variants'],
        ARRAY['questions', 'parameters', 'levels', 'groups', 'forced_levels', 'variants']);
END
$fn$;

COMMENT ON FUNCTION segment._document_checked(jsonb) IS
    'internal: the format, keys and lists of a scheme document';

-- Gives scheme scheme_name the configuration of a document: its questions, options and
-- parameters updated where the scheme has them by code (so answers to them stay), added where
-- it has not; its levels, groups, variants, ranges, matches, attachments and forced levels
-- added (a scheme being replaced has none left: _clear_configuration). In the order the
-- steps need: variants before the levels and attachments that name them, the inputs before
-- their variants' attachments, forced levels last, in the document's order (the first
-- defined wins).
CREATE FUNCTION segment._apply_document(scheme_name text, doc jsonb) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    target_id integer := (SELECT s.scheme_id FROM segment.schemes s WHERE s.name = scheme_name);
    q jsonb;
    o jsonb;
    r jsonb;
    p jsonb;
    m jsonb;
    l jsonb;
    g jsonb;
    f jsonb;
    v jsonb;
    i bigint;
    j bigint;
BEGIN
    -- variants and levels first: every later step re-segments the clients it scores (a
    -- parameter scores every client of the table) against the final levels
    FOR v, i IN SELECT * FROM pg_catalog.jsonb_array_elements(COALESCE(doc -> 'variants', '[]'))
                WITH ORDINALITY LOOP
        PERFORM segment._document_object(v, pg_catalog.format('variant %s', i),
            ARRAY['code', 'label', 'column_values', 'items'], ARRAY['column_values', 'items']);
        PERFORM segment.add_variant(scheme_name, v ->> 'code', v ->> 'label',
            ARRAY(SELECT pg_catalog.jsonb_array_elements_text(v -> 'column_values')));
    END LOOP;
    FOR l, i IN SELECT * FROM pg_catalog.jsonb_array_elements(COALESCE(doc -> 'levels', '[]'))
                WITH ORDINALITY LOOP
        PERFORM segment._document_object(l, pg_catalog.format('level %s', i),
            ARRAY['name', 'min_score', 'max_score', 'variant'], '{}');
        PERFORM segment.add_level(scheme_name, l ->> 'name',
            COALESCE((l ->> 'min_score')::numeric, '-Infinity'),
            COALESCE((l ->> 'max_score')::numeric, 'Infinity'), l ->> 'variant');
    END LOOP;
    FOR g, i IN SELECT * FROM pg_catalog.jsonb_array_elements(COALESCE(doc -> 'groups', '[]'))
                WITH ORDINALITY LOOP
        PERFORM segment._document_object(g, pg_catalog.format('group %s', i),
            ARRAY['code', 'min_points', 'max_points'], '{}');
        PERFORM segment.add_group(scheme_name, g ->> 'code', (g ->> 'min_points')::numeric,
            (g ->> 'max_points')::numeric);
    END LOOP;
    FOR q, i IN SELECT * FROM pg_catalog.jsonb_array_elements(COALESCE(doc -> 'questions', '[]'))
                WITH ORDINALITY LOOP
        PERFORM segment._document_object(q, pg_catalog.format('question %s', i),
            ARRAY['code', 'prompt', 'weight', 'position', 'kind', 'required', 'group', 'options',
                  'ranges'],
            ARRAY['options', 'ranges']);
        UPDATE segment.questions qu
        SET prompt = q ->> 'prompt', weight = COALESCE((q ->> 'weight')::numeric, 1),
            position = COALESCE(segment._document_integer(q -> 'position',
                                    pg_catalog.format('the position of question %s', i)), qu.position)
        WHERE qu.scheme_id = target_id AND qu.code = q ->> 'code'
          AND qu.kind = COALESCE(q ->> 'kind', 'single');
        IF NOT FOUND THEN
            -- (a question of another kind with that code is gone already: _clear_configuration)
            PERFORM segment.add_question(scheme_name, q ->> 'code', q ->> 'prompt',
                COALESCE((q ->> 'weight')::numeric, 1),
                segment._document_integer(q -> 'position', pg_catalog.format('the position of question %s', i)),
                COALESCE(q ->> 'kind', 'single'));
        END IF;
        IF (q -> 'required')::boolean THEN
            PERFORM segment.set_required(scheme_name, q ->> 'code', true);
        END IF;
        IF q ->> 'group' IS NOT NULL THEN
            PERFORM segment.set_group(scheme_name, q ->> 'code', q ->> 'group');
        END IF;
        FOR o, j IN SELECT * FROM pg_catalog.jsonb_array_elements(COALESCE(q -> 'options', '[]'))
                    WITH ORDINALITY LOOP
            PERFORM segment._document_object(o, pg_catalog.format('option %s of question %s', j, i),
                ARRAY['code', 'label', 'points', 'position'], '{}');
            UPDATE segment.options op
            SET label = o ->> 'label', points = (o ->> 'points')::numeric,
                position = COALESCE(segment._document_integer(o -> 'position',
                               pg_catalog.format('the position of option %s of question %s', j, i)),
                                    op.position)
            FROM segment.questions qu
            WHERE qu.scheme_id = target_id AND qu.code = q ->> 'code'
              AND op.question_id = qu.question_id AND op.code = o ->> 'code';
            IF NOT FOUND THEN
                PERFORM segment.add_option(scheme_name, q ->> 'code', o ->> 'code', o ->> 'label',
                    (o ->> 'points')::numeric,
                    segment._document_integer(o -> 'position',
                        pg_catalog.format('the position of option %s of question %s', j, i)));
            END IF;
        END LOOP;
        FOR r, j IN SELECT * FROM pg_catalog.jsonb_array_elements(COALESCE(q -> 'ranges', '[]'))
                    WITH ORDINALITY LOOP
            PERFORM segment._document_object(r, pg_catalog.format('range %s of question %s', j, i),
                ARRAY['min_value', 'max_value', 'points'], '{}');
            PERFORM segment.add_range(scheme_name, q ->> 'code',
                COALESCE((r ->> 'min_value')::numeric, '-Infinity'),
                COALESCE((r ->> 'max_value')::numeric, 'Infinity'), (r ->> 'points')::numeric);
        END LOOP;
    END LOOP;
    FOR p, i IN SELECT * FROM pg_catalog.jsonb_array_elements(COALESCE(doc -> 'parameters', '[]'))
                WITH ORDINALITY LOOP
        PERFORM segment._document_object(p, pg_catalog.format('parameter %s', i),
            ARRAY['code', 'label', 'expression', 'weight', 'position', 'required', 'source',
                  'client_column', 'group', 'ranges', 'matches'],
            ARRAY['ranges', 'matches']);
        -- a parameter kept (same expression over the same rows) keeps its definer
        UPDATE segment.parameters pa
        SET label = p ->> 'label', weight = COALESCE((p ->> 'weight')::numeric, 1),
            required = COALESCE((p -> 'required')::boolean, false),
            position = COALESCE(segment._document_integer(p -> 'position',
                                    pg_catalog.format('the position of parameter %s', i)), pa.position)
        WHERE pa.scheme_id = target_id AND pa.code = p ->> 'code';
        IF NOT FOUND THEN
            PERFORM segment.add_parameter(scheme_name, p ->> 'code', p ->> 'label', p ->> 'expression',
                COALESCE((p ->> 'weight')::numeric, 1),
                segment._document_table(p ->> 'source', pg_catalog.format('the source of parameter %s', i)),
                (p ->> 'client_column')::name, COALESCE((p -> 'required')::boolean, false),
                segment._document_integer(p -> 'position', pg_catalog.format('the position of parameter %s', i)));
        END IF;
        FOR r, j IN SELECT * FROM pg_catalog.jsonb_array_elements(COALESCE(p -> 'ranges', '[]'))
                    WITH ORDINALITY LOOP
            PERFORM segment._document_object(r, pg_catalog.format('range %s of parameter %s', j, i),
                ARRAY['min_value', 'max_value', 'points'], '{}');
            PERFORM segment.add_range(scheme_name, p ->> 'code',
                COALESCE((r ->> 'min_value')::numeric, '-Infinity'),
                COALESCE((r ->> 'max_value')::numeric, 'Infinity'), (r ->> 'points')::numeric);
        END LOOP;
        FOR m, j IN SELECT * FROM pg_catalog.jsonb_array_elements(COALESCE(p -> 'matches', '[]'))
                    WITH ORDINALITY LOOP
            PERFORM segment._document_object(m, pg_catalog.format('match %s of parameter %s', j, i),
                ARRAY['value', 'points'], '{}');
            PERFORM segment.add_match(scheme_name, p ->> 'code', m ->> 'value', (m ->> 'points')::numeric);
        END LOOP;
        IF p ->> 'group' IS NOT NULL THEN
            PERFORM segment.set_group(scheme_name, p ->> 'code', p ->> 'group');
        END IF;
    END LOOP;
    -- the variants' inputs, and the column that selects them, once the inputs exist
    FOR v IN SELECT * FROM pg_catalog.jsonb_array_elements(COALESCE(doc -> 'variants', '[]')) LOOP
        PERFORM segment.attach(scheme_name, v ->> 'code', item)
        FROM pg_catalog.jsonb_array_elements_text(COALESCE(v -> 'items', '[]')) AS item;
    END LOOP;
    IF doc ->> 'variant_column' IS NOT NULL THEN
        PERFORM segment.set_variant_column(scheme_name, doc ->> 'variant_column');
    END IF;
    -- forced levels last, in the document's order (the first defined wins): what they name
    -- exists by now
    FOR f, i IN SELECT * FROM pg_catalog.jsonb_array_elements(COALESCE(doc -> 'forced_levels', '[]'))
                WITH ORDINALITY LOOP
        PERFORM segment._document_object(f, pg_catalog.format('forced level %s', i),
            ARRAY['item', 'value', 'level'], '{}');
        PERFORM segment.force_level(scheme_name, f ->> 'item', f ->> 'value', f ->> 'level');
    END LOOP;
END
$fn$;

COMMENT ON FUNCTION segment._apply_document(text, jsonb) IS
    'internal: gives a scheme the configuration of a scheme document';

COMMENT ON FUNCTION segment.export_scheme(text) IS
    'a scheme''s whole configuration (questions, options, ranges, parameters, matches, levels, groups, forced levels, variants) as one JSON document (docs/scheme.schema.json)';
COMMENT ON FUNCTION segment.import_scheme(jsonb, regclass, boolean) IS
    'creates the scheme a segment.export_scheme document describes over a client table, through the administrator''s functions; returns its id';
