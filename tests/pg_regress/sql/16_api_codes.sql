-- segment.answer() and segment.remove_answer() resolve scheme, question and option codes
-- through the backend's compiled configuration. Every configuration change invalidates it: a
-- renamed scheme, question or option, a new option, a dropped scheme are seen by the very next
-- call in the same session, and unknown codes still get their specific errors.
CREATE SCHEMA api;
CREATE TABLE api.stores (id integer PRIMARY KEY);
INSERT INTO api.stores SELECT generate_series(1, 5);
CREATE TABLE api.wide (id bigint PRIMARY KEY);
INSERT INTO api.wide VALUES (1), (5000000000);
SELECT segment.create_scheme('api_size', 'api.stores') > 0 AS created;
SELECT segment.add_question('api_size', 'floor', 'Floor area') > 0 AS added;
SELECT segment.add_option('api_size', 'floor', 'small', 'Small', 1) > 0 AS added;
SELECT segment.add_option('api_size', 'floor', 'large', 'Large', 10) > 0 AS added;
SELECT segment.add_level('api_size', 'S', '-Infinity', 5) > 0 AND segment.add_level('api_size', 'L', 5, 'Infinity') > 0 AS added;

-- codes resolved, the answer scored in the same statement
SELECT segment.answer('api_size', 1, 'floor', 'large');
SELECT segment.score('api_size', 1), segment.segment_of('api_size', 1);

-- an option renamed in this session: the old code is unknown at once, the new one works
UPDATE segment.options SET code = 'big' WHERE code = 'large';
SELECT segment.answer('api_size', 2, 'floor', 'large');
SELECT segment.answer('api_size', 2, 'floor', 'big');
SELECT segment.score('api_size', 2);

-- a question renamed, then a scheme renamed
UPDATE segment.questions SET code = 'area' WHERE code = 'floor';
SELECT segment.answer('api_size', 3, 'floor', 'small');
SELECT segment.answer('api_size', 3, 'area', 'small');
UPDATE segment.schemes SET name = 'api_area' WHERE name = 'api_size';
-- (terse: the HINT would list the schemes of earlier suites)
\set VERBOSITY terse
SELECT segment.answer('api_size', 3, 'area', 'big');
\set VERBOSITY default
SELECT segment.answer('api_area', 3, 'area', 'big');
SELECT client_id, score, segment FROM segment.api_stores_assignments ORDER BY client_id;

-- a new option is answerable at once; its points are the new ones
SELECT segment.add_option('api_area', 'area', 'huge', 'Huge', 100) > 0 AS added;
SELECT segment.answer('api_area', 4, 'area', 'huge');
SELECT segment.score('api_area', 4);

-- removal through codes; a client that does not exist; NULL arguments
SELECT segment.remove_answer('api_area', 4, 'area');
SELECT segment.remove_answer('api_area', 4, 'area');
SELECT segment.score('api_area', 4);
SELECT segment.answer('api_area', 99, 'area', 'big');
SELECT segment.answer('api_area', NULL, 'area', 'big');
SELECT segment.answer(NULL, 1, NULL, 'big');

-- integer arguments widen to a bigint key without a query; a value beyond integer comes as
-- bigint and matches itself
SELECT segment.create_scheme('api_wide', 'api.wide') > 0 AS created;
SELECT segment.add_question('api_wide', 'q', 'Q') > 0 AS added;
SELECT segment.add_option('api_wide', 'q', 'yes', 'Yes', 3) > 0 AS added;
SELECT segment.answer('api_wide', 1, 'q', 'yes');
SELECT segment.answer('api_wide', 1::smallint, 'q', 'yes');
SELECT segment.answer('api_wide', 5000000000, 'q', 'yes');
SELECT client_id, score FROM segment.api_wide_assignments ORDER BY client_id;
-- a smallint argument for an integer key
SELECT segment.answer('api_area', 5::smallint, 'area', 'big');
SELECT segment.score('api_area', 5);

-- The read functions take no transaction id, so they work on a hot standby too (client 4 has
-- no assignment: segment_of checks that the client exists).
BEGIN;
SELECT count(*) AS questions FROM segment.explain('api_area', 2);
SELECT count(*) AS changes FROM segment.history('api_area', 2);
SELECT segment.segment_of('api_area', 4), segment.score('api_area', 4);
SELECT pg_current_xact_id_if_assigned() IS NULL AS no_transaction_id;
COMMIT;

-- A role with rights on the answers table but none on the configuration is refused as the SQL
-- look-up refuses it, whatever this session has compiled; granted the writer's rights, it
-- answers.
CREATE ROLE api_no_config;
GRANT USAGE ON SCHEMA segment TO api_no_config;
GRANT SELECT, INSERT, UPDATE, DELETE ON segment.api_stores_answers TO api_no_config;
SET ROLE api_no_config;
SELECT segment.answer('api_area', 1, 'area', 'small');
SELECT segment.remove_answer('api_area', 1, 'area');
RESET ROLE;
SELECT segment.grant_writer('api_no_config');
SET ROLE api_no_config;
SELECT segment.answer('api_area', 1, 'area', 'small');
RESET ROLE;
SELECT segment.score('api_area', 1);
SELECT segment.revoke_role('api_no_config');
REVOKE ALL ON segment.api_stores_answers FROM api_no_config;
REVOKE ALL ON SCHEMA segment FROM api_no_config;
DROP ROLE api_no_config;

-- a dropped scheme is unknown at once
SELECT segment.drop_scheme('api_wide');
\set VERBOSITY terse
SELECT segment.answer('api_wide', 1, 'q', 'yes');
\set VERBOSITY default

-- every client's stored assignment equals a recompute
SELECT count(*) AS disagreeing FROM segment.verify('api_area');

SELECT segment.drop_scheme('api_area');
SET client_min_messages = warning;
DROP SCHEMA api CASCADE;
RESET client_min_messages;
