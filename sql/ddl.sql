-- DDL on bound client tables and on pg_segment's own per-table relations. pg_segment follows
-- what it can follow and refuses what would leave scores silently wrong:
--   * RENAME and SET SCHEMA of a client table, of its key column, or (by a superuser) of the
--     per-table relations: followed (everything is found by OID; caches drop their names on the
--     relcache invalidation such DDL sends);
--   * a new type of the key column (e.g. integer -> bigint): PostgreSQL refuses it while the
--     key-update trigger depends on the column; with that trigger dropped first, followed: the
--     answers, assignments and history take the new type in the same statement, and the
--     trigger is attached again;
--   * ALTER TABLE … OWNER TO of a client table: followed, its pg_segment tables change owner too;
--   * a primary key that no longer is the single column the answers reference, or dropping the
--     answers' foreign key to it: refused;
--   * DROP TABLE of a client table (it needs CASCADE, as the answers reference it): its
--     schemes, answers, assignments and history go with it;
--   * DROP of an answers, assignments or history table on its own: refused;
--   * ALTER TABLE, CREATE TRIGGER, CREATE RULE, CREATE INDEX on those tables by a session that
--     is not a superuser's: refused (see segment._segment_relation_ddl).
-- The functions run as the extension's owner (SECURITY DEFINER): the role that alters or
-- drops a client table need not have rights on schema segment. They act only on entities
-- whose tables the running command touched.

-- The key-update trigger of a client table; re-attached after the key column's type changed
-- (PostgreSQL refuses a type change of a column a trigger depends on, so changing the key's
-- type means dropping this trigger first: see docs/reference.md).
CREATE FUNCTION segment._attach_rekey_trigger(client_table regclass, key_column name)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
                   WHERE t.tgrelid = client_table AND t.tgname = 'pg_segment_client_rekey') THEN
        EXECUTE pg_catalog.format($ddl$
            CREATE TRIGGER pg_segment_client_rekey AFTER UPDATE OF %2$I ON %1$s
            FOR EACH ROW WHEN (OLD.%2$I IS DISTINCT FROM NEW.%2$I)
            EXECUTE FUNCTION segment._client_rekeyed()$ddl$, client_table, key_column);
    END IF;
END
$fn$;

-- Removes a client table's pg_segment tables, schemes and entity, in an order that scores no
-- answer and leaves nothing the DROP event trigger would refuse: with the client table gone,
-- its tables go first (no answers trigger fires on DROP); with the client table still there
-- (and no scheme left), the entity goes first, so that its tables are no entity's any more.
-- Tables already dropped by the running command (DROP OWNED, say) are skipped.
CREATE FUNCTION segment._unbind_entity(entity_id integer) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    e segment.entities;
    tables text;
    client_gone boolean;
BEGIN
    SELECT * INTO STRICT e FROM segment.entities en WHERE en.entity_id = _unbind_entity.entity_id;
    SELECT pg_catalog.string_agg(c.oid::regclass::text, ', ') INTO tables
    FROM pg_catalog.pg_class c WHERE c.oid IN (e.answers_table, e.picks_table, e.assignments_table, e.history_table);
    client_gone := NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = e.client_table);
    IF client_gone AND tables IS NOT NULL THEN
        EXECUTE 'DROP TABLE ' || tables;
    END IF;
    DELETE FROM segment.schemes s WHERE s.entity_id = e.entity_id;
    DELETE FROM segment.entities en WHERE en.entity_id = e.entity_id;
    IF NOT client_gone AND tables IS NOT NULL THEN
        EXECUTE 'DROP TABLE ' || tables;
    END IF;
END
$fn$;

-- DDL that would leave a client table without the key its scores are kept by: refused while
-- schemes are bound to the table; a table whose schemes were all dropped is simply unbound.
CREATE FUNCTION segment._refuse_unkeyed(entity_id integer) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    e segment.entities;
BEGIN
    SELECT * INTO STRICT e FROM segment.entities en WHERE en.entity_id = _refuse_unkeyed.entity_id;
    IF NOT EXISTS (SELECT 1 FROM segment.schemes s WHERE s.entity_id = e.entity_id) THEN
        PERFORM segment._unbind_entity(e.entity_id);
        RETURN;
    END IF;
    RAISE EXCEPTION 'pg_segment: % must keep the single-column primary key its scores are kept by, and the answers'' foreign key to it', e.client_table
        USING ERRCODE = 'feature_not_supported',
              DETAIL = pg_catalog.format('%s holds the answers of schemes %s, by a foreign key to that column.',
                  e.answers_table,
                  (SELECT pg_catalog.string_agg(pg_catalog.quote_literal(s.name), ', ' ORDER BY s.name)
                   FROM segment.schemes s WHERE s.entity_id = e.entity_id)),
              HINT = 'Drop the schemes bound to the table with segment.drop_scheme() first (the table is then unbound); detach a partition rather than drop it.';
