-- The privilege model. Three kinds of roles use pg_segment:
--   writer: writes answers (plain SQL, COPY, segment.answer) and reads results;
--   reader: reads configuration, answers, assignments and history;
--   admin:  edits configuration (schemes, questions, options, levels) and reads results.
-- None of them can write assignments or history: the triggers write those as the owner of
-- the client table (src/security.rs). segment.grant_writer/reader/admin grant exactly what a
-- kind needs, on the tables that exist and, through segment.role_grants, on those that later
-- schemes create.

CREATE TABLE segment.role_grants (
    role_name  regrole NOT NULL,
    kind       text NOT NULL CONSTRAINT role_grants_kind CHECK (kind IN ('writer', 'reader', 'admin')),
    granted_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (role_name, kind)
);
SELECT pg_catalog.pg_extension_config_dump('segment.role_grants', '');

COMMENT ON TABLE segment.role_grants IS
    'roles given pg_segment rights with grant_writer, grant_reader or grant_admin; later schemes grant them the same on their new tables';

-- Refuses a NULL or dropped role with a clear error (rather than a failing GRANT).
CREATE FUNCTION segment._existing_role(role_name regrole) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF role_name IS NULL THEN
        RAISE EXCEPTION 'role_name must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.oid = role_name) THEN
        RAISE EXCEPTION 'role with OID % does not exist', role_name::oid USING ERRCODE = 'undefined_object';
    END IF;
END
$fn$;

-- What a kind needs on one entity's tables.
CREATE FUNCTION segment._grant_entity(role_name regrole, kind text, entity_id integer)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    e segment.entities;
BEGIN
    SELECT * INTO STRICT e FROM segment.entities WHERE entities.entity_id = _grant_entity.entity_id;
    -- (picks_table is NULL only in a table bound before 0.2.0 until repair_bound_tables)
    IF kind = 'writer' THEN
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO %s',
                       concat_ws(', ', e.answers_table, e.picks_table), role_name);
    ELSE
        EXECUTE format('GRANT SELECT ON %s TO %s',
                       concat_ws(', ', e.answers_table, e.picks_table), role_name);
    END IF;
    EXECUTE format('GRANT SELECT ON %s, %s TO %s', e.assignments_table, e.history_table, role_name);
END
$fn$;

-- What a kind needs on schema segment and the configuration.
CREATE FUNCTION segment._grant_configuration(role_name regrole, kind text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA segment TO %s', role_name);
    EXECUTE format('GRANT SELECT ON segment.entities, segment.schemes, segment.questions, '
                   'segment.options, segment.levels, segment.answer_options, segment.parameters, '
                   'segment.parameter_ranges, segment.parameter_matches, segment.question_ranges, '
                   'segment.groups, segment.forced_levels, segment.variant_columns, '
                   'segment.variants, segment.variant_items, segment.notifications TO %s',
                   role_name);
    IF kind = 'admin' THEN
        EXECUTE format('GRANT INSERT, UPDATE, DELETE, TRUNCATE ON segment.schemes, segment.questions, '
                       'segment.options, segment.levels, segment.parameters, '
                       'segment.parameter_ranges, segment.parameter_matches, segment.question_ranges, '
                       'segment.groups, segment.forced_levels, segment.variant_columns, '
                       'segment.variants, segment.variant_items, segment.notifications TO %s',
                       role_name);
        EXECUTE format('GRANT USAGE ON SEQUENCE segment.schemes_scheme_id_seq, '
                       'segment.questions_question_id_seq, segment.options_option_id_seq, '
                       'segment.levels_level_id_seq, segment.parameters_parameter_id_seq, '
                       'segment.parameter_ranges_range_id_seq, '
                       'segment.parameter_matches_match_id_seq, '
                       'segment.question_ranges_range_id_seq, segment.groups_group_id_seq, '
                       'segment.forced_levels_rule_id_seq, segment.variants_variant_id_seq '
                       'TO %s', role_name);
    END IF;
END
$fn$;

-- The owner whose rights maintenance runs with (src/security.rs) reads the configuration; a
-- superuser needs no grant.
CREATE FUNCTION segment._grant_maintainer(owner regrole)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.oid = owner) THEN
        PERFORM segment._grant_configuration(owner, 'reader');
    END IF;
END
$fn$;

