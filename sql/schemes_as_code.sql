-- Schemes as code: a scheme's whole configuration as one JSON document, and a scheme created
-- from one. The document's shape (docs/scheme.schema.json): format "pg_segment scheme 1", name,
-- description, client_table, questions (code, prompt, weight, position, kind, options, ranges),
-- parameters (code, label, expression, weight, position, required, source, client_column,
-- ranges, matches) and levels (name, min_score, max_score); open ends of ranges and levels
-- are null. Both run with the caller's rights: export reads the configuration tables, import
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
                       'position', q.position, 'kind', q.kind,
                       'options', COALESCE((
                           SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                      'code', o.code, 'label', o.label, 'points', o.points,
                                      'position', o.position) ORDER BY o.position, o.code)
                           FROM segment.options o WHERE o.question_id = q.question_id), '[]'),
                       'ranges', COALESCE((
                           SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                      'min_value', NULLIF(r.min_value, '-Infinity'),
                                      'max_value', NULLIF(r.max_value, 'Infinity'),
                                      'points', r.points) ORDER BY r.min_value)
                           FROM segment.question_ranges r WHERE r.question_id = q.question_id), '[]'))
                   ORDER BY q.position, q.code)
            FROM segment.questions q WHERE q.scheme_id = s.scheme_id), '[]'),
        'parameters', COALESCE((
            SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                       'code', p.code, 'label', p.label, 'expression', p.expression,
                       'weight', p.weight, 'position', p.position, 'required', p.required,
                       'source', p.source::text, 'client_column', p.client_column,
                       'ranges', COALESCE((
                           SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                      'min_value', NULLIF(r.min_value, '-Infinity'),
                                      'max_value', NULLIF(r.max_value, 'Infinity'),
                                      'points', r.points) ORDER BY r.min_value)
                           FROM segment.parameter_ranges r WHERE r.parameter_id = p.parameter_id), '[]'),
                       'matches', COALESCE((
                           SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                      'value', m.value, 'points', m.points) ORDER BY m.value)
                           FROM segment.parameter_matches m WHERE m.parameter_id = p.parameter_id), '[]'))
                   ORDER BY p.position, p.code)
            FROM segment.parameters p WHERE p.scheme_id = s.scheme_id), '[]'),
        'levels', COALESCE((
            SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                       'name', l.name, 'min_score', NULLIF(l.min_score, '-Infinity'),
                       'max_score', NULLIF(l.max_score, 'Infinity')) ORDER BY l.min_score)
            FROM segment.levels l WHERE l.scheme_id = s.scheme_id), '[]'))
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

-- Creates the scheme a document describes (segment.export_scheme's shape) over client_table
-- (the document's own when NULL), in one transaction: the scheme, its questions with their
-- options and ranges, its parameters with their ranges and matches, and its levels, each
-- through the function an administrator calls, so every check and error is theirs. Returns
-- the new scheme's id. Replacing a live configuration (replace => true) is not built yet.
CREATE FUNCTION segment.import_scheme(doc jsonb, client_table regclass DEFAULT NULL,
                                      replace boolean DEFAULT false) RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    target regclass;
    scheme_name text := doc ->> 'name';
    scheme_id integer;
    q jsonb;
    o jsonb;
    r jsonb;
    p jsonb;
    m jsonb;
    l jsonb;
BEGIN
    IF doc IS NULL OR pg_catalog.jsonb_typeof(doc) <> 'object'
       OR doc ->> 'format' IS DISTINCT FROM 'pg_segment scheme 1' THEN
        RAISE EXCEPTION 'not a pg_segment scheme document (format %)', COALESCE(doc ->> 'format', 'missing')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Documents come from segment.export_scheme(); their "format" is "pg_segment scheme 1".';
    END IF;
    IF replace THEN
        RAISE EXCEPTION 'replacing the configuration of scheme "%" is not supported', scheme_name
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Import it under another name, or drop the scheme with segment.drop_scheme() (its assignments and history go with it) and import it again.';
    END IF;
    target := COALESCE(client_table, (doc ->> 'client_table')::regclass);
    scheme_id := segment.create_scheme(scheme_name, target, doc ->> 'description');
    FOR q IN SELECT * FROM pg_catalog.jsonb_array_elements(COALESCE(doc -> 'questions', '[]')) LOOP
        PERFORM segment.add_question(scheme_name, q ->> 'code', q ->> 'prompt',
            COALESCE((q ->> 'weight')::numeric, 1), (q ->> 'position')::integer,
            COALESCE(q ->> 'kind', 'single'));
        FOR o IN SELECT * FROM pg_catalog.jsonb_array_elements(COALESCE(q -> 'options', '[]')) LOOP
            PERFORM segment.add_option(scheme_name, q ->> 'code', o ->> 'code', o ->> 'label',
                (o ->> 'points')::numeric, (o ->> 'position')::integer);
        END LOOP;
        FOR r IN SELECT * FROM pg_catalog.jsonb_array_elements(COALESCE(q -> 'ranges', '[]')) LOOP
            PERFORM segment.add_range(scheme_name, q ->> 'code',
                COALESCE((r ->> 'min_value')::numeric, '-Infinity'),
                COALESCE((r ->> 'max_value')::numeric, 'Infinity'), (r ->> 'points')::numeric);
        END LOOP;
    END LOOP;
    FOR p IN SELECT * FROM pg_catalog.jsonb_array_elements(COALESCE(doc -> 'parameters', '[]')) LOOP
        PERFORM segment.add_parameter(scheme_name, p ->> 'code', p ->> 'label', p ->> 'expression',
            COALESCE((p ->> 'weight')::numeric, 1), (p ->> 'source')::regclass,
            (p ->> 'client_column')::name, COALESCE((p ->> 'required')::boolean, false),
            (p ->> 'position')::integer);
        FOR r IN SELECT * FROM pg_catalog.jsonb_array_elements(COALESCE(p -> 'ranges', '[]')) LOOP
            PERFORM segment.add_range(scheme_name, p ->> 'code',
                COALESCE((r ->> 'min_value')::numeric, '-Infinity'),
                COALESCE((r ->> 'max_value')::numeric, 'Infinity'), (r ->> 'points')::numeric);
        END LOOP;
        FOR m IN SELECT * FROM pg_catalog.jsonb_array_elements(COALESCE(p -> 'matches', '[]')) LOOP
            PERFORM segment.add_match(scheme_name, p ->> 'code', m ->> 'value', (m ->> 'points')::numeric);
        END LOOP;
    END LOOP;
    FOR l IN SELECT * FROM pg_catalog.jsonb_array_elements(COALESCE(doc -> 'levels', '[]')) LOOP
        PERFORM segment.add_level(scheme_name, l ->> 'name',
            COALESCE((l ->> 'min_score')::numeric, '-Infinity'),
            COALESCE((l ->> 'max_score')::numeric, 'Infinity'));
    END LOOP;
    RETURN scheme_id;
END
$fn$;

COMMENT ON FUNCTION segment.export_scheme(text) IS
    'a scheme''s whole configuration (questions, options, ranges, parameters, matches, levels) as one JSON document (docs/scheme.schema.json)';
COMMENT ON FUNCTION segment.import_scheme(jsonb, regclass, boolean) IS
    'creates the scheme a segment.export_scheme document describes over a client table, through the administrator''s functions; returns its id';