END
$fn$;

-- The client key column as it is named now: the one the answers' foreign key references (NULL
-- while there is no such foreign key, as during pg_restore, which adds it last).
CREATE FUNCTION segment._client_key_column(entity_id integer) RETURNS name
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT a.attname FROM segment.entities e
    JOIN pg_catalog.pg_constraint f ON f.conrelid = e.answers_table AND f.confrelid = e.client_table
                                   AND f.contype = 'f'
    JOIN pg_catalog.pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = f.confkey[1]
    WHERE e.entity_id = _client_key_column.entity_id
    LIMIT 1;
END;

-- Refuses a column that holds client keys (a client table's key, a source's client column)
-- under a nondeterministic collation (0A000), as segment.create_scheme and
-- segment.add_parameter do: pg_segment finds a client's data by keys equal byte for byte.
CREATE FUNCTION segment._refuse_nondeterministic_keys(holder regclass, key_column name)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    collation_name text;
BEGIN
    SELECT co.oid::pg_catalog.regcollation::text INTO collation_name
    FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
    WHERE a.attrelid = holder AND a.attname = key_column AND NOT co.collisdeterministic;
    IF FOUND THEN
        RAISE EXCEPTION 'column % of % holds client keys under the nondeterministic collation %',
                pg_catalog.quote_ident(key_column), holder, collation_name
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'pg_segment finds a client''s answers, scores and related rows by keys equal byte for byte; give the column a deterministic collation (COLLATE "C", say).';
    END IF;
END
$fn$;

REVOKE ALL ON FUNCTION segment._refuse_nondeterministic_keys(regclass, name) FROM PUBLIC;

COMMENT ON FUNCTION segment._refuse_nondeterministic_keys(regclass, name) IS
    'internal: refuses a column holding client keys under a nondeterministic collation';

-- Makes an entity follow its client key column: its current name, and its full type, which the
-- answers, assignments and history take when it changed. Returns whether the type changed.
CREATE FUNCTION segment._follow_client_key(entity_id integer, key_column name) RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    e segment.entities;
    key_type text;
    retyped boolean := false;
BEGIN
    SELECT * INTO STRICT e FROM segment.entities en WHERE en.entity_id = _follow_client_key.entity_id;
    -- keys are found byte for byte (a key column given a nondeterministic collation since it was
    -- bound is refused as at binding)
    PERFORM segment._refuse_nondeterministic_keys(e.client_table, key_column);
    key_type := (SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a
                 WHERE a.attrelid = e.client_table AND a.attname = key_column AND NOT a.attisdropped);
    IF key_type IS DISTINCT FROM (SELECT pg_catalog.format_type(a.atttypid, a.atttypmod)
                                  FROM pg_catalog.pg_attribute a
                                  WHERE a.attrelid = e.answers_table AND a.attname = 'client_id') THEN
        -- as the tables' owner, not as this function's: the rewrite evaluates checks of the key
        -- type and constraints of the tables, which that owner controls
        PERFORM segment._retype_client_ids(e.entity_id, key_column);
        retyped := true;
    END IF;
    UPDATE segment.entities en
    SET key_column = _follow_client_key.key_column,
        key_type = (SELECT a.atttypid FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = e.client_table AND a.attname = _follow_client_key.key_column)
    WHERE en.entity_id = e.entity_id
      AND (en.key_column, en.key_type) IS DISTINCT FROM
          (_follow_client_key.key_column, (SELECT a.atttypid FROM pg_catalog.pg_attribute a
                                           WHERE a.attrelid = e.client_table
                                             AND a.attname = _follow_client_key.key_column));
    RETURN retyped;
END
$fn$;

