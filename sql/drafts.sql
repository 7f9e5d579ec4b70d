-- Drafts: a copy of a scheme's configuration that administrators edit with the same functions
-- and plain SQL as a live scheme, but that scores nobody (src/triggers/config.rs skips it, the
-- compiled configuration and the answers trigger leave it out), until segment.publish() makes
-- it the live configuration in one transaction. A draft is a row of segment.schemes whose
-- draft_of names the live scheme; one per scheme (schemes_draft_of_key). Answers written to a
-- draft's questions are kept with the draft but never scored; they go when it goes.

-- Empties a scheme's configuration down to what a scheme document keeps by code: the
-- questions (same code and kind), their options (same code) and the parameters (same code,
-- expression, source and client column) that doc has too stay, with their ids and so their
-- answers; everything else (levels, groups, variants, ranges, matches, attachments, forced
-- levels, requirements and group memberships) goes, to be added again from doc by
-- segment._apply_document. Runs inside segment._publish_document, which keeps the trigger of
-- each statement from re-segmenting the scheme.
CREATE FUNCTION segment._clear_configuration(target_id integer, doc jsonb) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    DELETE FROM segment.forced_levels WHERE scheme_id = target_id;
    DELETE FROM segment.variant_items vi USING segment.variants v
    WHERE v.variant_id = vi.variant_id AND v.scheme_id = target_id;
    DELETE FROM segment.variant_columns WHERE scheme_id = target_id;
    DELETE FROM segment.question_ranges r USING segment.questions q
    WHERE q.question_id = r.question_id AND q.scheme_id = target_id;
    DELETE FROM segment.parameter_ranges r USING segment.parameters p
    WHERE p.parameter_id = r.parameter_id AND p.scheme_id = target_id;
    DELETE FROM segment.parameter_matches m USING segment.parameters p
    WHERE p.parameter_id = m.parameter_id AND p.scheme_id = target_id;
    UPDATE segment.questions SET group_id = NULL, required = false
    WHERE scheme_id = target_id AND (group_id IS NOT NULL OR required);
    UPDATE segment.parameters SET group_id = NULL
    WHERE scheme_id = target_id AND group_id IS NOT NULL;
    DELETE FROM segment.levels WHERE scheme_id = target_id;
    DELETE FROM segment.groups WHERE scheme_id = target_id;
    DELETE FROM segment.variants WHERE scheme_id = target_id;
    DELETE FROM segment.questions q
    WHERE q.scheme_id = target_id
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements(COALESCE(doc -> 'questions', '[]')) d
                      WHERE d ->> 'code' = q.code AND COALESCE(d ->> 'kind', 'single') = q.kind);
    DELETE FROM segment.options o USING segment.questions q
    WHERE q.question_id = o.question_id AND q.scheme_id = target_id
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements(COALESCE(doc -> 'questions', '[]')) d
                      CROSS JOIN LATERAL pg_catalog.jsonb_array_elements(COALESCE(d -> 'options', '[]')) od
                      WHERE d ->> 'code' = q.code AND od ->> 'code' = o.code);
    DELETE FROM segment.parameters p
    WHERE p.scheme_id = target_id
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements(COALESCE(doc -> 'parameters', '[]')) d
                      WHERE d ->> 'code' = p.code AND d ->> 'expression' = p.expression
                        AND d ->> 'source' IS NOT DISTINCT FROM p.source::text
                        AND d ->> 'client_column' IS NOT DISTINCT FROM p.client_column::text);
END
$fn$;

COMMENT ON FUNCTION segment._clear_configuration(integer, jsonb) IS
    'internal: empties a scheme''s configuration down to the inputs a scheme document keeps by code';

-- The draft named draft_name, locked (FOR UPDATE: one publish or discard at a time); 42704 if
-- there is no such scheme, 55000 if it is a live scheme.
CREATE FUNCTION segment._draft(draft_name text) RETURNS segment.schemes
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    d segment.schemes;
BEGIN
    IF draft_name IS NULL THEN
        RAISE EXCEPTION 'draft must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO d FROM segment.schemes s WHERE s.name = draft_name FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'draft "%" does not exist', draft_name
            USING ERRCODE = 'undefined_object',
                  HINT = 'segment.create_draft(scheme) makes one; segment.schemes lists drafts where draft_of is set.';
    END IF;
    IF d.draft_of IS NULL THEN
        RAISE EXCEPTION 'scheme "%" is live, not a draft', draft_name
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = pg_catalog.format('segment.create_draft(%L) makes a draft of it.', draft_name);
    END IF;
    RETURN d;
END
$fn$;

COMMENT ON FUNCTION segment._draft(text) IS 'internal: a draft by name, locked';

CREATE FUNCTION segment.create_draft(scheme text) RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    live segment.schemes;
    draft_name text;
BEGIN
    IF scheme IS NULL THEN
        RAISE EXCEPTION 'scheme must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- the live row locked: a publish or another create_draft of the scheme waits
    SELECT * INTO live FROM segment.schemes s WHERE s.name = scheme FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'scheme "%" does not exist', scheme
            USING ERRCODE = 'undefined_object',
                  HINT = 'segment.schemes lists the schemes.';
    END IF;
    IF live.draft_of IS NOT NULL THEN
        RAISE EXCEPTION 'scheme "%" is a draft already', scheme
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Edit the draft itself, then segment.publish() or segment.discard() it.';
    END IF;
    SELECT s.name INTO draft_name FROM segment.schemes s WHERE s.draft_of = live.scheme_id;
    IF FOUND THEN
        RAISE EXCEPTION 'scheme "%" has an open draft "%"', scheme, draft_name
            USING ERRCODE = 'duplicate_object',
                  HINT = pg_catalog.format('Publish it with segment.publish(%L) or drop it with segment.discard(%L) first.',
                                           draft_name, draft_name);
    END IF;
    draft_name := scheme || '@draft';
    IF EXISTS (SELECT 1 FROM segment.schemes s WHERE s.name = draft_name) THEN
        RAISE EXCEPTION 'a scheme named "%" exists already', draft_name
            USING ERRCODE = 'duplicate_object',
                  HINT = 'A draft of a scheme is named <scheme>@draft; rename that scheme first.';
    END IF;
    INSERT INTO segment.schemes (name, entity_id, description, draft_of)
    VALUES (draft_name, live.entity_id, live.description, live.scheme_id);
    PERFORM segment._apply_document(draft_name, segment.export_scheme(scheme));
    RETURN draft_name;
END
$fn$;

CREATE FUNCTION segment.discard(draft text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    d segment.schemes := segment._draft(draft);
BEGIN
    DELETE FROM segment.schemes s WHERE s.scheme_id = d.scheme_id;
END
$fn$;

CREATE FUNCTION segment.publish(draft text) RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    d segment.schemes := segment._draft(draft);
    moved bigint;
BEGIN
    moved := segment._publish_document(
        (SELECT s.name FROM segment.schemes s WHERE s.scheme_id = d.draft_of),
        segment.export_scheme(draft)::text);
    DELETE FROM segment.schemes s WHERE s.scheme_id = d.scheme_id;
    RETURN moved;
END
$fn$;

COMMENT ON FUNCTION segment.create_draft(text) IS
    'copies a live scheme''s whole configuration into a draft named <scheme>@draft (one per scheme), edited like a scheme but scoring nobody; returns its name';
COMMENT ON FUNCTION segment.discard(text) IS
    'drops a draft and everything it holds';
COMMENT ON FUNCTION segment.publish(text) IS
    'makes a draft the live configuration of its scheme (same id and name, version bumped), re-segments every client with history cause publish, drops the draft; returns how many clients changed segment';