CREATE FUNCTION segment._grant_role(role_name regrole, kind text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    -- serializes with bindings of new client tables (segment._grant_new_entity): one of the two
    -- then sees the other's committed row, so no role misses a table
    PERFORM segment._existing_role(role_name);
    LOCK TABLE segment.role_grants IN SHARE ROW EXCLUSIVE MODE;
    INSERT INTO segment.role_grants (role_name, kind) VALUES (role_name, kind)
    ON CONFLICT ON CONSTRAINT role_grants_pkey DO NOTHING;
    PERFORM segment._grant_configuration(role_name, kind);
    PERFORM segment._grant_entity(role_name, kind, e.entity_id)
    FROM segment.entities e ORDER BY e.entity_id;
END
$fn$;

CREATE FUNCTION segment.grant_writer(role_name regrole) RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT segment._grant_role(role_name, 'writer');
END;

CREATE FUNCTION segment.grant_reader(role_name regrole) RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT segment._grant_role(role_name, 'reader');
END;

CREATE FUNCTION segment.grant_admin(role_name regrole) RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT segment._grant_role(role_name, 'admin');
END;

-- Takes back everything the grant functions gave a role, and forgets it (run it before
-- DROP ROLE: a dropped role would otherwise stay recorded).
CREATE FUNCTION segment.revoke_role(role_name regrole)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    e segment.entities;
BEGIN
    PERFORM segment._existing_role(role_name);
    FOR e IN SELECT * FROM segment.entities ORDER BY entity_id LOOP
        EXECUTE format('REVOKE ALL ON %s FROM %s',
                       concat_ws(', ', e.answers_table, e.picks_table, e.assignments_table,
                                 e.history_table), role_name);
    END LOOP;
    EXECUTE format('REVOKE ALL ON segment.entities, segment.schemes, segment.questions, '
                   'segment.options, segment.levels, segment.answer_options, segment.role_grants, '
                   'segment.parameters, segment.parameter_ranges, segment.parameter_matches, '
                   'segment.question_ranges, segment.groups, segment.forced_levels, '
                   'segment.variant_columns, segment.variants, segment.variant_items, '
                   'segment.notifications FROM %s', role_name);
    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA segment FROM %s', role_name);
    EXECUTE format('REVOKE ALL ON SCHEMA segment FROM %s', role_name);
    DELETE FROM segment.role_grants r WHERE r.role_name = revoke_role.role_name;
END
$fn$;

-- Called when a scheme binds a new client table (segment._create_entity_relations): the
-- table's owner, whose rights maintenance runs with, reads the configuration; every role
-- granted a kind gets its rights on the new tables.
CREATE FUNCTION segment._grant_new_entity(entity_id integer)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    g record;
BEGIN
    LOCK TABLE segment.role_grants IN SHARE ROW EXCLUSIVE MODE; -- see segment._grant_role
    FOR g IN
        SELECT r.role_name, r.kind FROM segment.role_grants r
        WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_roles a WHERE a.oid = r.role_name)
        ORDER BY r.role_name::oid, r.kind
    LOOP
        PERFORM segment._grant_entity(g.role_name, g.kind, entity_id);
    END LOOP;
END
$fn$;

REVOKE ALL ON FUNCTION segment._existing_role(regrole), segment._grant_entity(regrole, text, integer),
    segment._grant_maintainer(regrole),
    segment._grant_configuration(regrole, text), segment._grant_role(regrole, text),
    segment._grant_new_entity(integer), segment.grant_writer(regrole),
    segment.grant_reader(regrole), segment.grant_admin(regrole),
    segment.revoke_role(regrole) FROM PUBLIC;

COMMENT ON FUNCTION segment.grant_writer(regrole) IS
    'lets a role write answers (plain SQL, COPY, segment.answer) and read results, on every client table now and later';
COMMENT ON FUNCTION segment.grant_reader(regrole) IS
    'lets a role read configuration, answers, assignments and history, on every client table now and later';
COMMENT ON FUNCTION segment.grant_admin(regrole) IS
    'lets a role edit configuration (schemes, questions, options, levels, parameters) and read results, on every client table now and later';
COMMENT ON FUNCTION segment.revoke_role(regrole) IS
    'takes back every right the grant functions gave a role and forgets it; run it before DROP ROLE';
COMMENT ON FUNCTION segment._existing_role(regrole) IS
    'internal: refuses a NULL or dropped role';
COMMENT ON FUNCTION segment._grant_entity(regrole, text, integer) IS
    'internal: grants a kind of role its rights on one client table''s answers, assignments and history';
COMMENT ON FUNCTION segment._grant_configuration(regrole, text) IS
    'internal: grants a kind of role its rights on schema segment and the configuration';
COMMENT ON FUNCTION segment._grant_maintainer(regrole) IS
    'internal: lets the owner maintenance runs as read the configuration';
COMMENT ON FUNCTION segment._grant_role(regrole, text) IS
    'internal: records a role''s kind and grants its rights everywhere';
COMMENT ON FUNCTION segment._grant_new_entity(integer) IS
    'internal: grants every recorded role its rights on a newly bound client table';