-- After an ALTER TABLE of a table parameters read (a client table, or a related table they
-- aggregate): every column a parameter's expression names must still be there (and, for a
-- related table, the client column), and the expression must still give the type it gave when
-- defined (its ranges and matches are for that type). Renaming or dropping such a column, or a
-- new type that breaks the expression or changes what it gives, would break every later write
-- of a client, so it is refused; a new type that changes neither is followed.
CREATE FUNCTION segment._check_parameters_over(altered regclass) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    p record;
    gives oid;
    failure text;
BEGIN
    -- a column that selects a scheme's variants stays (as it is named)
    SELECT s.name AS scheme, v.column_name INTO p
    FROM segment.variant_columns v
    JOIN segment.schemes s ON s.scheme_id = v.scheme_id
    JOIN segment.entities en ON en.entity_id = s.entity_id
    WHERE en.client_table = altered
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                      WHERE a.attrelid = altered AND a.attname = v.column_name AND NOT a.attisdropped)
    ORDER BY s.name LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'pg_segment: column "%" of % selects the variants of scheme "%"', p.column_name, altered, p.scheme
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Set the scheme''s variant column to NULL with segment.set_variant_column() first, and to the new column after.';
    END IF;
    SELECT pa.code, c.name INTO p
    FROM segment.parameters pa
    JOIN segment.schemes s ON s.scheme_id = pa.scheme_id
    JOIN segment.entities en ON en.entity_id = s.entity_id,
         pg_catalog.unnest(CASE WHEN pa.source IS NULL THEN pa.columns
                                ELSE pa.columns || pa.client_column END) AS c(name)
    WHERE (pa.source = altered OR (pa.source IS NULL AND en.client_table = altered))
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                      WHERE a.attrelid = altered AND a.attname = c.name AND NOT a.attisdropped)
    ORDER BY pa.code LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'pg_segment: column "%" of % is read by parameter "%"', p.name, altered, p.code
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Drop the parameter with segment.drop_parameter() first, and define it again over the new column.';
    END IF;
    -- a source's client column keeps a deterministic collation
    PERFORM segment._refuse_nondeterministic_keys(altered, c.client_column)
    FROM (SELECT DISTINCT pa.client_column FROM segment.parameters pa
          WHERE pa.source = altered ORDER BY pa.client_column) c;
    -- and keeps comparing with the client key by its own equality (its rows are grouped by it)
    FOR p IN
        SELECT DISTINCT pa.source, pa.client_column, en.client_table,
               segment._client_key_column(en.entity_id) AS key_column,
               pg_catalog.format_type(a.atttypid, a.atttypmod) AS key_type
        FROM segment.parameters pa
        JOIN segment.schemes s ON s.scheme_id = pa.scheme_id
        JOIN segment.entities en ON en.entity_id = s.entity_id
        JOIN pg_catalog.pg_attribute a ON a.attrelid = en.client_table
             AND a.attname = segment._client_key_column(en.entity_id)
        WHERE pa.source IS NOT NULL AND (pa.source = altered OR en.client_table = altered)
        ORDER BY pa.source, pa.client_column
    LOOP
        failure := segment._comparison_unlike_grouping(p.source, p.client_column,
                                                       p.client_table, p.key_column);
        IF failure IS NOT NULL THEN
            RAISE EXCEPTION 'pg_segment: column % of % would be compared with client keys of type % as %',
                    pg_catalog.quote_ident(p.client_column), p.source, p.key_type, failure
                USING ERRCODE = 'feature_not_supported',
                      DETAIL = 'A parameter aggregates its rows by that column: different values of it could belong to one client.',
                      HINT = 'Give the column the key''s type, or a type that compares with the key by its own equality: integers with integer or numeric keys, text or varchar with text or varchar keys, text with character keys. (pg_segment compares with the operators of pg_catalog: a type whose equality lives in another schema, such as citext, compares as text.)';
        END IF;
    END LOOP;
    FOR p IN
        SELECT pa.code, pa.expression, pa.value_type, pa.source, pa.client_column,
               en.client_table
        FROM segment.parameters pa
        JOIN segment.schemes s ON s.scheme_id = pa.scheme_id
        JOIN segment.entities en ON en.entity_id = s.entity_id
        WHERE pa.source = altered OR (pa.source IS NULL AND en.client_table = altered)
        ORDER BY pa.code, pa.parameter_id
    LOOP
        BEGIN
            gives := segment._expression_type(p.client_table, p.expression, p.source,
                                              p.client_column);
            failure := NULL;
        EXCEPTION WHEN OTHERS THEN
            gives := NULL;
            failure := SQLERRM;
        END;
        IF gives IS DISTINCT FROM p.value_type THEN
            RAISE EXCEPTION 'pg_segment: this change of % would change what parameter "%" gives', altered, p.code
                USING ERRCODE = 'feature_not_supported',
                      DETAIL = CASE WHEN failure IS NULL
                          THEN pg_catalog.format('Its expression %s gives %s and would give %s.',
                                                 p.expression, p.value_type, gives::regtype)
                          ELSE pg_catalog.format('Its expression %s would fail: %s',
                                                 p.expression, failure) END,
                      HINT = 'Drop the parameter with segment.drop_parameter() first, and define it again over the changed table.';
        END IF;
    END LOOP;
