-- The direct recompute of a ruled scheme's client. One answer written in a ruled scheme
-- without parameters recomputes its client with the compiled configuration (the engine's
-- assessment, the one verify makes) and writes the assignment row by row, instead of running
-- recompute_ruled.sql. The same workload runs on two identical client tables, one with
-- pg_segment.direct_writes on and one with it off (the SQL recompute): assignments and history
-- must come out the same, and verify must find nothing on either. The keys are character(4),
-- whose padding the direct path must keep.
\set VERBOSITY default
\set SHOW_CONTEXT never
CREATE SCHEMA rdir;
CREATE TABLE rdir.fast (id character(4) PRIMARY KEY, kind text);
CREATE TABLE rdir.slow (LIKE rdir.fast INCLUDING ALL);
INSERT INTO rdir.fast VALUES ('c1', 'shop'), ('c2', 'kiosk'), ('c3', 'market'), ('c4', NULL),
                             ('c5', 'shop'), ('c6', 'other'), ('c7', 'kiosk');
INSERT INTO rdir.slow SELECT * FROM rdir.fast;

-- Both schemes: a group of q1 and q2 clamped to [0, 6], a required number question q3, a
-- forcing status question q4, a kiosk-only question q5; shops and markets segmented by the
-- scheme's levels, kiosks by their own.
CREATE FUNCTION rdir.build(scheme text, clients regclass) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM segment.create_scheme(scheme, clients);
    PERFORM segment.add_question(scheme, 'q1', 'First', 1, 1);
    PERFORM segment.add_option(scheme, 'q1', 'a', 'A', 5);
    PERFORM segment.add_option(scheme, 'q1', 'b', 'B', 2);
    PERFORM segment.add_option(scheme, 'q1', 'c', 'C', -3);
    PERFORM segment.add_question(scheme, 'q2', 'Second', 1, 2);
    PERFORM segment.add_option(scheme, 'q2', 'x', 'X', 4);
    PERFORM segment.add_option(scheme, 'q2', 'y', 'Y', 1);
    PERFORM segment.add_question(scheme, 'q3', 'Counters', 1, 3, kind => 'number');
    PERFORM segment.add_range(scheme, 'q3', 0, 10, 1);
    PERFORM segment.add_range(scheme, 'q3', 10, 'Infinity', 6);
    PERFORM segment.add_question(scheme, 'q4', 'Status', 0, 4);
    PERFORM segment.add_option(scheme, 'q4', 'open', 'Open', 0);
    PERFORM segment.add_option(scheme, 'q4', 'closed', 'Closed', 0);
    PERFORM segment.add_question(scheme, 'q5', 'Fridge', 2, 5);
    PERFORM segment.add_option(scheme, 'q5', 'k1', 'Small', 1);
    PERFORM segment.add_option(scheme, 'q5', 'k2', 'Large', 3.5);
    PERFORM segment.add_level(scheme, 'D', '-Infinity', 3);
    PERFORM segment.add_level(scheme, 'C', 3, 8);
    PERFORM segment.add_level(scheme, 'B', 8, 'Infinity');
    PERFORM segment.add_group(scheme, 'g', 0, 6);
    PERFORM segment.set_group(scheme, 'q1', 'g');
    PERFORM segment.set_group(scheme, 'q2', 'g');
    PERFORM segment.set_required(scheme, 'q3', true);
    PERFORM segment.force_level(scheme, 'q4', 'closed', 'D');
    PERFORM segment.force_level(scheme, 'q3', '99', 'B');
    PERFORM segment.set_variant_column(scheme, 'kind');
    PERFORM segment.add_variant(scheme, 'shop', 'Shop', ARRAY['shop', 'market']);
    PERFORM segment.add_variant(scheme, 'kiosk', 'Kiosk', ARRAY['kiosk']);
    PERFORM segment.attach(scheme, 'kiosk', 'q5');
    PERFORM segment.add_level(scheme, 'small', '-Infinity', 5, 'kiosk');
    PERFORM segment.add_level(scheme, 'large', 5, 'Infinity', 'kiosk');
    RETURN true;
