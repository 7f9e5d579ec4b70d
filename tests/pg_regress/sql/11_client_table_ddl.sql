-- DDL on bound client tables: renames, SET SCHEMA and key-column renames are followed (names
-- are found by OID, and cached names drop on the invalidation the DDL sends); a new key type
-- is followed; a key update moves the client's answers, score and history; DROP … CASCADE
-- takes the schemes along; what would leave scores wrong is refused.
\set VERBOSITY default
\set SHOW_CONTEXT never
CREATE SCHEMA ddl;
CREATE TABLE ddl.shops (id integer PRIMARY KEY, name text);
INSERT INTO ddl.shops SELECT g, 'shop ' || g FROM generate_series(1, 5) g;
SELECT segment.create_scheme('shops', 'ddl.shops') > 0 AS created;
SELECT segment.add_question('shops', 'size', 'Size') > 0 AS q;
SELECT segment.add_option('shops', 'size', 'small', 'Small', 1) > 0 AS o1,
       segment.add_option('shops', 'size', 'big', 'Big', 10) > 0 AS o2;
SELECT segment.add_level('shops', 'B', '-Infinity', 5) > 0 AS b, segment.add_level('shops', 'A', 5, 'Infinity') > 0 AS a;
SELECT segment.answer('shops', g, 'size', CASE WHEN g % 2 = 0 THEN 'big' ELSE 'small' END) FROM generate_series(1, 4) g;
-- warm every cache of this session: entity, compiled configuration, kept plans, direct read
SELECT segment.answer('shops', 1, 'size', 'big'), segment.score('shops', 1), segment.score('shops', 1);

-- rename and move the client table and its key column: this session keeps working
ALTER TABLE ddl.shops RENAME TO outlets;
ALTER TABLE ddl.outlets RENAME COLUMN id TO outlet_id;
CREATE SCHEMA ddl2;
ALTER TABLE ddl.outlets SET SCHEMA ddl2;
SELECT e.client_table, e.key_column FROM segment.entities e WHERE e.entity_id = (SELECT entity_id FROM segment.schemes WHERE name = 'shops');
SELECT segment.answer('shops', 3, 'size', 'big');
SELECT segment.score('shops', 3) AS three, segment.segment_of('shops', 4) AS four;
SELECT segment.remove_answer('shops', 4, 'size') AS removed;
SELECT * FROM segment.explain('shops', 3);
DELETE FROM ddl2.outlets WHERE outlet_id = 2;
SELECT count(*) AS rows_of_client_2 FROM (
    SELECT client_id FROM segment.ddl_shops_answers WHERE client_id = 2
    UNION ALL SELECT client_id FROM segment.ddl_shops_assignments WHERE client_id = 2
    UNION ALL SELECT client_id FROM segment.ddl_shops_history WHERE client_id = 2) r;
-- a new table under the old name is not the bound one
CREATE TABLE ddl.shops (id integer PRIMARY KEY);
INSERT INTO ddl.shops VALUES (3);
SELECT segment.answer('shops', 5, 'size', 'big');
SELECT client_id, score FROM segment.ddl_shops_assignments ORDER BY client_id;
SELECT count(*) AS disagreeing FROM segment.verify('shops');

-- a client whose key changes keeps its answers, score and history
SELECT count(*) AS history_of_3 FROM segment.ddl_shops_history WHERE client_id = 3;
UPDATE ddl2.outlets SET outlet_id = 33 WHERE outlet_id = 3;
SELECT client_id, question_id IS NOT NULL AS answered FROM segment.ddl_shops_answers WHERE client_id IN (3, 33);
SELECT client_id, score, segment FROM segment.ddl_shops_assignments WHERE client_id IN (3, 33);
SELECT client_id, count(*) AS history_rows, bool_and(cause = 'answer') AS all_answers
FROM segment.ddl_shops_history WHERE client_id IN (3, 33) GROUP BY client_id;
SELECT segment.score('shops', 33) AS thirty_three;
-- a client with history but no answer left
SELECT segment.remove_answer('shops', 1, 'size');
UPDATE ddl2.outlets SET outlet_id = 11 WHERE outlet_id = 1;
SELECT client_id, count(*) AS history_rows FROM segment.ddl_shops_history WHERE client_id IN (1, 11) GROUP BY client_id;
SELECT count(*) AS disagreeing FROM segment.verify('shops');

