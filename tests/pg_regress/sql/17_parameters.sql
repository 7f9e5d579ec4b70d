-- Parameters: inputs computed from the client's own row, mapped to points by ranges and
-- matches, weighted like questions, kept current by triggers on the client table. The table
-- and its columns carry names with spaces, quotes, capitals and non-ASCII letters.
\set VERBOSITY default
\set SHOW_CONTEXT never
CREATE SCHEMA "CRM data";
CREATE TABLE "CRM data"."Kunden ""Tabelle""" (
    "Kunden ID"        bigint PRIMARY KEY,
    "Mitarbeiter Zahl" integer,
    "Région"           text,
    "key""account"     boolean,
    revenue            numeric,
    note               text
);
INSERT INTO "CRM data"."Kunden ""Tabelle""" VALUES
    (1, 5, 'North', true, 1000, 'a'),
    (2, 50, 'South', false, 50000, 'b'),
    (3, NULL, NULL, NULL, NULL, 'c');
SELECT segment.create_scheme('crm', '"CRM data"."Kunden ""Tabelle"""') > 0 AS ok;
SELECT assignments_table AS asg, history_table AS hist FROM segment.entities
WHERE client_table = '"CRM data"."Kunden ""Tabelle"""'::regclass \gset
SELECT segment.add_question('crm', 'size', 'Outlet size?') > 0 AS ok;
SELECT segment.add_option('crm', 'size', 'small', 'Small', 1) > 0 AND segment.add_option('crm', 'size', 'big', 'Big', 5) > 0 AS ok;
SELECT segment.add_level('crm', 'C', 0, 10) > 0 AND segment.add_level('crm', 'B', 10, 20) > 0 AND segment.add_level('crm', 'A', 20, 'Infinity') > 0 AS ok;
SELECT segment.answer('crm', 1, 'size', 'small');

-- A numeric parameter mapped by ranges, a text one by matches, a boolean one by matches.
SELECT segment.add_parameter('crm', 'staff', 'Employees', '"Mitarbeiter Zahl"', 2) > 0 AS ok;
SELECT segment.add_range('crm', 'staff', 0, 10, 1) > 0 AND segment.add_range('crm', 'staff', 10, 'Infinity', 5) > 0 AS ok;
SELECT segment.add_parameter('crm', 'region', 'Region', 'lower("Région")') > 0 AS ok;
SELECT segment.add_match('crm', 'region', 'north', 3) > 0 AND segment.add_match('crm', 'region', 'south', 1) > 0 AS ok;
SELECT segment.add_parameter('crm', 'key', 'Key account', '"key""account"', weight => 0.5) > 0 AS ok;
SELECT segment.add_match('crm', 'key', 'true', 4) > 0 AND segment.add_match('crm', 'key', 'false', 0) > 0 AS ok;
-- What is stored: PostgreSQL's own print of the checked expression, its type and columns.
SELECT code, expression, value_type, columns, weight, position, required, definer = current_user::regrole AS by_me
FROM segment.parameters ORDER BY position;
-- Every client with a value is categorized, with or without answers; client 3 has none.
SELECT client_id, score, answered, parameter_score, segment, missing, status
FROM :asg ORDER BY client_id;
SELECT * FROM segment.verify('crm');

-- An UPDATE of a column some parameter reads re-scores the client in the same statement; an
-- UPDATE of other columns fires nothing (the trigger's WHEN clause compares the parameters'
-- columns, so a column a BEFORE trigger of the table sets counts too).
SELECT tgname, regexp_replace(pg_get_triggerdef(oid), '^.* WHEN', 'WHEN') AS fires_when
FROM pg_trigger WHERE tgrelid = '"CRM data"."Kunden ""Tabelle"""'::regclass AND tgname LIKE 'pg_segment_params%'
ORDER BY tgname;
CREATE TEMP TABLE before_update AS
SELECT xmin::text AS version FROM :asg WHERE client_id = 2;
UPDATE "CRM data"."Kunden ""Tabelle""" SET note = 'untouched', revenue = 1 WHERE "Kunden ID" = 2;
SELECT (SELECT version FROM before_update) = xmin::text AS assignment_not_rewritten
FROM :asg WHERE client_id = 2;
UPDATE "CRM data"."Kunden ""Tabelle""" SET "Mitarbeiter Zahl" = 20 WHERE "Kunden ID" = 1;
SELECT segment.score('crm', 1), segment.segment_of('crm', 1);
-- A column set by the table's own BEFORE trigger, in an UPDATE that names other columns.
CREATE FUNCTION "CRM data".grow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.note = 'grew' THEN NEW."Mitarbeiter Zahl" := 5; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER grow BEFORE UPDATE ON "CRM data"."Kunden ""Tabelle""" FOR EACH ROW EXECUTE FUNCTION "CRM data".grow();
UPDATE "CRM data"."Kunden ""Tabelle""" SET note = 'grew' WHERE "Kunden ID" = 2;
SELECT segment.score('crm', 2), (SELECT count(*) FROM segment.verify('crm')) AS disagreeing;
DROP TRIGGER grow ON "CRM data"."Kunden ""Tabelle""";
-- An unchanged value rewrites nothing.
UPDATE "CRM data"."Kunden ""Tabelle""" SET "Région" = 'North' WHERE "Kunden ID" = 1;
SELECT client_id, old_score, new_score, old_segment, new_segment, cause
FROM :hist WHERE cause = 'client change' ORDER BY history_id;

