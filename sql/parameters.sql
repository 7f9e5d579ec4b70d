-- Parameters: what the configuration tables accept, and the triggers on client tables that
-- re-score a client when a column a parameter reads changes. The API (add_parameter,
-- add_range, add_match, drop_parameter) is in src/api/parameters.rs; these functions hold for
-- plain SQL on the tables too.

-- Before a parameter row is written: its expression is checked and re-printed over the
-- scheme's client table, or over its source (src/store/expressions.rs), and tried as its
-- definer on zero rows, so
-- unknown columns, missing rights, subqueries and volatile functions are refused now, and
-- what is stored is PostgreSQL's own print of it. The definer is the writing role (or a role
-- it is a member of, named explicitly); value_type and columns always come from the check.
-- While pg_restore loads the tables (the answers triggers are not there yet) rows are kept as
-- dumped: the definer's grants come back only after the data.
CREATE FUNCTION segment._parameter_written() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    e segment.entities;
    checked record;
BEGIN
    SELECT en.* INTO e FROM segment.schemes s JOIN segment.entities en ON en.entity_id = s.entity_id
    WHERE s.scheme_id = NEW.scheme_id;
    IF NOT FOUND THEN
        RETURN NEW; -- the foreign key refuses it
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
                   WHERE t.tgrelid = e.answers_table AND t.tgname = 'segment_answers_insert') THEN
        -- restoring a dump: kept as dumped, as long as the writer may act as the definer (the
        -- restoring superuser may; the definer's grants, restored after the data, cannot be
        -- checked yet)
        IF NEW.definer IS NULL OR NOT pg_catalog.pg_has_role(NEW.definer, 'USAGE') THEN
            RAISE EXCEPTION 'permission denied to define a parameter as role %', NEW.definer
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    IF EXISTS (SELECT 1 FROM segment.questions q WHERE q.scheme_id = NEW.scheme_id AND q.code = NEW.code) THEN
        RAISE EXCEPTION 'question or parameter "%" already exists in scheme "%"', NEW.code,
                (SELECT s.name FROM segment.schemes s WHERE s.scheme_id = NEW.scheme_id)
            USING ERRCODE = 'unique_violation',
                  HINT = 'Codes are unique among a scheme''s questions and parameters.';
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.expression IS NOT DISTINCT FROM OLD.expression
       AND NEW.scheme_id = OLD.scheme_id AND NEW.definer IS NOT DISTINCT FROM OLD.definer
       AND NEW.source IS NOT DISTINCT FROM OLD.source
       AND NEW.client_column IS NOT DISTINCT FROM OLD.client_column THEN
        NEW.value_type := OLD.value_type;
        NEW.columns := OLD.columns;
        RETURN NEW;
    END IF;
    IF NOT pg_catalog.has_table_privilege(e.client_table, 'TRIGGER') THEN
        RAISE EXCEPTION 'permission denied to add a parameter over table %', e.client_table
            USING ERRCODE = 'insufficient_privilege',
                  HINT = pg_catalog.format('A parameter attaches a trigger to the client table; ask its owner to GRANT TRIGGER ON %s to the role defining it.', e.client_table);
    END IF;
    IF NEW.source IS NOT NULL AND NOT pg_catalog.has_table_privilege(NEW.source, 'TRIGGER') THEN
        RAISE EXCEPTION 'permission denied to add a parameter over table %', NEW.source
            USING ERRCODE = 'insufficient_privilege',
                  HINT = pg_catalog.format('A parameter over a related table attaches triggers to it; ask its owner to GRANT TRIGGER ON %s to the role defining it.', NEW.source);
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.definer IS NOT DISTINCT FROM OLD.definer THEN
        NEW.definer := NULL; -- a new expression is evaluated with the rights of who wrote it
    END IF;
    IF NEW.definer IS NULL THEN
        NEW.definer := pg_catalog.current_user()::regrole;
    ELSIF NOT pg_catalog.pg_has_role(NEW.definer, 'USAGE') THEN
        RAISE EXCEPTION 'permission denied to define a parameter as role %', NEW.definer
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'A parameter is evaluated with the rights of its definer: the writing role, or a role it may use.';
    END IF;
    SELECT * INTO STRICT checked FROM segment._checked_expression(
        e.client_table, NEW.expression, NEW.definer, NEW.source, NEW.client_column);
    NEW.expression := checked.expression;
    NEW.value_type := checked.value_type;
    NEW.columns := checked.columns;
    RETURN NEW;