END
$fn$;

REVOKE ALL ON FUNCTION segment._check_parameters_over(regclass) FROM PUBLIC;

COMMENT ON FUNCTION segment._check_parameters_over(regclass) IS
    'internal: refuses a change of a table that removes a column a parameter reads, breaks its expression or changes the type it gives';

CREATE FUNCTION segment._client_table_altered() RETURNS event_trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    e record;
    key_column name;
BEGIN
    FOR e IN
        SELECT en.entity_id, en.client_table
        FROM pg_catalog.pg_event_trigger_ddl_commands() c
        JOIN segment.entities en ON en.client_table = c.objid
        WHERE c.classid = 'pg_catalog.pg_class'::regclass AND c.command_tag = 'ALTER TABLE'
        ORDER BY en.entity_id
    LOOP
        -- without the answers' foreign key (pg_restore adds it after the client table's primary
        -- key) there is nothing to check yet; dropping it is refused on sql_drop
        key_column := segment._client_key_column(e.entity_id);
        CONTINUE WHEN key_column IS NULL;
        IF NOT EXISTS (
            SELECT 1 FROM pg_catalog.pg_index i
            JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
            WHERE i.indrelid = e.client_table AND i.indisprimary AND i.indnkeyatts = 1
              AND a.attname = key_column)
        THEN
            PERFORM segment._refuse_unkeyed(e.entity_id);
            CONTINUE; -- (unbound: its schemes were all dropped)
        END IF;
        -- a new key type: the trigger the DBA dropped to change it comes back (only then, so
        -- that pg_restore, which alters client tables before it creates their triggers, never
        -- finds this one there already)
        IF segment._follow_client_key(e.entity_id, key_column) THEN
            PERFORM segment._attach_rekey_trigger(e.client_table, key_column);
        END IF;
        -- a new owner of the client table: maintenance runs with its rights from now on
        PERFORM segment._follow_client_owner(e.entity_id);
        -- the columns its parameters read stay, and keep what their expressions give
        PERFORM segment._check_parameters_over(e.client_table);
    END LOOP;
    -- the same for the related tables parameters aggregate
    PERFORM segment._check_parameters_over(altered.objid)
    FROM (SELECT DISTINCT d.objid FROM pg_catalog.pg_event_trigger_ddl_commands() d
          JOIN segment.parameters p ON p.source = d.objid
          WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.command_tag = 'ALTER TABLE'
          ORDER BY d.objid) altered;
END
$fn$;

CREATE FUNCTION segment._client_table_dropped() RETURNS event_trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    e record;
    dropped oid[];
