-- The privilege model. Application roles write answers and read results; they can never write
-- scores or the ledger: the triggers' maintenance runs as the client table's owner. Each kind
-- of role gets exactly its rights from segment.grant_writer / grant_reader / grant_admin.
\set VERBOSITY default
\set SHOW_CONTEXT never
CREATE ROLE priv_owner;
CREATE ROLE priv_admin;
CREATE ROLE priv_writer;
CREATE ROLE priv_reader;
CREATE ROLE priv_deleter;
CREATE ROLE priv_nobody;
CREATE SCHEMA priv AUTHORIZATION priv_owner;
SET ROLE priv_owner;
CREATE TABLE priv.clients (id bigint PRIMARY KEY, name text);
INSERT INTO priv.clients SELECT g, 'client ' || g FROM generate_series(1, 6) g;
GRANT USAGE ON SCHEMA priv TO priv_admin, priv_writer, priv_reader, priv_deleter, priv_nobody;
-- binding a scheme needs REFERENCES and TRIGGER on the client table; a deleter needs nothing
-- of pg_segment's
GRANT REFERENCES, TRIGGER ON priv.clients TO priv_admin;
GRANT SELECT, DELETE ON priv.clients TO priv_deleter;
RESET ROLE;
SELECT segment.grant_admin('priv_admin'), segment.grant_writer('priv_writer'),
       segment.grant_reader('priv_reader');
SELECT role_name, kind FROM segment.role_grants WHERE role_name::text LIKE 'priv\_%' ORDER BY 1, 2;

-- The administrator binds a scheme and configures it, with the functions and with plain SQL.
SET ROLE priv_admin;
SELECT segment.create_scheme('priv', 'priv.clients') > 0 AS created;
INSERT INTO segment.questions (question_id, scheme_id, code, prompt, position)
SELECT 9001, scheme_id, 'q', 'Q', 1 FROM segment.schemes WHERE name = 'priv';
INSERT INTO segment.options (option_id, question_id, code, label, points, position)
VALUES (9011, 9001, 'lo', 'Lo', 1, 1), (9012, 9001, 'hi', 'Hi', 10, 2);
SELECT segment.add_level('priv', 'low', '-Infinity', 5) > 0 AS low,
       segment.add_level('priv', 'high', 5, 'Infinity') > 0 AS high;
RESET ROLE;
-- the per-table relations belong to the client table's owner
SELECT c.relname, c.relowner::regrole AS owner FROM pg_class c
WHERE c.relnamespace = 'segment'::regnamespace AND c.relname LIKE 'priv\_clients\_%' AND c.relkind = 'r'
ORDER BY 1;

-- The writer, with nothing but grant_writer: every writer function, plain SQL and COPY.
SET ROLE priv_writer;
SELECT segment.answer('priv', 1, 'q', 'hi');
SELECT segment.remove_answer('priv', 1, 'q') AS removed;
SELECT segment.answer('priv', 1, 'q', 'hi');
INSERT INTO segment.priv_clients_answers (client_id, question_id, option_id) VALUES (2, 9001, 9011);
UPDATE segment.priv_clients_answers SET option_id = 9012 WHERE client_id = 2;
COPY segment.priv_clients_answers (client_id, question_id, option_id) FROM stdin;
3	9001	9012
4	9001	9011
5	9001	9011
\.
DELETE FROM segment.priv_clients_answers WHERE client_id = 5;
SELECT segment.score('priv', 1) AS one, segment.segment_of('priv', 2) AS two, segment.score('priv', 4) AS four;
-- … and cannot write scores, the ledger or the configuration
\set VERBOSITY terse
UPDATE segment.priv_clients_assignments SET score = 1000 WHERE client_id = 1;
INSERT INTO segment.priv_clients_assignments (scheme_id, client_id, score, answered, version)
SELECT scheme_id, 6, 1000, 1, 1 FROM segment.schemes WHERE name = 'priv';
DELETE FROM segment.priv_clients_history;
INSERT INTO segment.priv_clients_history (scheme_id, client_id, cause, version) VALUES (1, 1, 'forged', 1);
TRUNCATE segment.priv_clients_history;
UPDATE segment.options SET points = 100 WHERE option_id = 9011;
\set VERBOSITY default
RESET ROLE;