END
$fn$;

-- The numeric types a parameter must return to be mapped by ranges.
CREATE FUNCTION segment._numeric_type(value_type regtype) RETURNS boolean
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
RETURN value_type IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype,
                      'numeric'::regtype, 'real'::regtype, 'double precision'::regtype);

-- Before a range is written: only a numeric parameter has ranges (42804). The parameter's row
-- is locked, so two writers of ranges of one parameter check their overlaps
-- (segment._ranges_disjoint) one after the other.
CREATE FUNCTION segment._parameter_range_written() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    p segment.parameters;
BEGIN
    SELECT * INTO p FROM segment.parameters WHERE parameter_id = NEW.parameter_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NEW; -- the foreign key refuses it
    END IF;
    IF NOT segment._numeric_type(p.value_type) THEN
        RAISE EXCEPTION 'parameter "%" returns %, not a number: it cannot have ranges', p.code, p.value_type
            USING ERRCODE = 'datatype_mismatch',
                  HINT = 'Map its values with segment.add_match(), or define the parameter with an expression that returns a number.';
    END IF;
    RETURN NEW;
END
$fn$;

-- After a statement that wrote ranges (of parameters, segment.parameter_ranges, or of number
-- questions, segment.question_ranges): no two ranges of a parameter or question it wrote
-- overlap (23P01). Checked once every row is written, so a statement whose result is disjoint
-- passes even when a row taken alone would overlap one not yet moved (shifting every range,
-- moving a shared boundary).
CREATE FUNCTION segment._ranges_disjoint() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    item text := CASE TG_TABLE_NAME WHEN 'question_ranges' THEN 'question' ELSE 'parameter' END;
    clash record;
BEGIN
    EXECUTE pg_catalog.format($q$
        SELECT i.code, w.min_value AS w_min, w.max_value AS w_max,
               o.min_value AS o_min, o.max_value AS o_max
        FROM segment_new_rows n
        JOIN segment.%1$I w ON w.range_id = n.range_id
        JOIN segment.%1$I o ON o.%2$I = w.%2$I AND o.range_id <> w.range_id
             AND o.min_value < w.max_value AND w.min_value < o.max_value
        JOIN segment.%3$I i ON i.%2$I = w.%2$I
        ORDER BY i.code, w.min_value, o.min_value LIMIT 1$q$,
        TG_TABLE_NAME, item || '_id', item || 's') INTO clash;
    IF clash.code IS NOT NULL THEN
        RAISE EXCEPTION 'range [%, %) overlaps range [%, %) of % "%"',
                clash.w_min, clash.w_max, clash.o_min, clash.o_max, item, clash.code
            USING ERRCODE = 'exclusion_violation',
                  HINT = 'Ranges are [min_value, max_value); make them disjoint.';
    END IF;
    RETURN NULL;
END
$fn$;

-- The text a parameter's value is compared in, for a match or forced level written as value:
-- an integer or numeric parameter's is the number without trailing zeros (NaN and Infinity as
-- numeric prints them), whatever its column's scale (a numeric(10,2) 3 is '3'); an integer
-- parameter's must be a whole number its type can hold. Other parameters' values stay as they
-- are. 22023 for a value that can never be the parameter's.
CREATE FUNCTION segment._parameter_value_text(parameter integer, value text) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    p segment.parameters;
    number numeric;
