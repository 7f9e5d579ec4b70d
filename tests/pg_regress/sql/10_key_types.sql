-- Client keys of every type. The answers, assignments and history tables carry the key's full
-- type, modifiers included, and a client argument converts to it exactly or is refused: it is
-- never rounded, truncated or reinterpreted as another client.
\set VERBOSITY default
\set SHOW_CONTEXT never
CREATE SCHEMA keys;
CREATE DOMAIN keys.account_code AS text CHECK (VALUE ~ '^[A-Z]{3}-[0-9]+$');
CREATE TABLE keys.k_bigint (id bigint PRIMARY KEY);
CREATE TABLE keys.k_integer (id integer PRIMARY KEY);
CREATE TABLE keys.k_smallint (id smallint PRIMARY KEY);
CREATE TABLE keys.k_text (id text PRIMARY KEY);
CREATE TABLE keys.k_varchar (id varchar(5) PRIMARY KEY);
CREATE TABLE keys.k_char (id character(5) PRIMARY KEY);
CREATE TABLE keys.k_uuid (id uuid PRIMARY KEY);
CREATE TABLE keys.k_numeric (id numeric(8,2) PRIMARY KEY);
CREATE TABLE keys.k_domain (id keys.account_code PRIMARY KEY);
INSERT INTO keys.k_bigint VALUES (1), (2), (3), (5000000000);
INSERT INTO keys.k_integer VALUES (1), (2), (3);
INSERT INTO keys.k_smallint VALUES (1), (2), (3);
INSERT INTO keys.k_text VALUES ('a'), ('b'), ('ABCDE');
INSERT INTO keys.k_varchar VALUES ('ABCDE'), ('ABXYZ'), ('AB');
INSERT INTO keys.k_char VALUES ('ABCDE'), ('ABXYZ'), ('AB');
INSERT INTO keys.k_uuid VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'), ('b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12');
INSERT INTO keys.k_numeric VALUES (1.5), (1.25), (2);
INSERT INTO keys.k_domain VALUES ('ABC-1'), ('XYZ-22');

-- one scheme per table, each with one question worth 1 or 10 points
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['bigint', 'integer', 'smallint', 'text', 'varchar', 'char', 'uuid', 'numeric', 'domain'] LOOP
        PERFORM segment.create_scheme('s_' || t, ('keys.k_' || t)::regclass);
        PERFORM segment.add_question('s_' || t, 'q', 'Q');
        PERFORM segment.add_option('s_' || t, 'q', 'lo', 'Lo', 1);
        PERFORM segment.add_option('s_' || t, 'q', 'hi', 'Hi', 10);
        PERFORM segment.add_level('s_' || t, 'low', '-Infinity', 5);
        PERFORM segment.add_level('s_' || t, 'high', 5, 'Infinity');
    END LOOP;
END
$$;

-- every per-table relation has the key's own type, with its modifier
SELECT e.client_table, pg_catalog.format_type(k.atttypid, k.atttypmod) AS key_type,
       bool_and(pg_catalog.format_type(a.atttypid, a.atttypmod) = pg_catalog.format_type(k.atttypid, k.atttypmod)) AS same_in_all_three
FROM segment.entities e
JOIN pg_attribute k ON k.attrelid = e.client_table AND k.attname = 'id'
JOIN pg_attribute a ON a.attrelid IN (e.answers_table, e.assignments_table, e.history_table) AND a.attname = 'client_id'
WHERE e.client_table::text LIKE 'keys.%'
GROUP BY 1, 2 ORDER BY 1;

-- character(5): two keys sharing their first letter are two clients
SELECT segment.answer('s_char', 'ABCDE', 'q', 'hi');
SELECT segment.answer('s_char', 'ABXYZ', 'q', 'lo');
SELECT segment.answer('s_char', 'AB', 'q', 'hi');   -- 'AB   ' in character(5)
SELECT client_id, score, segment FROM segment.keys_k_char_assignments ORDER BY client_id;
SELECT segment.score('s_char', 'ABCDE') AS abcde, segment.score('s_char', 'ABXYZ') AS abxyz,
       segment.segment_of('s_char', 'AB'::character(5)) AS ab;
-- a key longer than the column is refused, not truncated to 'ABCDE'
SELECT segment.answer('s_char', 'ABCDEF', 'q', 'lo');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.score('s_char', 'ABCDEF');
\echo :LAST_ERROR_SQLSTATE

-- varchar(5) likewise
SELECT segment.answer('s_varchar', 'ABCDE', 'q', 'hi');
SELECT segment.answer('s_varchar', 'ABXYZ'::varchar, 'q', 'lo');
SELECT segment.answer('s_varchar', 'ABXYZQ', 'q', 'hi');
\echo :LAST_ERROR_SQLSTATE
SELECT client_id, score FROM segment.keys_k_varchar_assignments ORDER BY client_id;

