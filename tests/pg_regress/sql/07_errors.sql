-- Bad input: a specific SQLSTATE (echoed after each error), a message naming the value, a HINT
-- where it helps, and nothing written.
\set VERBOSITY default
\set SHOW_CONTEXT never
CREATE SCHEMA bad;
CREATE TABLE bad.no_key (id bigint, name text);
CREATE TABLE bad.two_keys (a int, b int, PRIMARY KEY (a, b));
CREATE VIEW bad.a_view AS SELECT 1 AS id;
CREATE TABLE bad.clients (id bigint PRIMARY KEY);
INSERT INTO bad.clients VALUES (1), (2);

-- binding
SELECT segment.create_scheme('x', 'bad.no_key');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.create_scheme('x', 'bad.two_keys');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.create_scheme('x', 'bad.a_view');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.create_scheme('x', 'bad.missing');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.create_scheme('outlet', 'bad.clients');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.create_scheme('  ', 'bad.clients');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.create_scheme(NULL, 'bad.clients');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS schemes_named_x FROM segment.schemes WHERE name = 'x';
SELECT count(*) AS entities_of_bad FROM segment.entities WHERE client_table::text LIKE 'bad.%';

-- unknown names
SELECT segment.add_question('nope', 'q', 'Q');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_option('outlet', 'sizes', 'x', 'X', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.answer('outlet', 5, 'size', 'huge');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.score('nope', 1);
\echo :LAST_ERROR_SQLSTATE

-- duplicates
SELECT segment.add_question('outlet', 'size', 'Again');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_option('outlet', 'size', 'small', 'Again', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_level('outlet', 'A', 100, 200);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO segment.questions (scheme_id, code, prompt, position)
SELECT scheme_id, 'size', 'Again', 9 FROM segment.schemes WHERE name = 'outlet';
\echo :LAST_ERROR_SQLSTATE

-- level ranges
SELECT segment.add_level('outlet', 'overlapping', 20, 30);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO segment.levels (scheme_id, name, min_score, max_score)
SELECT scheme_id, 'overlapping', 5, 12 FROM segment.schemes WHERE name = 'outlet';
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_level('outlet', 'empty', 12, 12);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_level('outlet', 'inverted', 14, 11);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO segment.levels (scheme_id, name, min_score, max_score)
SELECT scheme_id, 'inverted', 14, 11 FROM segment.schemes WHERE name = 'outlet';
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_level('outlet', 'nan', 'NaN', 12);
\echo :LAST_ERROR_SQLSTATE
SELECT name, min_score, max_score FROM segment.levels
WHERE scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'outlet') ORDER BY min_score;

-- weights and points
SELECT segment.add_question('outlet', 'heavy', 'Too heavy', -1);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_question('outlet', 'fine', 'Too fine', 0.00001);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_option('outlet', 'size', 'giant', 'Giant', 1e12);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_option('outlet', 'size', 'weird', 'Weird', 'NaN');
\echo :LAST_ERROR_SQLSTATE

-- answers
SELECT segment.answer('outlet', 999, 'size', 'large');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.answer('outlet', NULL::bigint, 'size', 'large');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.answer('value', 'not-a-uuid', 'frequency', 'weekly');
\echo :LAST_ERROR_SQLSTATE
-- an option of another question, through plain SQL
INSERT INTO segment.shop_outlets_answers (client_id, question_id, option_id)
SELECT 5, q.question_id, o.option_id FROM segment.answer_options q, segment.answer_options o
WHERE q.scheme = 'outlet' AND q.question = 'size' AND q.option = 'small'
  AND o.scheme = 'outlet' AND o.question = 'traffic' AND o.option = 'high';
\echo :LAST_ERROR_SQLSTATE
-- a question of a scheme over another client table
INSERT INTO segment.shop_outlets_answers (client_id, question_id, option_id)
SELECT 5, question_id, option_id FROM segment.answer_options WHERE scheme = 'risk' AND option = 'yes';
\echo :LAST_ERROR_SQLSTATE
-- a client that does not exist, through plain SQL
INSERT INTO segment.shop_outlets_answers (client_id, question_id, option_id)
SELECT 999, question_id, option_id FROM segment.answer_options WHERE scheme = 'outlet' AND option = 'large';
\echo :LAST_ERROR_SQLSTATE
-- reads about a client that does not exist
SELECT segment.segment_of('outlet', 999);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM segment.explain('outlet', 999);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS answers_of_5 FROM segment.shop_outlets_answers WHERE client_id IN (5, 999);

-- a scheme stays on its client table
UPDATE segment.schemes SET entity_id = (SELECT entity_id FROM segment.entities
                                        WHERE client_table = 'people.persons'::regclass)
WHERE name = 'outlet';
\echo :LAST_ERROR_SQLSTATE

-- binding needs REFERENCES on the client table
CREATE ROLE segment_regress_clerk;
GRANT USAGE ON SCHEMA segment, bad TO segment_regress_clerk;
GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA segment TO segment_regress_clerk;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA segment TO segment_regress_clerk;
SET ROLE segment_regress_clerk;
SELECT segment.create_scheme('clerks', 'bad.clients');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
REVOKE ALL ON ALL TABLES IN SCHEMA segment FROM segment_regress_clerk;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA segment FROM segment_regress_clerk;
REVOKE ALL ON SCHEMA segment, bad FROM segment_regress_clerk;
DROP ROLE segment_regress_clerk;
SELECT * FROM segment.verify('outlet');

-- partitions and pg_segment's own tables are not client tables
CREATE TABLE bad.parted (id integer PRIMARY KEY) PARTITION BY RANGE (id);
CREATE TABLE bad.parted_1 PARTITION OF bad.parted FOR VALUES FROM (0) TO (10);
SELECT segment.create_scheme('part', 'bad.parted_1');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.create_scheme('meta', 'segment.schemes');
\echo :LAST_ERROR_SQLSTATE

-- the grant functions name the role they cannot use
SELECT segment.grant_writer(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.revoke_role(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.revoke_role(0::oid::regrole);
\echo :LAST_ERROR_SQLSTATE