BEGIN
    SELECT * INTO p FROM segment.parameters WHERE parameter_id = parameter;
    IF NOT FOUND OR p.value_type NOT IN ('smallint'::pg_catalog.regtype, 'integer'::pg_catalog.regtype,
                                         'bigint'::pg_catalog.regtype, 'numeric'::pg_catalog.regtype) THEN
        RETURN value;
    END IF;
    BEGIN
        number := value::numeric;
    EXCEPTION WHEN invalid_text_representation OR numeric_value_out_of_range THEN
        RAISE EXCEPTION 'parameter "%" is a number (%): the value to compare it with must be a number, not "%"',
                p.code, p.value_type, value
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A number parameter''s value is compared as the number without trailing zeros: 3.00 is 3.';
    END;
    IF p.value_type <> 'numeric'::pg_catalog.regtype THEN
        BEGIN
            IF number IN ('NaN', 'Infinity', '-Infinity') OR number <> pg_catalog.trunc(number) THEN
                RAISE numeric_value_out_of_range;
            END IF;
            PERFORM CASE p.value_type WHEN 'smallint'::pg_catalog.regtype THEN number::smallint::numeric
                                      WHEN 'integer'::pg_catalog.regtype THEN number::integer::numeric
                                      ELSE number::bigint::numeric END;
        EXCEPTION WHEN numeric_value_out_of_range THEN
            RAISE EXCEPTION 'parameter "%" is an integer (%): "%" is no value it can take', p.code, p.value_type, value
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Give a whole number within the range of the parameter''s type.';
        END;
    END IF;
    RETURN pg_catalog.trim_scale(number)::text;
END
$fn$;

COMMENT ON FUNCTION segment._parameter_value_text(integer, text) IS
    'internal: the text form a match or forced level of a parameter is stored and compared in (a number parameter''s: the number without trailing zeros)';

-- Before a match or a forced level of a parameter is written: its value as the parameter's
-- value is compared (segment._parameter_value_text).
CREATE FUNCTION segment._parameter_value_written() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF NEW.parameter_id IS NOT NULL THEN
        NEW.value := segment._parameter_value_text(NEW.parameter_id, NEW.value);
    END IF;
    RETURN NEW;
END
$fn$;

COMMENT ON FUNCTION segment._parameter_value_written() IS
    'internal: checks and normalizes the value a match or forced level compares a number parameter''s value with';

-- After a parameter's value type changed (its expression did): its matches and forced levels
-- are written again through their checks, into the new type's text form (22023, and the
-- change refused, for one that can never be a value of the new type).
CREATE FUNCTION segment._parameter_type_changed() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    UPDATE segment.parameter_matches SET value = value WHERE parameter_id = NEW.parameter_id;
    UPDATE segment.forced_levels SET value = value WHERE parameter_id = NEW.parameter_id;
    RETURN NULL;
END
$fn$;

COMMENT ON FUNCTION segment._parameter_type_changed() IS
    'internal: writes a parameter''s matches and forced levels again after its value type changed';

-- Before a range or a match of a parameter is written or deleted (TRUNCATE included): the caller may read every
-- column the parameter's value comes from (42501 otherwise), as segment.explain shows the value
-- only to such a caller. Points are what a score shows of a value; a role that could set ranges
-- at will could narrow them until a client's score gave its value away.
CREATE FUNCTION segment._parameter_points_authorized() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    targets integer[];
    target integer;
    p segment.parameters;
    read_from regclass;
    hidden name;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        -- (a statement trigger: every parameter that has points in the table)
        targets := CASE TG_TABLE_NAME
            WHEN 'parameter_ranges' THEN
                ARRAY(SELECT DISTINCT r.parameter_id FROM segment.parameter_ranges r ORDER BY 1)
            ELSE ARRAY(SELECT DISTINCT m.parameter_id FROM segment.parameter_matches m ORDER BY 1)
            END;
    ELSE
        targets := ARRAY[CASE WHEN TG_OP <> 'INSERT' THEN OLD.parameter_id END,
                         CASE WHEN TG_OP <> 'DELETE' THEN NEW.parameter_id END];
    END IF;
    FOREACH target IN ARRAY targets LOOP
        SELECT * INTO p FROM segment.parameters WHERE parameter_id = target;
        CONTINUE WHEN NOT FOUND; -- a parameter deleted with its points, or the foreign key's
        read_from := COALESCE(p.source, (SELECT e.client_table FROM segment.entities e
                                         JOIN segment.schemes s ON s.entity_id = e.entity_id
                                         WHERE s.scheme_id = p.scheme_id));
        SELECT c INTO hidden
        FROM pg_catalog.unnest(pg_catalog.array_remove(p.columns || p.client_column, NULL)) AS c
        WHERE NOT pg_catalog.has_column_privilege(read_from, c, 'SELECT')
        ORDER BY c LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'permission denied to change the points of parameter "%": its value comes from column % of %, which you may not read',
                    p.code, pg_catalog.quote_ident(hidden), read_from
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'Points narrowed at will would show the value itself; ask a role that may read that column (its definer, say) to change them.';
        END IF;
    END LOOP;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$fn$;