END $$;
SELECT rdir.build('rdir_fast', 'rdir.fast') AND rdir.build('rdir_slow', 'rdir.slow') AS built;

-- The workload: one answer per statement (the direct tier takes single-row statements), as an
-- application writes with plain SQL: first answers, changes, a number's same value in another
-- scale, an unchanged answer, an answer to another variant's question; then a two-row
-- statement and a removal, which SQL applies.
CREATE FUNCTION rdir.work(scheme text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    answers regclass := (SELECT e.answers_table FROM segment.entities e
                         JOIN segment.schemes s ON s.entity_id = e.entity_id
                         WHERE s.name = scheme);
    step record;
BEGIN
    FOR step IN
        SELECT * FROM (VALUES
            (1, 'c1', 'q1', 'a', NULL::numeric), (2, 'c1', 'q2', 'x', NULL), (3, 'c1', 'q3', NULL, 12),
            (4, 'c1', 'q1', 'c', NULL), (5, 'c2', 'q5', 'k2', NULL), (6, 'c2', 'q3', NULL, 5),
            (7, 'c2', 'q1', 'b', NULL), (8, 'c3', 'q5', 'k1', NULL), (9, 'c3', 'q3', NULL, 3),
            (10, 'c4', 'q1', 'a', NULL), (11, 'c4', 'q3', NULL, 1), (12, 'c5', 'q3', NULL, 99),
            (13, 'c5', 'q4', 'closed', NULL), (14, 'c5', 'q3', NULL, 99.00), (15, 'c5', 'q4', 'open', NULL),
            (16, 'c6', 'q2', 'y', NULL), (17, 'c6', 'q3', NULL, 40), (18, 'c1', 'q1', 'c', NULL),
            (19, 'c7', 'q1', 'c', NULL), (20, 'c7', 'q3', NULL, 0.5), (21, 'c3', 'q1', 'a', NULL),
            (22, 'c3', 'q2', 'x', NULL)) s(n, client, question, option, value)
        ORDER BY n
    LOOP
        IF step.option IS NULL THEN
            EXECUTE format('INSERT INTO %s (client_id, question_id, value)
                            SELECT $1, question_id, $2 FROM segment.questions
                            WHERE scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = $3)
                              AND code = $4
                            ON CONFLICT (client_id, question_id) DO UPDATE SET value = EXCLUDED.value',
                           answers)
                USING step.client, step.value, scheme, step.question;
        ELSE
            EXECUTE format('INSERT INTO %s (client_id, question_id, option_id)
                            SELECT $1, o.question_id, o.option_id FROM segment.answer_options o
                            WHERE o.scheme = $2 AND o.question = $3 AND o.option = $4
                            ON CONFLICT (client_id, question_id)
                            DO UPDATE SET option_id = EXCLUDED.option_id', answers)
                USING step.client, scheme, step.question, step.option;
        END IF;
    END LOOP;
    EXECUTE format('INSERT INTO %s (client_id, question_id, option_id)
                    SELECT c, o.question_id, o.option_id FROM segment.answer_options o,
                           (VALUES (%L), (%L)) k(c)
                    WHERE o.scheme = $1 AND o.question = %L AND o.option = %L
                    ON CONFLICT (client_id, question_id) DO UPDATE SET option_id = EXCLUDED.option_id',
                   answers, 'c6', 'c7', 'q2', 'x', answers) USING scheme;
    EXECUTE format('DELETE FROM %s WHERE client_id = %L AND question_id =
                    (SELECT question_id FROM segment.questions q JOIN segment.schemes s USING (scheme_id)
                     WHERE s.name = $1 AND q.code = %L)', answers, 'c1', 'q3') USING scheme;
END $$;
SELECT answers_table AS fast_answers, assignments_table AS fast_asg, history_table AS fast_hist
FROM segment.entities WHERE client_table = 'rdir.fast'::regclass \gset
SELECT answers_table AS slow_answers, assignments_table AS slow_asg, history_table AS slow_hist
FROM segment.entities WHERE client_table = 'rdir.slow'::regclass \gset
SELECT rdir.work('rdir_fast');
SET pg_segment.direct_writes = off;
SELECT rdir.work('rdir_slow');
RESET pg_segment.direct_writes;

-- What the workload made of the clients (the direct path's), and that the SQL path made the
-- same: assignments, and each client's history in order.
SELECT client_id, score, answered, segment, missing, forced, status
FROM :fast_asg ORDER BY client_id;
SELECT count(*) AS assignments_differing FROM (
    (SELECT client_id, score, answered, segment, missing, forced, status, version FROM :fast_asg
     EXCEPT SELECT client_id, score, answered, segment, missing, forced, status, version FROM :slow_asg)
    UNION ALL
    (SELECT client_id, score, answered, segment, missing, forced, status, version FROM :slow_asg
     EXCEPT SELECT client_id, score, answered, segment, missing, forced, status, version FROM :fast_asg)) d;
CREATE FUNCTION rdir.ledger(history regclass) RETURNS TABLE (
    client text, n bigint, old_score numeric, new_score numeric, old_segment text,
    new_segment text, cause text) LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT client_id::text, row_number() OVER (PARTITION BY client_id ORDER BY history_id),
                old_score, new_score, old_segment, new_segment, cause FROM %s', history);
END $$;
SELECT count(*) AS history_rows FROM rdir.ledger(:'fast_hist');
SELECT count(*) AS history_differing FROM (
    (SELECT * FROM rdir.ledger(:'fast_hist') EXCEPT SELECT * FROM rdir.ledger(:'slow_hist'))
    UNION ALL
    (SELECT * FROM rdir.ledger(:'slow_hist') EXCEPT SELECT * FROM rdir.ledger(:'fast_hist'))) d;
SELECT count(*) AS unverified FROM segment.verify('rdir_fast');
SELECT count(*) AS unverified FROM segment.verify('rdir_slow');

-- Which path wrote: SQL's recompute reads segment.levels, the direct one the compiled
-- configuration (read before, by the writes above).
CREATE FUNCTION rdir.levels_reads() RETURNS bigint LANGUAGE sql AS $$
    SELECT seq_scan + COALESCE(idx_scan, 0) FROM pg_stat_xact_user_tables
    WHERE relid = 'segment.levels'::regclass $$;
BEGIN;
SELECT rdir.levels_reads() AS before \gset
INSERT INTO :fast_answers (client_id, question_id, option_id)
SELECT 'c4', question_id, option_id FROM segment.answer_options
WHERE scheme = 'rdir_fast' AND question = 'q2' AND option = 'y';
SELECT rdir.levels_reads() - :before AS levels_read_by_direct_write;
COMMIT;
SET pg_segment.direct_writes = off;
BEGIN;
SELECT rdir.levels_reads() AS before \gset
INSERT INTO :slow_answers (client_id, question_id, option_id)
SELECT 'c4', question_id, option_id FROM segment.answer_options
WHERE scheme = 'rdir_slow' AND question = 'q2' AND option = 'y';
SELECT rdir.levels_reads() - :before > 0 AS levels_read_by_sql;
COMMIT;
RESET pg_segment.direct_writes;

-- A variant column changed by UPDATE, then an answer: the answer is scored with the new
-- variant's questions and levels (the direct recompute reads the column from the row it locks).
UPDATE rdir.fast SET kind = 'kiosk' WHERE id = 'c3';
INSERT INTO :fast_answers (client_id, question_id, option_id)
SELECT 'c3', question_id, option_id FROM segment.answer_options
WHERE scheme = 'rdir_fast' AND question = 'q5' AND option = 'k2'
ON CONFLICT (client_id, question_id) DO UPDATE SET option_id = EXCLUDED.option_id;
SELECT client_id, score, answered, segment, status FROM :fast_asg WHERE client_id = 'c3';
SELECT count(*) AS unverified FROM segment.verify('rdir_fast');

-- A configuration change reaches a session's compiled scheme: the cap is lowered, and the next
-- answer is scored with it.
SELECT segment.add_group('rdir_fast', 'h', max_points => 1) > 0 AS ok;
SELECT segment.set_group('rdir_fast', 'q5', 'h');
INSERT INTO :fast_answers (client_id, question_id, option_id)
SELECT 'c2', question_id, option_id FROM segment.answer_options
WHERE scheme = 'rdir_fast' AND question = 'q2' AND option = 'y';
SELECT client_id, score, answered, segment, status FROM :fast_asg WHERE client_id = 'c2';
SELECT count(*) AS unverified FROM segment.verify('rdir_fast');
-- A multiple-choice question's option written into the answers table is refused (22023) on
-- the direct path too: the engine takes each kind's rows from its own table only.
SELECT segment.add_question('rdir_fast', 'pay', 'Payment', kind => 'multiple') > 0
   AND segment.add_option('rdir_fast', 'pay', 'cash', 'Cash', 1) > 0 AS ok;
INSERT INTO :fast_answers (client_id, question_id, option_id)
SELECT 'c5', question_id, option_id FROM segment.answer_options
WHERE scheme = 'rdir_fast' AND question = 'pay' AND option = 'cash';
SELECT count(*) AS unverified FROM segment.verify('rdir_fast');

-- Keys reach the SQL recompute as text: printed under settings every session parses back, so
-- a date key under DateStyle SQL, DMY (in a scheme with variants, whose recompute reads values
-- under ISO settings) and a float key under extra_float_digits = 0 are found again.
CREATE TABLE rdir.days (id date PRIMARY KEY, kind text);
INSERT INTO rdir.days VALUES ('2024-01-02', 'shop'), ('2024-01-30', 'shop');
SELECT segment.create_scheme('rdir_days', 'rdir.days') > 0
   AND segment.add_question('rdir_days', 'q1', 'Q') > 0
   AND segment.add_option('rdir_days', 'q1', 'a', 'A', 5) > 0
   AND segment.add_option('rdir_days', 'q1', 'b', 'B', 1) > 0
   AND segment.add_question('rdir_days', 'q2', 'Q2') > 0
   AND segment.add_option('rdir_days', 'q2', 'c', 'C', 2) > 0
   AND segment.add_level('rdir_days', 'L', '-Infinity', 'Infinity') > 0
   AND segment.add_variant('rdir_days', 'shop', 'Shop', ARRAY['shop']) > 0 AS ok;
SELECT segment.set_variant_column('rdir_days', 'kind');
SET DateStyle = 'SQL, DMY';
SELECT segment.answer('rdir_days', '2024-01-02'::date, 'q1', 'a');
SELECT segment.answer('rdir_days', '2024-01-02'::date, 'q2', 'c');
SELECT segment.remove_answer('rdir_days', '2024-01-02'::date, 'q1');
SELECT segment.score('rdir_days', '2024-01-02'::date) AS score_after_removal;
RESET DateStyle;
CREATE TABLE rdir.floats (id float8 PRIMARY KEY);
INSERT INTO rdir.floats VALUES (0.1::float8 + 0.2::float8);
SELECT segment.create_scheme('rdir_floats', 'rdir.floats') > 0
   AND segment.add_question('rdir_floats', 'q1', 'Q') > 0
   AND segment.add_option('rdir_floats', 'q1', 'a', 'A', 5) > 0
   AND segment.add_level('rdir_floats', 'L', '-Infinity', 'Infinity') > 0 AS ok;
SELECT segment.set_required('rdir_floats', 'q1');
SET extra_float_digits = 0;
SET pg_segment.direct_writes = off;
SELECT segment.answer('rdir_floats', 0.1::float8 + 0.2::float8, 'q1', 'a');
RESET pg_segment.direct_writes;
RESET extra_float_digits;
SELECT count(*) AS unverified FROM segment.verify('rdir_days');
SELECT count(*) AS unverified FROM segment.verify('rdir_floats');
SELECT segment.score('rdir_floats', 0.1::float8 + 0.2::float8) AS float_key_score;
SELECT segment.drop_scheme('rdir_days'), segment.drop_scheme('rdir_floats');
SELECT segment.drop_scheme('rdir_fast'), segment.drop_scheme('rdir_slow');
SET client_min_messages = warning;
DROP SCHEMA rdir CASCADE;
RESET client_min_messages;