-- Answers and parameters add up; the last answer removed keeps the parameters' assignment.
SELECT segment.answer('crm', 2, 'size', 'big');
SELECT segment.score('crm', 2);
SELECT segment.remove_answer('crm', 1, 'size');
SELECT client_id, score, answered, parameter_score, segment FROM :asg
WHERE client_id IN (1, 2) ORDER BY client_id;

-- A value in no range and matching nothing is missing: no points. A required parameter that
-- is missing leaves the client incomplete: no segment, and the assignment says what is missing.
UPDATE segment.parameters SET required = true WHERE code = 'region';
UPDATE "CRM data"."Kunden ""Tabelle""" SET "Région" = 'Mars' WHERE "Kunden ID" = 2;
SELECT client_id, score, segment, missing, status FROM :asg ORDER BY client_id;
SELECT * FROM segment.explain('crm', 2);
SELECT * FROM segment.distribution('crm');
-- An answer of an incomplete client moves its score, not its segment.
SELECT segment.answer('crm', 2, 'size', 'small');
SELECT score, segment, status FROM :asg WHERE client_id = 2;
-- A first answer of a client without any parameter value is incomplete too.
SELECT segment.answer('crm', 3, 'size', 'big');
SELECT score, segment, missing, status FROM :asg WHERE client_id = 3;
UPDATE "CRM data"."Kunden ""Tabelle""" SET "Région" = 'South' WHERE "Kunden ID" IN (2, 3);
SELECT client_id, score, segment, missing, status FROM :asg ORDER BY client_id;
SELECT * FROM segment.verify('crm');

-- Bulk statements: an INSERT … SELECT categorizes each new client once, a bulk UPDATE
-- re-scores each changed client once.
SELECT max(history_id) AS before_insert FROM :hist \gset
INSERT INTO "CRM data"."Kunden ""Tabelle""" ("Kunden ID", "Mitarbeiter Zahl", "Région", "key""account")
SELECT g, g % 30, CASE WHEN g % 2 = 0 THEN 'North' ELSE 'South' END, g % 3 = 0
FROM generate_series(100, 1099) g;
SELECT count(*) AS history_rows, count(DISTINCT client_id) AS clients,
       count(*) FILTER (WHERE old_score IS NULL) AS first_assignments
FROM :hist WHERE history_id > :before_insert;
SELECT max(history_id) AS before_update FROM :hist \gset
UPDATE "CRM data"."Kunden ""Tabelle""" SET "Mitarbeiter Zahl" = "Mitarbeiter Zahl" + 10
WHERE "Kunden ID" BETWEEN 100 AND 1099;
-- (only the clients whose employees crossed into another range move)
SELECT count(*) AS history_rows, count(DISTINCT client_id) AS clients,
       bool_and(new_score - old_score = 8) AS each_moved_by_4_points_times_2
FROM :hist WHERE history_id > :before_update;
SELECT segment, status, clients FROM segment.distribution('crm');
SELECT * FROM segment.verify('crm');

-- Configuration edited with plain SQL re-segments the scheme like any change.
UPDATE segment.parameters SET weight = 3 WHERE code = 'staff';
DELETE FROM segment.parameter_matches WHERE value = 'false';
SELECT count(*) AS moved FROM :hist WHERE cause = 'scheme change';
SELECT * FROM segment.verify('crm');
-- verify recomputes parameters too: a tampered assignment is reported.
UPDATE :asg SET score = score + 1, parameter_score = parameter_score + 1
WHERE client_id = 100;
SELECT client, stored_score - expected_score AS off_by FROM segment.verify('crm');
UPDATE :asg SET score = score - 1, parameter_score = parameter_score - 1
WHERE client_id = 100;

