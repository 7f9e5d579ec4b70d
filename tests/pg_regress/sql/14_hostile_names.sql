-- Someone else's database: client tables and key columns with names that need quoting, and a
-- caller whose search_path puts look-alike functions, operators and tables first. pg_segment's
-- SQL is schema-qualified and runs under a pinned search_path, so none of them is ever used.
\set VERBOSITY default
\set SHOW_CONTEXT never
CREATE SCHEMA "Odd ""Schema""";
CREATE TABLE "Odd ""Schema"""."Client Table; DROP TABLE x" ("Key Col" bigint PRIMARY KEY, "select" text);
INSERT INTO "Odd ""Schema"""."Client Table; DROP TABLE x" VALUES (1, 'a'), (2, 'b'), (3, 'c');
SELECT segment.create_scheme('odd', '"Odd ""Schema"""."Client Table; DROP TABLE x"') > 0 AS created;
SELECT segment.add_question('odd', 'q', 'Q') > 0 AS q;
SELECT segment.add_option('odd', 'q', 'lo', 'Lo', 1) > 0 AS lo, segment.add_option('odd', 'q', 'hi', 'Hi', 10) > 0 AS hi;
SELECT segment.add_level('odd', 'low', '-Infinity', 5) > 0 AS low, segment.add_level('odd', 'high', 5, 'Infinity') > 0 AS high;
SELECT client_table, key_column, answers_table FROM segment.entities WHERE client_table::text LIKE '%Client Table%';

-- look-alikes that shout when called
CREATE SCHEMA evil;
CREATE FUNCTION evil.raise_called(what text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'evil % called', what; END $$;
CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.raise_called('now()'); RETURN NULL; END $$;
CREATE FUNCTION evil.trim_scale(numeric) RETURNS numeric LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.raise_called('trim_scale()'); RETURN NULL; END $$;
CREATE FUNCTION evil.sum_int(bigint, bigint) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.raise_called('bigint = bigint'); RETURN NULL; END $$;
CREATE OPERATOR evil.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = evil.sum_int);
CREATE TABLE evil.levels (scheme_id integer, name text, min_score numeric, max_score numeric);
CREATE TABLE evil.options (option_id integer, question_id integer, points numeric);
SET search_path = evil, pg_catalog, public;

SELECT segment.answer('odd', 1, 'q', 'hi');
SELECT segment.answer('odd', 2, 'q', 'lo');
INSERT INTO segment."Odd_Schema__Client_Table_DROP_TABLE_x_answers" (client_id, question_id, option_id)
SELECT 3, question_id, option_id FROM segment.answer_options WHERE scheme = 'odd' AND option = 'hi';
SELECT segment.score('odd', 1) AS one, segment.segment_of('odd', 2) AS two, segment.score('odd', 3) AS three;
SELECT * FROM segment.explain('odd', 3);
UPDATE segment.options SET points = 7 WHERE code = 'hi'
   AND question_id IN (SELECT question_id FROM segment.answer_options WHERE scheme = 'odd');
UPDATE "Odd ""Schema"""."Client Table; DROP TABLE x" SET "Key Col" = 33 WHERE "Key Col" OPERATOR(pg_catalog.=) 3;
DELETE FROM "Odd ""Schema"""."Client Table; DROP TABLE x" WHERE "Key Col" OPERATOR(pg_catalog.=) 2;
SELECT count(*) AS disagreeing FROM segment.verify('odd');
RESET search_path;
SELECT client_id, score, segment FROM segment."Odd_Schema__Client_Table_DROP_TABLE_x_assignments" ORDER BY client_id;
SELECT segment.drop_scheme('odd');
DROP SCHEMA evil, "Odd ""Schema""" CASCADE;
