-- Code a client table's owner controls never runs with more rights than the owner's through
-- pg_segment: not the checks of a key type when pg_segment rewrites its tables, not triggers,
-- rules, defaults or indexes on pg_segment's tables (the owner cannot attach any); and a scheme
-- cannot be bound, nor a question moved, around the checks of the SQL API. (A key type's own
-- functions run as whoever writes a key of that type, in the client table as in the answers:
-- as for any table, a superuser should write only keys of types it trusts.)
\set VERBOSITY default
\set SHOW_CONTEXT never
CREATE ROLE oc_owner LOGIN;
CREATE ROLE oc_admin LOGIN;
CREATE SCHEMA oc AUTHORIZATION oc_owner;
SELECT segment.grant_admin('oc_admin');
SET ROLE oc_owner;
CREATE TABLE oc.clients (id integer PRIMARY KEY);
INSERT INTO oc.clients VALUES (1), (2);
CREATE TABLE oc.others (id integer PRIMARY KEY);
GRANT USAGE ON SCHEMA oc TO oc_admin;
-- shouts (and would make its caller's role a superuser) when it runs as a superuser
CREATE FUNCTION oc.escalate(v bigint) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RAISE EXCEPTION 'owner code ran as superuser %', current_user;
    END IF;
    RETURN true;
END $$;
CREATE DOMAIN oc.key AS bigint CHECK (oc.escalate(VALUE));
CREATE FUNCTION oc.trigger_escalate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM oc.escalate(0); RETURN NULL; END $$;
GRANT USAGE ON SCHEMA oc TO oc_admin;
GRANT REFERENCES, TRIGGER ON oc.clients TO oc_admin;
RESET ROLE;

GRANT REFERENCES, TRIGGER ON oc.others TO oc_admin;
INSERT INTO oc.others VALUES (1), (2);
RESET ROLE;
-- the administrator binds in a session of its own: pg_segment's own DDL on its new tables is
-- not refused by the check below
\c - oc_admin
SELECT segment.create_scheme('oc', 'oc.clients') > 0 AS created;
SELECT segment.add_question('oc', 'q', 'Q') > 0 AS q;
SELECT segment.add_option('oc', 'q', 'hi', 'Hi', 10) > 0 AS hi;
SELECT segment.create_scheme('oc_other', 'oc.others') > 0 AS created;
SELECT segment.add_question('oc_other', 'q', 'Q') > 0 AS q;
SELECT segment.add_option('oc_other', 'q', 'hi', 'Hi', 10) > 0 AS hi;
\c - postgres
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT segment.answer('oc', 1, 'q', 'hi');

-- The documented key type change, to a type whose check the owner wrote: the per-table tables
-- are rewritten as their owner, so the check runs as the owner.
\c - oc_owner
BEGIN;
DROP TRIGGER pg_segment_client_rekey ON oc.clients;
ALTER TABLE oc.clients ALTER COLUMN id TYPE oc.key;
COMMIT;
\c - postgres
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT format_type(atttypid, atttypmod) AS answers_key_type FROM pg_attribute
WHERE attrelid = 'segment.oc_clients_answers'::regclass AND attname = 'client_id';

-- The owner cannot attach code to pg_segment's tables, which a superuser writing answers would
-- run (in a session of its own: a superuser's session may, SET ROLE or not).
\c - oc_owner
\set VERBOSITY terse
CREATE TRIGGER escalate AFTER INSERT ON segment.oc_others_answers
    FOR EACH STATEMENT EXECUTE FUNCTION oc.trigger_escalate();
ALTER TABLE segment.oc_others_answers ADD CONSTRAINT escalate CHECK (oc.escalate(client_id));
ALTER TABLE segment.oc_others_answers ALTER COLUMN answered_at SET DEFAULT now() + make_interval(secs => oc.escalate(1)::int);
CREATE INDEX escalate ON segment.oc_others_answers ((oc.escalate(client_id)));
CREATE RULE escalate AS ON INSERT TO segment.oc_others_history DO ALSO SELECT oc.escalate(1);
ALTER TABLE segment.oc_others_assignments RENAME TO mine;
CREATE POLICY escalate ON segment.oc_others_answers USING (oc.escalate(1));
DROP TRIGGER segment_answers_insert ON segment.oc_others_answers;
-- nor reach them through another table: a parent's triggers, a child's rows
CREATE TABLE oc.parent (LIKE segment.oc_others_answers) PARTITION BY LIST (question_id);
ALTER TABLE oc.parent ATTACH PARTITION segment.oc_others_answers DEFAULT;
CREATE TABLE oc.child () INHERITS (segment.oc_others_answers);
\set VERBOSITY default
\c - postgres
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT count(*) AS owner_code_on_segment_tables FROM (
    SELECT tgname FROM pg_trigger WHERE tgrelid = 'segment.oc_others_answers'::regclass AND tgname = 'escalate'
    UNION ALL SELECT conname FROM pg_constraint WHERE conrelid = 'segment.oc_others_answers'::regclass AND conname = 'escalate'
    UNION ALL SELECT relname FROM pg_class WHERE relname = 'escalate'
    UNION ALL SELECT rulename FROM pg_rewrite WHERE rulename = 'escalate'
    UNION ALL SELECT polname FROM pg_policy WHERE polname = 'escalate'
    UNION ALL SELECT inhrelid::regclass::text FROM pg_inherits
              WHERE 'segment.oc_others_answers'::regclass IN (inhrelid, inhparent)) c;
SELECT count(*) AS our_triggers FROM pg_trigger
WHERE tgrelid = 'segment.oc_others_answers'::regclass AND tgname LIKE 'segment_answers_%';
-- so a superuser's answers run none of it
SELECT segment.answer('oc_other', 2, 'q', 'hi');
SELECT client_id, score FROM segment.oc_others_assignments ORDER BY client_id;

-- A key type whose checks try to attach code while pg_segment rewrites its tables as their
-- owner: the rewrite sees the change and refuses it.
\c - oc_owner
CREATE FUNCTION oc.plant(v integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        EXECUTE 'CREATE TRIGGER planted AFTER INSERT ON segment.oc_others_history '
                'FOR EACH STATEMENT EXECUTE FUNCTION oc.trigger_escalate()';
    EXCEPTION WHEN insufficient_privilege OR object_in_use THEN NULL;
    END;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'planted') THEN
        BEGIN
            EXECUTE 'ALTER TABLE segment.oc_others_history ADD CONSTRAINT planted CHECK (oc.escalate(1))';
        EXCEPTION WHEN insufficient_privilege OR object_in_use THEN NULL;
        END;
    END IF;
    RETURN true;
END $$;
CREATE DOMAIN oc.planting_key AS integer CHECK (oc.plant(VALUE));
\set VERBOSITY terse
BEGIN;
DROP TRIGGER pg_segment_client_rekey ON oc.others;
ALTER TABLE oc.others ALTER COLUMN id TYPE oc.planting_key;
COMMIT;
\set VERBOSITY default
\c - postgres
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT format_type(atttypid, atttypmod) AS others_key_type FROM pg_attribute
WHERE attrelid = 'segment.oc_others_answers'::regclass AND attname = 'client_id';
SELECT count(*) AS planted FROM (
    SELECT tgname FROM pg_trigger WHERE tgname = 'planted'
    UNION ALL SELECT conname FROM pg_constraint WHERE conname = 'planted') p;

-- A new owner of the client table: pg_segment's tables follow, and maintenance runs as it.
CREATE ROLE oc_heir;
GRANT USAGE ON SCHEMA oc TO oc_heir;
ALTER TABLE oc.others OWNER TO oc_heir;
SELECT c.relname, c.relowner::regrole AS owner FROM pg_class c
WHERE c.relname LIKE 'oc\_others\_%' AND c.relkind = 'r' ORDER BY 1;
SELECT segment.answer('oc_other', 1, 'q', 'hi');
SELECT client_id, score FROM segment.oc_others_assignments ORDER BY client_id;

-- Binding a scheme with plain SQL needs the same rights as segment.create_scheme.
CREATE ROLE oc_admin2;
SELECT segment.grant_admin('oc_admin2');
SET ROLE oc_admin2;
INSERT INTO segment.schemes (name, entity_id)
SELECT 'oc_sneaky', entity_id FROM segment.entities WHERE client_table::text = 'oc.clients';
\echo :LAST_ERROR_SQLSTATE
-- nor does changing the id of a scheme move it around that check
RESET ROLE;
SELECT segment.create_scheme('oc_empty', 'oc.others') > 0 AS created;
SET ROLE oc_admin2;
UPDATE segment.schemes SET scheme_id = scheme_id + 1000,
       entity_id = (SELECT entity_id FROM segment.entities WHERE client_table::text = 'oc.clients')
WHERE name = 'oc_empty';
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- A question stays with its client table: it cannot move to a scheme over another one.
SELECT segment.add_question('oc', 'q2', 'Q2') > 0 AS q2;
UPDATE segment.questions SET scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'oc_other')
WHERE code = 'q2' AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'oc');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS disagreeing FROM segment.verify('oc');

SELECT rolname, rolsuper FROM pg_roles WHERE rolname LIKE 'oc\_%' ORDER BY 1;
SELECT segment.revoke_role('oc_admin'), segment.revoke_role('oc_admin2');
SELECT segment.drop_scheme('oc'), segment.drop_scheme('oc_other'), segment.drop_scheme('oc_empty');
DROP OWNED BY oc_owner, oc_heir;
SELECT count(*) AS oc_entities FROM segment.entities WHERE client_table::text LIKE 'oc.%';
DROP ROLE oc_owner, oc_admin, oc_admin2, oc_heir;