-- Keeps a client table's parameter triggers in step with the parameters of its schemes: an
-- INSERT of clients is scored once per statement (transition table); an UPDATE that changes a
-- column some client-row parameter reads re-scores the client. The update trigger has no
-- column list but a WHEN clause comparing those columns' old and new values: UPDATE OF would
-- miss a column a BEFORE trigger of the table changes, and the WHEN clause, evaluated by the
-- executor without calling any function of pg_segment's, costs an UPDATE of other columns
-- next to nothing. Columns are compared with IS DISTINCT FROM where equal values always print
-- alike (integers, booleans, dates, uuids), and in text form, byte by byte, otherwise: a
-- parameter sees a value's text (numeric 1.0 and 1.00 are equal but match differently; under
-- a case-insensitive collation 'NORTH' and 'north' are equal but match differently), and a type
-- such as json, or one whose equality operator lives outside pg_catalog, has no operator here. Each trigger is replaced only when what it watches changes, with
-- a bounded wait for the table's lock. Runs as the extension's owner (the writer of the
-- parameter was checked for TRIGGER on the table by segment._parameter_written). Skipped
-- while the answers triggers are missing (pg_restore creates the dumped triggers itself,
-- after the data).
CREATE FUNCTION segment._sync_parameter_triggers(entity_id integer) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET lock_timeout = '10s'
AS $fn$
DECLARE
    e segment.entities;
    any_parameter boolean;
    wanted name[];
    present name[];
    update_trigger oid;
    insert_present boolean;