-- bigint: integers of any width, numerics that are whole numbers and literals work;
-- 2.5 is not rounded to 3, and a boolean is not client 1
SELECT segment.answer('s_bigint', 1, 'q', 'hi');
SELECT segment.answer('s_bigint', 5000000000, 'q', 'lo');
SELECT segment.answer('s_bigint', 2.0, 'q', 'hi');
SELECT segment.answer('s_bigint', '3', 'q', 'lo');
SELECT segment.answer('s_bigint', 2.5, 'q', 'lo');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.score('s_bigint', 2.5);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.score('s_bigint', true);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.score('s_bigint', 1::smallint) AS one, segment.score('s_bigint', 2::numeric) AS two,
       segment.score('s_bigint', '3') AS three, segment.score('s_bigint', 5000000000) AS big;
SELECT client_id, score FROM segment.keys_k_bigint_assignments ORDER BY client_id;

-- integer and smallint keys: a value out of their range is an error, not a wrapped key
SELECT segment.answer('s_integer', 5000000000, 'q', 'hi');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.answer('s_smallint', 40000, 'q', 'hi');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.answer('s_smallint', 2, 'q', 'hi');
SELECT segment.score('s_smallint', 2::bigint) AS two;
SELECT segment.score('s_smallint', 40000) AS far_away;
\echo :LAST_ERROR_SQLSTATE

-- numeric(8,2): 1.25 and 1.5 are clients, 1.255 would be rounded to 1.26 and is refused
SELECT segment.answer('s_numeric', 1.25, 'q', 'hi');
SELECT segment.answer('s_numeric', '1.5', 'q', 'lo');
SELECT segment.answer('s_numeric', 1.255, 'q', 'lo');
\echo :LAST_ERROR_SQLSTATE
SELECT client_id, score FROM segment.keys_k_numeric_assignments ORDER BY client_id;

-- uuid: any spelling uuid input accepts
SELECT segment.answer('s_uuid', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 'q', 'hi');
SELECT segment.answer('s_uuid', '{b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12}', 'q', 'lo');
SELECT client_id, score FROM segment.keys_k_uuid_assignments ORDER BY client_id;

-- a domain key: its constraint applies to the argument
SELECT segment.answer('s_domain', 'ABC-1', 'q', 'hi');
SELECT segment.answer('s_domain', 'not a code', 'q', 'hi');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.segment_of('s_domain', 'ABC-1') AS abc_1;

-- text: nothing to convert
SELECT segment.answer('s_text', 'ABCDE', 'q', 'lo');
SELECT segment.answer('s_text', 'a', 'q', 'hi');

-- One session writing single answers to tables with different key types, on every path:
-- kept plans belong to their table (they read transition tables of different row types).
CREATE FUNCTION keys.answer_row(t text, client text, opt text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('INSERT INTO segment.%I (client_id, question_id, option_id)
                    SELECT $1::%s, question_id, option_id FROM segment.answer_options
                    WHERE scheme = %L AND option = %L
                    ON CONFLICT (client_id, question_id) DO UPDATE SET option_id = EXCLUDED.option_id',
                   'keys_k_' || t || '_answers', (SELECT format_type(atttypid, atttypmod) FROM pg_attribute
                                                 WHERE attrelid = ('keys.k_' || t)::regclass AND attname = 'id'),
                   's_' || t, opt) USING client;
END
$$;
SET pg_segment.direct_writes = off;
SELECT keys.answer_row('bigint', '1', 'lo'), keys.answer_row('text', 'b', 'hi'),
       keys.answer_row('char', 'ABXYZ', 'hi'), keys.answer_row('uuid', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'lo'),
       keys.answer_row('bigint', '2', 'lo'), keys.answer_row('numeric', '2', 'hi');
RESET pg_segment.direct_writes;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT keys.answer_row('text', 'a', 'lo'), keys.answer_row('bigint', '3', 'hi'),
       keys.answer_row('char', 'AB', 'lo'), keys.answer_row('varchar', 'AB', 'hi');
COMMIT;
SELECT keys.answer_row('smallint', '1', 'hi'), keys.answer_row('integer', '1', 'hi'),
       keys.answer_row('domain', 'XYZ-22', 'lo'), keys.answer_row('bigint', '1', 'hi');

-- every scheme agrees with a from-scratch recompute
SELECT s.name, (SELECT count(*) FROM segment.verify(s.name)) AS disagreeing
FROM segment.schemes s WHERE s.name LIKE 's\_%' ORDER BY 1;