BEGIN
    -- DROP EXTENSION takes segment.entities with everything else
    IF pg_catalog.to_regclass('segment.entities') IS NULL THEN
        RETURN;
    END IF;
    SELECT pg_catalog.array_agg(d.objid) INTO dropped
    FROM pg_catalog.pg_event_trigger_dropped_objects() d
    WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0;
    -- pg_segment's triggers on its tables (and anyone's rules or policies there) are removed
    -- by superuser sessions only, like every other change to those tables
    IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = session_user)
       AND segment._pg_segment_ddl() = '' THEN
        SELECT d.object_identity INTO e
        FROM pg_catalog.pg_event_trigger_dropped_objects() d, segment.entities en
        WHERE d.object_type IN ('trigger', 'rule', 'policy') AND d.original
          AND (d.object_identity LIKE '% on ' || en.answers_table::text
               OR d.object_identity LIKE '% on ' || en.picks_table::text
               OR d.object_identity LIKE '% on ' || en.assignments_table::text
               OR d.object_identity LIKE '% on ' || en.history_table::text)
        LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'pg_segment: only a superuser may drop %', e.object_identity
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    IF dropped IS NULL THEN
        RETURN;
    END IF;
    FOR e IN SELECT * FROM segment.entities ORDER BY entity_id LOOP
        IF e.client_table::oid = ANY (dropped) THEN
            -- The client table went with CASCADE: its schemes and their data go with it.
            PERFORM segment._unbind_entity(e.entity_id);
        ELSIF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = e.client_table) THEN
            CONTINUE; -- (the tables the branch above drops, once the client table is gone)
        ELSIF e.answers_table::oid = ANY (dropped) OR e.assignments_table::oid = ANY (dropped)
              OR e.history_table::oid = ANY (dropped) OR e.picks_table::oid = ANY (dropped) THEN
            RAISE EXCEPTION 'pg_segment: cannot drop the answers, picks, assignments or history table of %', e.client_table
                USING ERRCODE = 'dependent_objects_still_exist',
                      HINT = 'Drop the client table with CASCADE to remove it with its schemes, or drop the schemes with segment.drop_scheme().';
        ELSIF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint f
                          WHERE f.conrelid = e.answers_table AND f.confrelid = e.client_table AND f.contype = 'f') THEN
            -- the answers' foreign key went (with the primary key it needs, say)
            PERFORM segment._refuse_unkeyed(e.entity_id);
        END IF;
    END LOOP;
    -- a related table that parameters still aggregate
    SELECT p.code, s.name, p.source::oid AS source INTO e
    FROM segment.parameters p JOIN segment.schemes s ON s.scheme_id = p.scheme_id
    WHERE p.source::oid = ANY (dropped)
    ORDER BY p.code LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'pg_segment: cannot drop table %: parameter "%" of scheme "%" reads it',
                (SELECT d.object_identity FROM pg_catalog.pg_event_trigger_dropped_objects() d
                 WHERE d.objid = e.source AND d.objsubid = 0 LIMIT 1), e.code, e.name
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = 'Drop the parameter with segment.drop_parameter() first.';
    END IF;
END
$fn$;

-- Brings the tables of every bound client table to this version's shape: the key's full type,
-- answers that follow a key update, client-table triggers without arguments and the key-update
-- trigger, configuration readable by the owner maintenance runs as, and assignments and history
-- writable by their owner alone. ALTER EXTENSION … UPDATE runs it; run it once after restoring a
-- dump taken from an older version, whose tables come back in that version's shape. Idempotent.
CREATE FUNCTION segment.repair_bound_tables() RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    e record;
    fk record;
    grantee record;
    ix record;
    current_key name;
    owner regrole;
    repaired integer := 0;