BEGIN
    SELECT * INTO e FROM segment.entities en WHERE en.entity_id = _sync_parameter_triggers.entity_id;
    IF NOT FOUND OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = e.client_table)
       OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
                      WHERE t.tgrelid = e.answers_table AND t.tgname = 'segment_answers_insert') THEN
        RETURN;
    END IF;
    -- (drafts score nobody: their parameters and variant columns need no trigger)
    any_parameter := EXISTS (SELECT 1 FROM segment.parameters p
                             JOIN segment.schemes s ON s.scheme_id = p.scheme_id
                             WHERE s.entity_id = e.entity_id AND s.draft_of IS NULL);
    -- the columns client-row parameters read, and the columns that select variants
    SELECT pg_catalog.array_agg(DISTINCT c.name ORDER BY c.name) INTO wanted
    FROM (SELECT c.name
          FROM segment.parameters p JOIN segment.schemes s ON s.scheme_id = p.scheme_id,
               pg_catalog.unnest(p.columns) AS c(name)
          WHERE s.entity_id = e.entity_id AND p.source IS NULL AND s.draft_of IS NULL
          UNION ALL
          SELECT v.column_name
          FROM segment.variant_columns v JOIN segment.schemes s ON s.scheme_id = v.scheme_id
          WHERE s.entity_id = e.entity_id AND s.draft_of IS NULL) c;
    insert_present := EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
                              WHERE t.tgrelid = e.client_table AND t.tgname = 'pg_segment_params_insert');
    update_trigger := (SELECT t.oid FROM pg_catalog.pg_trigger t
                       WHERE t.tgrelid = e.client_table AND t.tgname = 'pg_segment_params_update');
    -- the columns the present update trigger's WHEN clause reads (recorded as dependencies)
    SELECT pg_catalog.array_agg(DISTINCT a.attname ORDER BY a.attname) INTO present
    FROM pg_catalog.pg_depend d
    JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
    WHERE d.classid = 'pg_catalog.pg_trigger'::regclass AND d.objid = update_trigger
      AND d.refobjid = e.client_table AND d.refobjsubid > 0;
    IF insert_present AND NOT any_parameter THEN
        EXECUTE pg_catalog.format('DROP TRIGGER pg_segment_params_insert ON %s', e.client_table);
    ELSIF any_parameter AND NOT insert_present THEN
        EXECUTE pg_catalog.format($ddl$
            CREATE TRIGGER pg_segment_params_insert AFTER INSERT ON %s
            REFERENCING NEW TABLE AS segment_new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION segment._client_parameters_changed()$ddl$,
            e.client_table);
    END IF;
    IF update_trigger IS NOT NULL AND wanted IS NOT DISTINCT FROM present THEN
        RETURN; -- in step already
    END IF;
    IF update_trigger IS NOT NULL THEN
        EXECUTE pg_catalog.format('DROP TRIGGER pg_segment_params_update ON %s', e.client_table);
    END IF;
    IF wanted IS NOT NULL THEN
        EXECUTE pg_catalog.format($ddl$
            CREATE TRIGGER pg_segment_params_update AFTER UPDATE ON %1$s
            FOR EACH ROW WHEN (%2$s)
            EXECUTE FUNCTION segment._client_parameters_changed()$ddl$,
            e.client_table,
            (SELECT pg_catalog.string_agg(
                        CASE WHEN COALESCE(NULLIF(t.typbasetype, 0), t.oid) IN (
                                      'smallint'::regtype, 'integer'::regtype, 'bigint'::regtype,
                                      'boolean'::regtype, 'date'::regtype, 'uuid'::regtype)
                             THEN pg_catalog.format('OLD.%1$I IS DISTINCT FROM NEW.%1$I', a.attname)
                             -- text forms compared byte by byte, as values are matched: under
                             -- a case-insensitive collation 'NORTH' to 'north' is a change too
                             ELSE pg_catalog.format(
                                      'OLD.%1$I::text COLLATE "C" IS DISTINCT FROM NEW.%1$I::text COLLATE "C"',
                                      a.attname)
                        END, ' OR ' ORDER BY a.attname)
             FROM pg_catalog.unnest(wanted) AS c(name)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = e.client_table AND a.attname = c.name
             JOIN pg_catalog.pg_type t ON t.oid = a.atttypid));
    END IF;
END
$fn$;

-- Keeps the triggers of related tables in step with the parameters that read them: a table
-- some parameter aggregates gets four statement triggers (INSERT, UPDATE, DELETE with their
-- transition tables, TRUNCATE) that re-score each touched client once per statement; a table
-- no parameter reads any more loses them. A partitioned table gets them on itself: writes go
-- through it. Skipped while pg_restore loads the data, as above.
CREATE FUNCTION segment._sync_related_triggers() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET lock_timeout = '10s'
AS $fn$
DECLARE
    t regclass;
    trigger_name name;
    trigger_sql text;