-- The reader reads every result and writes nothing.
SET ROLE priv_reader;
SELECT * FROM segment.explain('priv', 1);
SELECT count(*) AS history_of_1 FROM segment.history('priv', 1);
SELECT * FROM segment.distribution('priv');
SELECT count(*) AS disagreeing FROM segment.verify('priv');
SELECT segment.questionnaire('priv') -> 'questions' -> 0 ->> 'code' AS first_question;
SELECT client_id, score FROM segment.priv_clients_assignments ORDER BY client_id;
\set VERBOSITY terse
SELECT segment.answer('priv', 6, 'q', 'lo');
\set VERBOSITY default
RESET ROLE;

-- A role without pg_segment's rights gets 42501, not a wrong answer.
SET ROLE priv_nobody;
SELECT segment.score('priv', 1);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- The administrator's configuration change re-segments every client as the owner; the
-- administrator cannot write scores either.
SET ROLE priv_admin;
UPDATE segment.options SET points = 4 WHERE option_id = 9011;
\set VERBOSITY terse
UPDATE segment.priv_clients_assignments SET score = 1000;
\set VERBOSITY default
RESET ROLE;
SELECT client_id, score, segment FROM segment.priv_clients_assignments ORDER BY client_id;

-- A role that may only delete clients deletes an answered one: its answers, score and history go.
SET ROLE priv_deleter;
DELETE FROM priv.clients WHERE id = 4;
RESET ROLE;
SELECT (SELECT count(*) FROM segment.priv_clients_answers WHERE client_id = 4) AS answers,
       (SELECT count(*) FROM segment.priv_clients_assignments WHERE client_id = 4) AS assignments,
       (SELECT count(*) FROM segment.priv_clients_history WHERE client_id = 4) AS history;

-- Binding checks REFERENCES and TRIGGER on every create_scheme, also over a table already bound.
CREATE ROLE priv_admin2;
SELECT segment.grant_admin('priv_admin2');
GRANT USAGE ON SCHEMA priv TO priv_admin2;
SET ROLE priv_admin2;
SELECT segment.create_scheme('priv_second', 'priv.clients');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT count(*) AS schemes_named_priv_second FROM segment.schemes WHERE name = 'priv_second';

-- Whatever a writer holds on the assignments table, the direct and the SQL path score its
-- writes alike: neither uses the writer's rights on it.
CREATE ROLE priv_writer_si;
CREATE ROLE priv_writer_siu;
SELECT segment.grant_writer('priv_writer_si'), segment.grant_writer('priv_writer_siu');
GRANT SELECT, INSERT ON segment.priv_clients_assignments TO priv_writer_si;
GRANT SELECT, INSERT, UPDATE ON segment.priv_clients_assignments TO priv_writer_siu;
SET ROLE priv_writer;
SELECT segment.answer('priv', 1, 'q', 'lo'), segment.answer('priv', 1, 'q', 'hi');
SET ROLE priv_writer_si;
SELECT segment.answer('priv', 2, 'q', 'lo'), segment.answer('priv', 2, 'q', 'hi');
SET pg_segment.direct_writes = off;
SELECT segment.answer('priv', 3, 'q', 'lo'), segment.answer('priv', 3, 'q', 'hi');
SET ROLE priv_writer_siu;
SELECT segment.answer('priv', 6, 'q', 'lo'), segment.answer('priv', 6, 'q', 'hi');
RESET pg_segment.direct_writes;
SELECT segment.answer('priv', 6, 'q', 'lo');
RESET ROLE;
SELECT client_id, score, segment FROM segment.priv_clients_assignments ORDER BY client_id;
SELECT count(*) AS disagreeing FROM segment.verify('priv');

-- revoke_role takes everything back and forgets the role
SELECT segment.revoke_role(r) FROM unnest(ARRAY['priv_admin', 'priv_admin2', 'priv_writer', 'priv_reader',
                                               'priv_writer_si', 'priv_writer_siu']::regrole[]) r;
SELECT count(*) AS recorded FROM segment.role_grants WHERE role_name::text LIKE 'priv\_%';
SELECT count(*) AS privileges_left FROM pg_class c, aclexplode(c.relacl) a
WHERE c.relnamespace = 'segment'::regnamespace
  AND a.grantee IN (SELECT oid FROM pg_roles WHERE rolname LIKE 'priv\_%' AND rolname <> 'priv_owner');
SELECT segment.drop_scheme('priv');
DROP SCHEMA priv CASCADE;
DROP ROLE priv_admin, priv_admin2, priv_writer, priv_reader, priv_deleter, priv_nobody,
          priv_writer_si, priv_writer_siu;
DROP OWNED BY priv_owner;
DROP ROLE priv_owner;