BEGIN
    FOR e IN SELECT * FROM segment.entities ORDER BY entity_id LOOP
        current_key := COALESCE(segment._client_key_column(e.entity_id), e.key_column);
        PERFORM segment._follow_client_key(e.entity_id, current_key);
        FOR fk IN SELECT c.conname FROM pg_catalog.pg_constraint c
                  WHERE c.conrelid = e.answers_table AND c.confrelid = e.client_table AND c.contype = 'f'
                    AND c.confupdtype <> 'c'
        LOOP
            EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I, ADD CONSTRAINT %I '
                                      'FOREIGN KEY (client_id) REFERENCES %s (%I) ON DELETE CASCADE ON UPDATE CASCADE',
                                      e.answers_table, fk.conname, fk.conname, e.client_table, current_key);
        END LOOP;
        -- the picks of multiple-choice questions (0.1.0 had none)
        IF e.picks_table IS NULL THEN
            UPDATE segment.entities SET picks_table = segment._create_picks_table(e.answers_table)
            WHERE entity_id = e.entity_id;
        END IF;
        EXECUTE pg_catalog.format('DROP TRIGGER IF EXISTS pg_segment_client_delete ON %s', e.client_table);
        EXECUTE pg_catalog.format('DROP TRIGGER IF EXISTS pg_segment_client_truncate ON %s', e.client_table);
        EXECUTE pg_catalog.format('CREATE TRIGGER pg_segment_client_delete AFTER DELETE ON %s '
                                  'FOR EACH ROW EXECUTE FUNCTION segment._client_removed()', e.client_table);
        EXECUTE pg_catalog.format('CREATE TRIGGER pg_segment_client_truncate AFTER TRUNCATE ON %s '
                                  'FOR EACH STATEMENT EXECUTE FUNCTION segment._client_removed()', e.client_table);
        PERFORM segment._attach_rekey_trigger(e.client_table, current_key);
        PERFORM segment._follow_client_owner(e.entity_id);
        -- half of each assignments page free, as _create_entity_relations makes it, unless the
        -- DBA chose otherwise (stored rows get the room as they move, or with VACUUM FULL)
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c, pg_catalog.unnest(c.reloptions) o
                       WHERE c.oid = e.assignments_table AND o LIKE 'fillfactor=%') THEN
            EXECUTE pg_catalog.format('ALTER TABLE %s SET (fillfactor = 50)', e.assignments_table);
        END IF;
        -- what parameters gave and what each segment says (0.1.0's rows had neither; the
        -- table is rewritten)
        PERFORM segment._add_assignment_inputs(e.assignments_table);
        -- values of number questions (0.1.0's answers held options only)
        PERFORM segment._add_answer_values(e.answers_table);
        -- 0.1.0's index of rows without answers: every change of answered updated it, so no
        -- such update was HOT; those rows are now deleted by key
        FOR ix IN SELECT i.indexrelid::regclass AS name FROM pg_catalog.pg_index i
                  WHERE i.indrelid = e.assignments_table AND i.indpred IS NOT NULL
                    AND pg_catalog.pg_get_expr(i.indpred, i.indrelid) = '(answered <= 0)'
        LOOP
            EXECUTE pg_catalog.format('DROP INDEX %s', ix.name);
        END LOOP;
        owner := (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = e.assignments_table);
        PERFORM segment._grant_maintainer(owner);
        -- only the owner writes scores and the ledger (0.1.0 told DBAs to grant writers that)
        FOR grantee IN
            SELECT DISTINCT a.grantee FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a
            WHERE c.oid IN (e.assignments_table, e.history_table) AND a.grantee <> c.relowner
              AND a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')
        LOOP
            EXECUTE pg_catalog.format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON %s, %s FROM %s',
                e.assignments_table, e.history_table,
                CASE WHEN grantee.grantee = 0 THEN 'PUBLIC' ELSE grantee.grantee::regrole::text END);
        END LOOP;
        repaired := repaired + 1;
    END LOOP;
    RETURN repaired;
END
$fn$;

-- The answers, assignments and history tables belong to the client table's owner, so that the
-- triggers' maintenance can run with that role's rights; but code attached to them (a trigger,
-- a rule, an index expression, a default, a check, a policy, a parent table's triggers) would
-- run with the rights of whoever writes or reads them, a superuser calling segment.answer()
-- included. So outside superuser sessions nothing may change them, nor make them a partition
-- or a child of another table, but pg_segment's own DDL (segment._pg_segment_ddl(): 'bind'
-- while create_scheme creates them, 'retype' while a new key type rewrites them, which runs
-- the owner's type checks and so allows only the ALTER TABLE of the rewrite; the rewrite also
-- compares everything attached before and after). The check reads the session user: this
-- function runs as the extension's owner.
CREATE FUNCTION segment._segment_relation_ddl() RETURNS event_trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    own text;
    cmd record;