-- a new key type: refused while the key-update trigger depends on the column; with it dropped
-- first, the per-table relations follow, the trigger comes back, and a bigger key works
ALTER TABLE ddl2.outlets ALTER COLUMN outlet_id TYPE bigint;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
DROP TRIGGER pg_segment_client_rekey ON ddl2.outlets;
ALTER TABLE ddl2.outlets ALTER COLUMN outlet_id TYPE bigint;
COMMIT;
SELECT tgname FROM pg_trigger WHERE tgrelid = 'ddl2.outlets'::regclass AND NOT tgisinternal ORDER BY 1;
SELECT a.attrelid::regclass AS relation, format_type(a.atttypid, a.atttypmod) AS client_id_type
FROM pg_attribute a WHERE a.attname = 'client_id'
  AND a.attrelid IN ('segment.ddl_shops_answers'::regclass, 'segment.ddl_shops_assignments'::regclass, 'segment.ddl_shops_history'::regclass)
ORDER BY 1;
INSERT INTO ddl2.outlets VALUES (5000000000, 'big one');
SELECT segment.answer('shops', 5000000000, 'size', 'big');
SELECT segment.segment_of('shops', 5000000000) AS big_one;
UPDATE ddl2.outlets SET outlet_id = 6000000000 WHERE outlet_id = 5000000000;
SELECT segment.segment_of('shops', 6000000000) AS moved_big_one;
DELETE FROM ddl2.outlets WHERE outlet_id = 6000000000;
SELECT count(*) AS disagreeing FROM segment.verify('shops');

-- a primary key that is no longer the client key is refused
ALTER TABLE ddl2.outlets DROP CONSTRAINT shops_pkey;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE ddl2.outlets ADD COLUMN code text;
UPDATE ddl2.outlets SET code = 'c' || outlet_id;
ALTER TABLE ddl2.outlets DROP CONSTRAINT shops_pkey CASCADE, ADD PRIMARY KEY (code);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS answers_still_bound FROM segment.ddl_shops_answers;
-- a table whose schemes were all dropped can change its key: it is simply unbound
CREATE TABLE ddl.spare (id integer PRIMARY KEY, code text UNIQUE);
INSERT INTO ddl.spare VALUES (1, 'a');
SELECT segment.create_scheme('spare', 'ddl.spare') > 0 AS created;
SELECT segment.drop_scheme('spare');
ALTER TABLE ddl.spare DROP CONSTRAINT spare_pkey CASCADE, ADD PRIMARY KEY (code);
SELECT count(*) AS spare_entities FROM segment.entities WHERE client_table = 'ddl.spare'::regclass;
SELECT count(*) AS spare_relations FROM pg_class WHERE relname LIKE 'ddl\_spare\_%';

-- pg_segment's own tables cannot be dropped from under a scheme
DROP TABLE segment.ddl_shops_history;
\echo :LAST_ERROR_SQLSTATE

-- DROP TABLE needs CASCADE, and takes the schemes and their tables with it
DROP TABLE ddl2.outlets;
\echo :LAST_ERROR_SQLSTATE
DROP TABLE ddl2.outlets CASCADE;
SELECT count(*) AS schemes FROM segment.schemes WHERE name = 'shops';
SELECT count(*) AS relations FROM pg_class WHERE relname LIKE 'ddl\_shops\_%';
\set VERBOSITY terse
SELECT segment.score('shops', 1);
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE

-- Partitioned client tables: a key update within a partition keeps the client's score and whole
-- ledger; one across partitions (which PostgreSQL runs as a delete and an insert, so that no
-- trigger learns both keys) is refused for a client pg_segment keeps data of.
CREATE TABLE ddl.parts (id integer PRIMARY KEY) PARTITION BY RANGE (id);
CREATE TABLE ddl.parts_low PARTITION OF ddl.parts FOR VALUES FROM (0) TO (100);
CREATE TABLE ddl.parts_high PARTITION OF ddl.parts FOR VALUES FROM (100) TO (1000);
INSERT INTO ddl.parts VALUES (1), (2), (3);
SELECT segment.create_scheme('parts', 'ddl.parts') > 0 AS created;
SELECT segment.add_question('parts', 'q', 'Q') > 0 AS q;
SELECT segment.add_option('parts', 'q', 'lo', 'Lo', 1) > 0 AS lo, segment.add_option('parts', 'q', 'hi', 'Hi', 10) > 0 AS hi;
SELECT segment.answer('parts', c, 'q', 'hi'), segment.answer('parts', c, 'q', 'lo') FROM generate_series(1, 2) c;
UPDATE ddl.parts SET id = 50 WHERE id = 2;   -- within parts_low
UPDATE ddl.parts SET id = 500 WHERE id = 1;  -- to parts_high
\echo :LAST_ERROR_SQLSTATE
UPDATE ddl.parts SET id = 300 WHERE id = 3;  -- no answers: free to move
SELECT client_id, old_score, new_score, cause FROM segment.ddl_parts_history ORDER BY history_id;
SELECT client_id, score FROM segment.ddl_parts_assignments ORDER BY client_id;
SELECT count(*) AS disagreeing FROM segment.verify('parts');
-- with a parameter, a client without data may not move either: nothing would score it under
-- its new key (a move fires no INSERT statement trigger). Client 4's parameter has no value
-- below 100 (no input, no assignment); under 400 it would be worth 5.
SELECT segment.add_parameter('parts', 'big', 'Big key', 'CASE WHEN id >= 100 THEN true END') > 0
   AND segment.add_match('parts', 'big', 'true', 5) > 0 AS ok;