BEGIN
    IF EXISTS (SELECT 1 FROM segment.entities e
               WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
                                 WHERE t.tgrelid = e.answers_table
                                   AND t.tgname = 'segment_answers_insert')) THEN
        RETURN; -- restoring a dump
    END IF;
    -- triggers of tables no parameter reads any more
    FOR t, trigger_name IN
        SELECT tr.tgrelid::regclass, tr.tgname FROM pg_catalog.pg_trigger tr
        WHERE tr.tgname IN ('pg_segment_related_insert', 'pg_segment_related_update',
                            'pg_segment_related_delete', 'pg_segment_related_truncate')
          AND tr.tgfoid = 'segment._related_rows_changed()'::regprocedure
          AND NOT EXISTS (SELECT 1 FROM segment.parameters p
                          JOIN segment.schemes s ON s.scheme_id = p.scheme_id
                          WHERE p.source = tr.tgrelid AND s.draft_of IS NULL)
        ORDER BY 1, 2
    LOOP
        EXECUTE pg_catalog.format('DROP TRIGGER %I ON %s', trigger_name, t);
    END LOOP;
    -- each trigger a read table lacks (all four for a new one; one its owner dropped)
    FOR t, trigger_name, trigger_sql IN
        SELECT src.source, w.name, w.definition
        FROM (SELECT DISTINCT p.source FROM segment.parameters p
              JOIN segment.schemes s ON s.scheme_id = p.scheme_id AND s.draft_of IS NULL
              WHERE p.source IS NOT NULL
                AND EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = p.source)) src,
             (VALUES ('pg_segment_related_insert',
                      'AFTER INSERT ON %s REFERENCING NEW TABLE AS segment_new_rows FOR EACH STATEMENT'),
                     ('pg_segment_related_update',
                      'AFTER UPDATE ON %s REFERENCING OLD TABLE AS segment_old_rows NEW TABLE AS segment_new_rows FOR EACH STATEMENT'),
                     ('pg_segment_related_delete',
                      'AFTER DELETE ON %s REFERENCING OLD TABLE AS segment_old_rows FOR EACH STATEMENT'),
                     ('pg_segment_related_truncate', 'AFTER TRUNCATE ON %s FOR EACH STATEMENT'))
             AS w(name, definition)
        WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger tr
                          WHERE tr.tgrelid = src.source AND tr.tgname = w.name)
        ORDER BY 1, 2
    LOOP
        EXECUTE pg_catalog.format('CREATE TRIGGER %I ', trigger_name)
             || pg_catalog.format(trigger_sql, t)
             || ' EXECUTE FUNCTION segment._related_rows_changed()';
    END LOOP;
END
$fn$;

-- After a statement on segment.parameters: the client and related tables' triggers follow.
CREATE FUNCTION segment._parameters_changed() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    entity integer;
BEGIN
    FOR entity IN SELECT en.entity_id FROM segment.entities en ORDER BY 1 LOOP
        PERFORM segment._sync_parameter_triggers(entity);
    END LOOP;
    PERFORM segment._sync_related_triggers();
    RETURN NULL;
END
$fn$;

REVOKE ALL ON FUNCTION segment._sync_parameter_triggers(integer), segment._sync_related_triggers()
    FROM PUBLIC;

COMMENT ON FUNCTION segment._parameter_written() IS
    'internal: checks a parameter''s expression and records its definer, type and columns before the row is written';
COMMENT ON FUNCTION segment._numeric_type(regtype) IS
    'internal: whether a parameter of this type can be mapped by ranges';
COMMENT ON FUNCTION segment._parameter_range_written() IS
    'internal: refuses ranges of a non-numeric parameter';
COMMENT ON FUNCTION segment._ranges_disjoint() IS
    'internal: refuses a statement that leaves two ranges of a parameter or of a number question overlapping';
COMMENT ON FUNCTION segment._parameter_points_authorized() IS
    'internal: refuses a change of a parameter''s ranges or matches by a role that may not read the columns its value comes from';
COMMENT ON FUNCTION segment._sync_parameter_triggers(integer) IS
    'internal: attaches, replaces or removes the parameter triggers of a client table';
COMMENT ON FUNCTION segment._sync_related_triggers() IS
    'internal: attaches or removes the triggers of the related tables parameters aggregate';
COMMENT ON FUNCTION segment._parameters_changed() IS
    'internal: statement trigger on segment.parameters that keeps the client tables'' parameter triggers in step';