BEGIN
    IF (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = session_user) THEN
        RETURN;
    END IF;
    own := segment._pg_segment_ddl();
    FOR cmd IN
        SELECT c.command_tag, t.rel
        FROM pg_catalog.pg_event_trigger_ddl_commands() c
        CROSS JOIN LATERAL (SELECT CASE
            WHEN c.classid = 'pg_catalog.pg_trigger'::regclass
                THEN (SELECT tg.tgrelid FROM pg_catalog.pg_trigger tg WHERE tg.oid = c.objid)
            WHEN c.classid = 'pg_catalog.pg_rewrite'::regclass
                THEN (SELECT rw.ev_class FROM pg_catalog.pg_rewrite rw WHERE rw.oid = c.objid)
            WHEN c.classid = 'pg_catalog.pg_policy'::regclass
                THEN (SELECT po.polrelid FROM pg_catalog.pg_policy po WHERE po.oid = c.objid)
            WHEN c.classid = 'pg_catalog.pg_class'::regclass
                THEN COALESCE((SELECT i.indrelid FROM pg_catalog.pg_index i WHERE i.indexrelid = c.objid), c.objid)
            END::regclass AS rel) t
        WHERE EXISTS (SELECT 1 FROM segment.entities e
                      WHERE t.rel IN (e.answers_table, e.picks_table, e.assignments_table, e.history_table))
    LOOP
        CONTINUE WHEN own = 'bind' OR (own = 'retype' AND cmd.command_tag = 'ALTER TABLE');
        RAISE EXCEPTION 'pg_segment: only a superuser may change table %', cmd.rel
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Code attached to pg_segment''s tables would run with the rights of whoever writes or reads them.',
                  HINT = 'Ask a superuser to make the change.';
    END LOOP;
    -- whichever table the command named (ATTACH PARTITION, INHERITS name the other table)
    SELECT h.inhrelid::regclass AS child, h.inhparent::regclass AS parent INTO cmd
    FROM pg_catalog.pg_inherits h, segment.entities e
    WHERE h.inhrelid IN (e.answers_table, e.picks_table, e.assignments_table, e.history_table)
       OR h.inhparent IN (e.answers_table, e.picks_table, e.assignments_table, e.history_table)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'pg_segment: % cannot inherit from %: one of them is pg_segment''s', cmd.child, cmd.parent
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'A parent''s triggers and a child''s rows would reach pg_segment''s tables.';
    END IF;
END
$fn$;

CREATE EVENT TRIGGER pg_segment_relation_ddl ON ddl_command_end
    WHEN TAG IN ('ALTER TABLE', 'CREATE TABLE', 'CREATE TRIGGER', 'ALTER TRIGGER', 'CREATE RULE',
                 'CREATE INDEX', 'ALTER INDEX', 'CREATE POLICY', 'ALTER POLICY')
    EXECUTE FUNCTION segment._segment_relation_ddl();

CREATE EVENT TRIGGER pg_segment_client_table_altered ON ddl_command_end
    WHEN TAG IN ('ALTER TABLE')
    EXECUTE FUNCTION segment._client_table_altered();
CREATE EVENT TRIGGER pg_segment_client_table_dropped ON sql_drop
    EXECUTE FUNCTION segment._client_table_dropped();

REVOKE ALL ON FUNCTION segment._client_table_altered(), segment._client_table_dropped(),
    segment._segment_relation_ddl(),
    segment._refuse_unkeyed(integer), segment._unbind_entity(integer),
    segment._client_key_column(integer), segment._follow_client_key(integer, name),
    segment._attach_rekey_trigger(regclass, name), segment.repair_bound_tables() FROM PUBLIC;

COMMENT ON FUNCTION segment._attach_rekey_trigger(regclass, name) IS
    'internal: attaches the trigger that moves a client''s score and history to its new key';
COMMENT ON FUNCTION segment.repair_bound_tables() IS
    'brings the tables of every bound client table to this version''s shape; run once after restoring a dump of an older version';
COMMENT ON FUNCTION segment._client_key_column(integer) IS
    'internal: the client key column of a bound table as it is named now';
COMMENT ON FUNCTION segment._follow_client_key(integer, name) IS
    'internal: makes a bound table''s pg_segment tables follow its key column''s name and type';
COMMENT ON FUNCTION segment._unbind_entity(integer) IS
    'internal: removes a client table''s pg_segment tables, schemes and entity';
COMMENT ON FUNCTION segment._refuse_unkeyed(integer) IS
    'internal: refuses DDL that would leave a client table without the key its scores are kept by';
COMMENT ON FUNCTION segment._segment_relation_ddl() IS
    'internal: event trigger that lets only superuser sessions and pg_segment itself change the answers, assignments and history tables';
COMMENT ON FUNCTION segment._client_table_altered() IS
    'internal: event trigger that follows a new key type of a bound client table and refuses a primary key that no longer is the client key';
COMMENT ON FUNCTION segment._client_table_dropped() IS
    'internal: event trigger that removes the schemes and tables of a dropped client table and refuses dropping pg_segment''s per-table relations alone';