INSERT INTO ddl.parts VALUES (4);
UPDATE ddl.parts SET id = 40 WHERE id = 4;   -- within parts_low
UPDATE ddl.parts SET id = 400 WHERE id = 40; -- to parts_high
\echo :LAST_ERROR_SQLSTATE
SELECT client_id, score, parameter_score FROM segment.ddl_parts_assignments ORDER BY client_id;
SELECT count(*) AS disagreeing FROM segment.verify('parts');
SELECT segment.drop_parameter('parts', 'big');

-- a key renumbering moves client after client onto keys the previous one just left
CREATE TABLE ddl.seq (id integer PRIMARY KEY);
INSERT INTO ddl.seq VALUES (2), (3), (4);
SELECT segment.create_scheme('seq', 'ddl.seq') > 0 AS created;
SELECT segment.add_question('seq', 'q1', 'Q1') > 0 AS q1, segment.add_question('seq', 'q2', 'Q2') > 0 AS q2;
SELECT count(segment.add_option('seq', q, 'a', 'A', 1)) AS options FROM unnest(ARRAY['q1', 'q2']) q;
SELECT count(segment.add_option('seq', q, 'b', 'B', 100)) AS options FROM unnest(ARRAY['q1', 'q2']) q;
SELECT segment.answer('seq', 2, 'q1', 'a'), segment.answer('seq', 3, 'q1', 'b'), segment.answer('seq', 3, 'q2', 'b');
UPDATE ddl.seq SET id = id - 1;
SELECT client_id, score, answered FROM segment.ddl_seq_assignments ORDER BY client_id;
SELECT client_id, count(*) AS history_rows FROM segment.ddl_seq_history GROUP BY 1 ORDER BY 1;
SELECT count(*) AS disagreeing FROM segment.verify('seq');
-- moving some of a client's answers to another client is scored as answers, not as a key change
WITH gone AS (DELETE FROM ddl.seq WHERE id = 1)
UPDATE segment.ddl_seq_answers SET client_id = 3 WHERE client_id = 1;
SELECT client_id, score, answered FROM segment.ddl_seq_assignments ORDER BY client_id;
SELECT count(*) AS disagreeing FROM segment.verify('seq');
-- a key change rolled back to a savepoint explains no later statement: moving all of client 3's
-- answers to client 4 afterwards is scored
BEGIN;
SAVEPOINT before_rekey;
UPDATE ddl.seq SET id = 4 WHERE id = 3;
ROLLBACK TO SAVEPOINT before_rekey;
INSERT INTO ddl.seq VALUES (4);
UPDATE segment.ddl_seq_answers SET client_id = 4 WHERE client_id = 3;
COMMIT;
SELECT client_id, score, answered FROM segment.ddl_seq_assignments ORDER BY client_id;
SELECT count(*) AS disagreeing FROM segment.verify('seq');

-- a relation OID that names no table
SELECT segment.create_scheme('ghost', 999999::regclass);
\echo :LAST_ERROR_SQLSTATE

-- pg_segment's client-table trigger functions trust no arguments and run only on bound tables
CREATE TABLE ddl.other (id integer PRIMARY KEY);
INSERT INTO ddl.other VALUES (1);
CREATE TRIGGER crafted AFTER DELETE ON ddl.other FOR EACH ROW
    EXECUTE FUNCTION segment._client_removed('segment.entities; DROP TABLE ddl.shops; --', 'x', 'id');
DELETE FROM ddl.other;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS shops_still_there FROM ddl.shops;
DROP SCHEMA ddl, ddl2 CASCADE;