-- Expressions are parsed under pg_segment's own search path: a caller's schema cannot
-- replace a function, and what is stored is qualified where it must be.
CREATE SCHEMA evil;
CREATE FUNCTION evil.lower(text) RETURNS text LANGUAGE sql IMMUTABLE RETURN 'pwned';
CREATE FUNCTION public.revenue_band(numeric) RETURNS integer LANGUAGE sql IMMUTABLE
RETURN CASE WHEN $1 >= 10000 THEN 2 ELSE 1 END;
SET search_path = evil, public;
SELECT segment.add_parameter('crm', 'note', 'Note', 'lower(note)') > 0 AS ok;
SELECT segment.add_parameter('crm', 'band', 'Revenue band', 'public.revenue_band(revenue)') > 0 AS ok;
RESET search_path;
SELECT code, expression FROM segment.parameters WHERE code IN ('note', 'band') ORDER BY code;
SELECT value FROM segment.explain('crm', 1) WHERE item = 'note';

-- Bad definitions: a specific SQLSTATE, nothing written.
SELECT segment.add_parameter('crm', 'bad', 'Bad', '"Mitarbeiter Zahl" +');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_parameter('crm', 'bad', 'Bad', 'no_such_column');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_parameter('crm', 'bad', 'Bad', '(SELECT 1)');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_parameter('crm', 'bad', 'Bad', 'sum(revenue)');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_parameter('crm', 'bad', 'Bad', 'row_number() OVER ()');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_parameter('crm', 'bad', 'Bad', 'generate_series(1, 2)');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_parameter('crm', 'bad', 'Bad', 'random() * revenue');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_parameter('crm', 'bad', 'Bad', 'ctid');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_parameter('crm', 'bad', 'Bad', '1) FROM pg_catalog.pg_authid --');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_parameter('crm', 'bad', 'Bad', 'revenue; DROP TABLE evil.x');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_parameter('crm', 'size', 'Bad', 'revenue');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_parameter('crm', 'bad', 'Bad', 'revenue', weight => -1);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_parameter('crm', 'bad', 'Bad', 'revenue', source => 'pg_class');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY terse
SELECT segment.add_parameter('nope', 'bad', 'Bad', 'revenue');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
SELECT segment.add_parameter('crm', 'bad', NULL, 'revenue');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_range('crm', 'region', 0, 1, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_range('crm', 'staff', 5, 15, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_range('crm', 'staff', 5, 5, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_range('crm', 'nope', 0, 1, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_match('crm', 'region', 'north', 9);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_match('crm', 'region', 'west', 1e12);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO segment.parameter_ranges (parameter_id, min_value, max_value, points)
SELECT parameter_id, 12, 13, 1 FROM segment.parameters WHERE code = 'staff';
\echo :LAST_ERROR_SQLSTATE
UPDATE segment.parameters SET expression = '(SELECT 1)' WHERE code = 'staff';
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS parameters, (SELECT count(*) FROM segment.parameter_ranges) AS ranges,
       (SELECT count(*) FROM segment.parameter_matches) AS matches FROM segment.parameters;

-- A parameter is evaluated with its definer's rights, whoever writes the client row: a
-- definer must be able to read what it reads, and one who loses that right makes evaluation
-- fail clearly, never fall back on another role's rights.
CREATE ROLE par_admin;
CREATE ROLE par_writer;
SELECT segment.grant_admin('par_admin');
GRANT USAGE ON SCHEMA "CRM data" TO par_admin, par_writer;
GRANT TRIGGER ON "CRM data"."Kunden ""Tabelle""" TO par_admin;
GRANT SELECT ("Kunden ID", "Région") ON "CRM data"."Kunden ""Tabelle""" TO par_admin;
GRANT UPDATE, SELECT ON "CRM data"."Kunden ""Tabelle""" TO par_writer;
SET ROLE par_admin;
SELECT segment.add_parameter('crm', 'cash', 'Revenue', 'revenue');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_parameter('crm', 'region2', 'Region again', 'upper("Région")') > 0 AS ok;
RESET ROLE;
SELECT definer FROM segment.parameters WHERE code = 'region2';
SET ROLE par_writer;
UPDATE "CRM data"."Kunden ""Tabelle""" SET "Région" = 'north' WHERE "Kunden ID" = 2;
RESET ROLE;
REVOKE SELECT ("Région") ON "CRM data"."Kunden ""Tabelle""" FROM par_admin;
SET ROLE par_writer;
UPDATE "CRM data"."Kunden ""Tabelle""" SET "Région" = 'South' WHERE "Kunden ID" = 2;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT "Région" FROM "CRM data"."Kunden ""Tabelle""" WHERE "Kunden ID" = 2;
-- without TRIGGER on the client table, no parameter
REVOKE TRIGGER ON "CRM data"."Kunden ""Tabelle""" FROM par_admin;
SET ROLE par_admin;
SELECT segment.add_parameter('crm', 'region3', 'Region', '"Région"');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT segment.drop_parameter('crm', 'region2');
SELECT * FROM segment.verify('crm');

-- A column a parameter reads cannot be renamed or dropped under it (its expression names
-- it); other columns can.
ALTER TABLE "CRM data"."Kunden ""Tabelle""" RENAME COLUMN "Mitarbeiter Zahl" TO staff;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE "CRM data"."Kunden ""Tabelle""" DROP COLUMN "Région" CASCADE;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE "CRM data"."Kunden ""Tabelle""" ADD COLUMN extra text;
ALTER TABLE "CRM data"."Kunden ""Tabelle""" RENAME COLUMN extra TO "Extra Spalte";
-- Nor can its type change (PostgreSQL refuses it: the parameter trigger's WHEN lists it).
ALTER TABLE "CRM data"."Kunden ""Tabelle""" ALTER COLUMN "Mitarbeiter Zahl" TYPE bigint;
\echo :LAST_ERROR_SQLSTATE

-- A json column (no equality operator) is compared in its text form.
ALTER TABLE "CRM data"."Kunden ""Tabelle""" ADD COLUMN profile json;
SELECT segment.add_parameter('crm', 'tier', 'Tier', $$profile->>'tier'$$) > 0 AS ok;
SELECT segment.add_match('crm', 'tier', 'gold', 7) > 0 AS ok;
UPDATE "CRM data"."Kunden ""Tabelle""" SET profile = '{"tier": "gold"}' WHERE "Kunden ID" = 3;
SELECT value, points FROM segment.explain('crm', 3) WHERE item = 'tier';
SELECT count(*) AS disagreeing FROM segment.verify('crm');

-- A reader who may not read a parameter's columns sees its points, not its value.
CREATE ROLE par_reader;
SELECT segment.grant_reader('par_reader');
GRANT USAGE ON SCHEMA "CRM data" TO par_reader;
GRANT SELECT ("Kunden ID") ON "CRM data"."Kunden ""Tabelle""" TO par_reader;
SET ROLE par_reader;
SELECT item, value, points, note FROM segment.explain('crm', 3) WHERE kind = 'parameter' ORDER BY position;
-- The checking function cannot be called to act as another role.
SELECT * FROM segment._checked_expression('"CRM data"."Kunden ""Tabelle"""', 'revenue', 10, NULL, NULL);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- A definer whom row security shows only some clients cannot define a parameter (a hidden
-- client would be scored as if it had no value), nor have one evaluated once it applies.
CREATE ROLE par_tenant;
GRANT USAGE ON SCHEMA "CRM data" TO par_tenant;
GRANT SELECT, TRIGGER ON "CRM data"."Kunden ""Tabelle""" TO par_tenant;
SELECT segment.grant_admin('par_tenant');
SET ROLE par_tenant;
SELECT segment.add_parameter('crm', 'tenant_note', 'Note', 'length(note)') > 0 AS ok;
RESET ROLE;
ALTER TABLE "CRM data"."Kunden ""Tabelle""" ENABLE ROW LEVEL SECURITY;
CREATE POLICY some_clients ON "CRM data"."Kunden ""Tabelle""" USING ("Kunden ID" < 100);
UPDATE "CRM data"."Kunden ""Tabelle""" SET note = 'x' WHERE "Kunden ID" = 3;
\echo :LAST_ERROR_SQLSTATE
SET ROLE par_tenant;
SELECT segment.add_parameter('crm', 'tenant_note2', 'Note', 'length(note)') > 0 AS ok;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP POLICY some_clients ON "CRM data"."Kunden ""Tabelle""";
ALTER TABLE "CRM data"."Kunden ""Tabelle""" DISABLE ROW LEVEL SECURITY;
DELETE FROM segment.parameters WHERE code = 'tenant_note';
-- A definer dropped since: evaluation says so.
SELECT segment.add_parameter('crm', 'orphan', 'Orphan', 'length(note)') > 0 AS ok;
CREATE ROLE par_gone;
GRANT USAGE ON SCHEMA "CRM data" TO par_gone;
GRANT SELECT ON "CRM data"."Kunden ""Tabelle""" TO par_gone;
UPDATE segment.parameters SET definer = 'par_gone' WHERE code = 'orphan';
DROP OWNED BY par_gone;
DROP ROLE par_gone;
\set VERBOSITY terse
UPDATE "CRM data"."Kunden ""Tabelle""" SET note = 'y' WHERE "Kunden ID" = 3;
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
DELETE FROM segment.parameters WHERE code = 'orphan';

-- Values are evaluated under fixed print settings (ISO dates, UTC), whatever the writing
-- session's: a match on a date's text form holds under any DateStyle and TimeZone (in
-- Kiritimati, UTC+14, noon UTC is already the next day; DMY would print 01/03/2026).
ALTER TABLE "CRM data"."Kunden ""Tabelle""" ADD COLUMN signed_at timestamptz;
SELECT segment.add_parameter('crm', 'signed', 'Signed on', 'signed_at::date::text') > 0 AS ok;
SELECT segment.add_match('crm', 'signed', '2026-03-01', 6) > 0 AS ok;
SET DateStyle = 'SQL, DMY';
SET TimeZone = 'Pacific/Kiritimati';
UPDATE "CRM data"."Kunden ""Tabelle""" SET signed_at = '2026-03-01 12:00:00+00' WHERE "Kunden ID" = 2;
SELECT value, points FROM segment.explain('crm', 2) WHERE item = 'signed';
SELECT count(*) AS disagreeing FROM segment.verify('crm');
RESET DateStyle;
RESET TimeZone;
SELECT segment.drop_parameter('crm', 'signed');

-- An INSERT of 1,500 clients scores them set-based, once each; an UPDATE of them all
-- re-scores each row it changes.
INSERT INTO "CRM data"."Kunden ""Tabelle""" ("Kunden ID", "Mitarbeiter Zahl", "Région")
SELECT g, g % 30, 'North' FROM generate_series(100000, 101499) g;
SELECT count(*) AS categorized FROM :asg WHERE client_id >= 100000 AND segment IS NOT NULL;
UPDATE "CRM data"."Kunden ""Tabelle""" SET "Mitarbeiter Zahl" = "Mitarbeiter Zahl" + 10
WHERE "Kunden ID" >= 100000;
SELECT count(*) AS history_rows, count(DISTINCT client_id) AS clients FROM :hist WHERE client_id >= 100000;
SELECT count(*) AS disagreeing FROM segment.verify('crm');
DELETE FROM "CRM data"."Kunden ""Tabelle""" WHERE "Kunden ID" >= 100000;

-- Dropping the last parameter detaches the client-table triggers; the clients without
-- answers lose their assignment, with a history row.
SELECT segment.drop_parameter('crm', p.code) FROM segment.parameters p ORDER BY p.code;
SELECT count(*) AS parameter_triggers FROM pg_trigger
WHERE tgrelid = '"CRM data"."Kunden ""Tabelle"""'::regclass AND tgname LIKE 'pg_segment_params%';
SELECT client_id, score, answered, parameter_score, segment, status
FROM :asg ORDER BY client_id;
SELECT * FROM segment.verify('crm');

SELECT segment.drop_scheme('crm');

-- A value prints the same whatever the writer's session: bytea in hex, under a session that
-- prints it escaped.
CREATE TABLE "CRM data".tokens (id integer PRIMARY KEY, token bytea);
INSERT INTO "CRM data".tokens VALUES (1, 'ab'), (2, 'zz');
SELECT segment.create_scheme('tokens', '"CRM data".tokens') > 0 AS ok;
SELECT segment.add_parameter('tokens', 'token', 'Token', 'token') > 0
   AND segment.add_match('tokens', 'token', '\x6162', 10) > 0 AS ok;
SET bytea_output = escape;
UPDATE "CRM data".tokens SET token = 'ab' WHERE id = 2;
SELECT segment.refresh('tokens') AS refreshed;
SELECT client_id, parameter_score FROM segment."CRM_data_tokens_assignments" ORDER BY client_id;
SELECT count(*) AS disagreeing FROM segment.verify('tokens');
RESET bytea_output;
SELECT segment.drop_scheme('tokens');
DROP TABLE "CRM data".tokens CASCADE;

SELECT segment.revoke_role('par_admin');
SELECT segment.revoke_role('par_reader');
SELECT segment.revoke_role('par_tenant');
DROP OWNED BY par_admin, par_writer, par_reader, par_tenant;
DROP ROLE par_admin, par_writer, par_reader, par_tenant;
