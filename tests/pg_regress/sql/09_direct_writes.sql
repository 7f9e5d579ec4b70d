-- A single changed answer takes the direct path (no SQL) unless pg_segment.direct_writes is
-- off. The same writes against two client tables, one with the direct path and one without,
-- leave the same assignments and the same history.

CREATE SCHEMA direct;
CREATE TABLE direct.fast (id bigint PRIMARY KEY);
CREATE TABLE direct.slow (id bigint PRIMARY KEY);
INSERT INTO direct.fast SELECT g FROM generate_series(1, 30) g;
INSERT INTO direct.slow SELECT g FROM generate_series(1, 30) g;

-- The same scheme over both tables.
CREATE FUNCTION direct.define(scheme text, tab regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM segment.create_scheme(scheme, tab);
    PERFORM segment.add_question(scheme, 'q' || q, 'Question ' || q, 0.5 * q, q) FROM generate_series(1, 3) q;
    PERFORM segment.add_option(scheme, 'q' || q, 'o' || o, 'Option ' || o, (o - 2) * q + 0.25, o)
    FROM generate_series(1, 3) q, generate_series(1, 3) o;
    PERFORM segment.add_level(scheme, 'low', '-Infinity', 0);
    PERFORM segment.add_level(scheme, 'mid', 0, 4);
    PERFORM segment.add_level(scheme, 'high', 5, 'Infinity'); -- [4, 5) is a gap
END $$;
SELECT direct.define('fast_scheme', 'direct.fast'), direct.define('slow_scheme', 'direct.slow');

-- A mixed workload: first answers, further answers, changes by UPDATE and by upsert, the same
-- option again, a change of question, removals, the last answer of a client removed.
CREATE FUNCTION direct.workload(scheme text, answers regclass) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    q1 integer; q2 integer; q3 integer;
BEGIN
    SELECT question_id INTO q1 FROM segment.answer_options WHERE answer_options.scheme = workload.scheme AND question = 'q1' LIMIT 1;
    SELECT question_id INTO q2 FROM segment.answer_options WHERE answer_options.scheme = workload.scheme AND question = 'q2' LIMIT 1;
    SELECT question_id INTO q3 FROM segment.answer_options WHERE answer_options.scheme = workload.scheme AND question = 'q3' LIMIT 1;
    FOR c IN 1..30 LOOP
        EXECUTE format('INSERT INTO %s (client_id, question_id, option_id) VALUES ($1, $2, $3)', answers)
        USING c, q1, (SELECT option_id FROM segment.answer_options o WHERE o.question_id = q1 AND o.option_position = 1 + c % 3);
        EXECUTE format('INSERT INTO %s (client_id, question_id, option_id) VALUES ($1, $2, $3)', answers)
        USING c, q2, (SELECT option_id FROM segment.answer_options o WHERE o.question_id = q2 AND o.option_position = 1 + (c / 3) % 3);
    END LOOP;
    FOR c IN 1..30 LOOP
        -- upsert onto an existing answer
        EXECUTE format('INSERT INTO %s (client_id, question_id, option_id) VALUES ($1, $2, $3)
                        ON CONFLICT (client_id, question_id) DO UPDATE SET option_id = EXCLUDED.option_id', answers)
        USING c, q2, (SELECT option_id FROM segment.answer_options o WHERE o.question_id = q2 AND o.option_position = 1 + (c * 7) % 3);
        -- a third answer
        EXECUTE format('INSERT INTO %s (client_id, question_id, option_id) VALUES ($1, $2, $3)', answers)
        USING c, q3, (SELECT option_id FROM segment.answer_options o WHERE o.question_id = q3 AND o.option_position = 1 + (c * 5) % 3);
        -- a plain UPDATE, sometimes to the option it already has
        EXECUTE format('UPDATE %s SET option_id = $3 WHERE client_id = $1 AND question_id = $2', answers)
        USING c, q1, (SELECT option_id FROM segment.answer_options o WHERE o.question_id = q1 AND o.option_position = 1 + (c * c) % 3);
    END LOOP;
    -- moving an answer to another question, removing answers, emptying client 30
    EXECUTE format('DELETE FROM %s WHERE client_id = 29 AND question_id = $1', answers) USING q3;
    EXECUTE format('UPDATE %s SET question_id = $1, option_id = (SELECT min(option_id) FROM segment.options WHERE question_id = $1)
                    WHERE client_id = 29 AND question_id = $2', answers) USING q3, q1;
    EXECUTE format('DELETE FROM %s WHERE client_id = 28 AND question_id = $1', answers) USING q2;
    EXECUTE format('DELETE FROM %s WHERE client_id = 30', answers);
END $$;

SET pg_segment.direct_writes = on;
SELECT direct.workload('fast_scheme', 'segment.direct_fast_answers');
SET pg_segment.direct_writes = off;
SELECT direct.workload('slow_scheme', 'segment.direct_slow_answers');
RESET pg_segment.direct_writes;

-- Same assignments (previous score and segment, and the status the direct insert writes
-- itself, included), same history in the same order.
SELECT count(*) AS assignments, count(*) FILTER (WHERE segment IS NULL) AS in_gap,
       count(*) FILTER (WHERE status = 'unsegmented') AS unsegmented,
       count(*) FILTER (WHERE status = 'scored') AS scored
FROM segment.direct_fast_assignments;
SELECT count(*) AS differing_assignments
FROM segment.direct_fast_assignments f FULL JOIN segment.direct_slow_assignments s USING (client_id)
WHERE (f.score, f.answered, f.segment, f.previous_score, f.previous_segment, f.status)
      IS DISTINCT FROM (s.score, s.answered, s.segment, s.previous_score, s.previous_segment, s.status);
SELECT (SELECT count(*) FROM segment.direct_fast_history) AS history_rows,
       (SELECT count(*) FROM segment.direct_slow_history) AS history_rows_sql;
SELECT count(*) AS differing_history FROM (
    SELECT client_id, old_score, new_score, old_segment, new_segment, cause,
           row_number() OVER (PARTITION BY client_id ORDER BY history_id) FROM segment.direct_fast_history
    EXCEPT
    SELECT client_id, old_score, new_score, old_segment, new_segment, cause,
           row_number() OVER (PARTITION BY client_id ORDER BY history_id) FROM segment.direct_slow_history) d;
SELECT count(*) AS wrong FROM segment.verify('fast_scheme');

-- Scores keep exact decimals, trimmed as SQL's trim_scale does.
SELECT client_id, score, segment, previous_score FROM segment.direct_fast_assignments
WHERE client_id IN (1, 2, 3) ORDER BY client_id;

-- segment.score and segment.segment_of read the assignment directly once the scheme name is
-- confirmed in the session; with an integer literal for the bigint key, for every client, they
-- agree with the table (client 30 has no answers left: NULL).
SELECT count(*) AS disagreeing FROM direct.fast f
LEFT JOIN segment.direct_fast_assignments a ON a.client_id = f.id
WHERE segment.score('fast_scheme', f.id::integer) IS DISTINCT FROM a.score
   OR segment.segment_of('fast_scheme', f.id::integer) IS DISTINCT FROM a.segment
   OR segment.score('fast_scheme', f.id) IS DISTINCT FROM a.score;
SELECT segment.score('fast_scheme', 30) AS score_30, segment.segment_of('fast_scheme', '2') AS segment_2;
-- A renamed scheme answers to its new name only, at once.
UPDATE segment.schemes SET name = 'fast_renamed' WHERE name = 'fast_scheme';
SELECT segment.segment_of('fast_scheme', 2);
SELECT segment.segment_of('fast_renamed', 2);
UPDATE segment.schemes SET name = 'fast_scheme' WHERE name = 'fast_renamed';
SELECT segment.segment_of('fast_scheme', 2);

-- Row triggers a DBA puts on the assignments fire on the direct path, column lists included.
CREATE FUNCTION direct.moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.segment IS DISTINCT FROM NEW.segment THEN
        RAISE NOTICE 'client % moved from % to %', NEW.client_id, OLD.segment, NEW.segment;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER moved AFTER UPDATE OF segment ON segment.direct_fast_assignments
    FOR EACH ROW EXECUTE FUNCTION direct.moved();
-- The status the direct update writes itself (PostgreSQL's generation skipped) counts as an
-- updated column, as SQL's generated one does.
CREATE FUNCTION direct.status_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE NOTICE 'client % status % -> %', NEW.client_id, OLD.status, NEW.status;
    RETURN NULL;
END $$;
CREATE TRIGGER status_written AFTER UPDATE OF status ON segment.direct_fast_assignments
    FOR EACH ROW EXECUTE FUNCTION direct.status_written();
UPDATE segment.direct_fast_answers SET option_id = (SELECT max(option_id) FROM segment.options WHERE question_id = direct_fast_answers.question_id)
WHERE client_id = 1;
UPDATE segment.direct_fast_answers SET option_id = (SELECT min(option_id) FROM segment.options WHERE question_id = direct_fast_answers.question_id)
WHERE client_id = 1 AND question_id = (SELECT question_id FROM segment.answer_options WHERE scheme = 'fast_scheme' AND question = 'q3' LIMIT 1);
DROP TRIGGER moved ON segment.direct_fast_assignments;
DROP TRIGGER status_written ON segment.direct_fast_assignments;
-- A BEFORE UPDATE row trigger that changes the segment: the status follows what it wrote.
CREATE FUNCTION direct.no_segment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.segment := NULL;
    RETURN NEW;
END $$;
CREATE TRIGGER no_segment BEFORE UPDATE ON segment.direct_fast_assignments
    FOR EACH ROW EXECUTE FUNCTION direct.no_segment();
UPDATE segment.direct_fast_answers SET option_id = (SELECT max(option_id) FROM segment.options WHERE question_id = direct_fast_answers.question_id)
WHERE client_id = 1 AND question_id = (SELECT question_id FROM segment.answer_options WHERE scheme = 'fast_scheme' AND question = 'q3' LIMIT 1);
SELECT segment, status FROM segment.direct_fast_assignments WHERE client_id = 1;
-- and the history row records what the trigger left (with such a trigger the write runs as
-- SQL, whose history follows the row it stored)
SELECT new_segment FROM segment.direct_fast_history WHERE client_id = 1
ORDER BY history_id DESC LIMIT 1;
DROP TRIGGER no_segment ON segment.direct_fast_assignments;
UPDATE segment.direct_fast_answers SET option_id = (SELECT min(option_id) FROM segment.options WHERE question_id = direct_fast_answers.question_id)
WHERE client_id = 1 AND question_id = (SELECT question_id FROM segment.answer_options WHERE scheme = 'fast_scheme' AND question = 'q3' LIMIT 1);
SELECT segment IS NOT NULL AS segmented_again, status FROM segment.direct_fast_assignments WHERE client_id = 1;

-- A client's first answer inserts its assignment on the direct path too (speculatively, as
-- INSERT … ON CONFLICT would): AFTER INSERT row triggers fire with the new row, and the table
-- keeps half of each page free for HOT updates.
CREATE FUNCTION direct.categorized() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE NOTICE 'client % categorized: score %, segment %, % answer(s)',
        NEW.client_id, NEW.score, NEW.segment, NEW.answered;
    RETURN NULL;
END $$;
CREATE TRIGGER categorized AFTER INSERT ON segment.direct_fast_assignments
    FOR EACH ROW EXECUTE FUNCTION direct.categorized();
INSERT INTO direct.fast VALUES (31);
INSERT INTO segment.direct_fast_answers (client_id, question_id, option_id)
SELECT 31, question_id, option_id FROM segment.answer_options
WHERE scheme = 'fast_scheme' AND question = 'q3' AND option = 'o3';
DROP TRIGGER categorized ON segment.direct_fast_assignments;
SELECT client_id, score, segment, answered, previous_score FROM segment.direct_fast_assignments
WHERE client_id = 31;
SELECT client_id, old_score, new_score, old_segment, new_segment, cause
FROM segment.direct_fast_history WHERE client_id = 31;
SELECT c.reloptions FROM pg_catalog.pg_class c
WHERE c.oid = 'segment.direct_fast_assignments'::regclass;

-- A statement trigger on the assignments makes writes run as SQL, so it fires as usual.
CREATE FUNCTION direct.statement_seen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE NOTICE '% statement on %', TG_OP, TG_TABLE_NAME;
    RETURN NULL;
END $$;
CREATE TRIGGER seen AFTER UPDATE ON segment.direct_fast_assignments
    FOR EACH STATEMENT EXECUTE FUNCTION direct.statement_seen();
UPDATE segment.direct_fast_answers SET option_id = (SELECT min(option_id) FROM segment.options WHERE question_id = direct_fast_answers.question_id)
WHERE client_id = 2 AND question_id = (SELECT question_id FROM segment.answer_options WHERE scheme = 'fast_scheme' AND question = 'q3' LIMIT 1);
DROP TRIGGER seen ON segment.direct_fast_assignments;

-- A hostile search_path (an operator and a function shadowing the built-ins) changes nothing,
-- on either path.
CREATE SCHEMA hostile;
CREATE FUNCTION hostile.numeric_add_wrong(numeric, numeric) RETURNS numeric LANGUAGE sql
    AS 'SELECT 1000::numeric';
CREATE OPERATOR hostile.+ (LEFTARG = numeric, RIGHTARG = numeric, FUNCTION = hostile.numeric_add_wrong);
CREATE FUNCTION hostile.trim_scale(numeric) RETURNS numeric LANGUAGE sql AS 'SELECT 1000::numeric';
SET search_path = hostile, pg_catalog, public;
UPDATE segment.direct_fast_answers SET option_id = (SELECT max(option_id) FROM segment.options WHERE question_id = direct_fast_answers.question_id)
WHERE client_id = 3 AND question_id = (SELECT question_id FROM segment.answer_options WHERE scheme = 'fast_scheme' AND question = 'q3' LIMIT 1);
SET pg_segment.direct_writes = off;
UPDATE segment.direct_slow_answers SET option_id = (SELECT max(option_id) FROM segment.options WHERE question_id = direct_slow_answers.question_id)
WHERE client_id = 3 AND question_id = (SELECT question_id FROM segment.answer_options WHERE scheme = 'slow_scheme' AND question = 'q3' LIMIT 1);
RESET pg_segment.direct_writes;
RESET search_path;
SELECT f.score, s.score AS score_sql FROM segment.direct_fast_assignments f
JOIN segment.direct_slow_assignments s USING (client_id) WHERE client_id = 3;
SELECT (SELECT count(*) FROM segment.verify('fast_scheme')) + (SELECT count(*) FROM segment.verify('slow_scheme')) AS wrong;

-- Under REPEATABLE READ the write runs as SQL, with the same result.
BEGIN ISOLATION LEVEL REPEATABLE READ;
UPDATE segment.direct_fast_answers SET option_id = (SELECT min(option_id) FROM segment.options WHERE question_id = direct_fast_answers.question_id)
WHERE client_id = 4 AND question_id = (SELECT question_id FROM segment.answer_options WHERE scheme = 'fast_scheme' AND question = 'q2' LIMIT 1);
COMMIT;
SELECT count(*) AS wrong FROM segment.verify('fast_scheme');

-- A role that may write answers but not the segment tables: both paths score its writes the
-- same (maintenance runs as the client table's owner), and it cannot write a score itself.
CREATE ROLE segment_regress_writer;
SELECT segment.grant_writer('segment_regress_writer');
SET ROLE segment_regress_writer;
UPDATE segment.direct_fast_answers SET option_id = (SELECT min(option_id) FROM segment.options WHERE question_id = direct_fast_answers.question_id)
WHERE client_id = 5 AND question_id = (SELECT question_id FROM segment.answer_options WHERE scheme = 'fast_scheme' AND question = 'q2' LIMIT 1);
SET pg_segment.direct_writes = off;
UPDATE segment.direct_slow_answers SET option_id = (SELECT min(option_id) FROM segment.options WHERE question_id = direct_slow_answers.question_id)
WHERE client_id = 5 AND question_id = (SELECT question_id FROM segment.answer_options WHERE scheme = 'slow_scheme' AND question = 'q2' LIMIT 1);
\set VERBOSITY terse
UPDATE segment.direct_fast_assignments SET score = 1000 WHERE client_id = 5;
DELETE FROM segment.direct_slow_history WHERE client_id = 5;
\set VERBOSITY default
RESET ROLE;
RESET pg_segment.direct_writes;
SELECT a.score, h.cause
FROM segment.direct_fast_assignments a
JOIN LATERAL (SELECT cause FROM segment.direct_fast_history h WHERE h.client_id = a.client_id
              ORDER BY history_id DESC LIMIT 1) h ON true
WHERE a.client_id = 5;
SELECT count(*) AS wrong FROM segment.verify('fast_scheme');
SELECT count(*) AS wrong FROM segment.verify('slow_scheme');
SELECT segment.revoke_role('segment_regress_writer');
DROP ROLE segment_regress_writer;

-- segment.answer() writes the answer row itself on the direct path, then the assignment and the
-- history, in one call: pg_segment's statement trigger does not run (the call does its work).
-- The same calls with the direct path off leave the same answers, assignments and history.
-- A text key: the client is a varlena copied into each row.
CREATE TABLE direct.api_fast (id text PRIMARY KEY);
CREATE TABLE direct.api_slow (id text PRIMARY KEY);
INSERT INTO direct.api_fast SELECT 'c' || g FROM generate_series(1, 12) g;
INSERT INTO direct.api_slow SELECT 'c' || g FROM generate_series(1, 12) g;
SELECT direct.define('api_fast', 'direct.api_fast'), direct.define('api_slow', 'direct.api_slow');
-- It returns what segment.remove_answer said: whether there was an answer to remove.
CREATE FUNCTION direct.api_workload(scheme text) RETURNS boolean[] LANGUAGE plpgsql AS $$
DECLARE
    removed boolean[] := '{}';
BEGIN
    FOR c IN 1..12 LOOP
        PERFORM segment.answer(scheme, 'c' || c, 'q1', 'o' || 1 + c % 3);  -- first answers
        PERFORM segment.answer(scheme, 'c' || c, 'q2', 'o' || 1 + c % 2);  -- further answers
    END LOOP;
    FOR c IN 1..12 LOOP
        PERFORM segment.answer(scheme, 'c' || c, 'q1', 'o' || 1 + (c * c) % 3);  -- changed, or the same
        PERFORM segment.answer(scheme, 'c' || c, 'q3', 'o3');
        PERFORM segment.answer(scheme, 'c' || c, 'q3', 'o' || 1 + c % 3);
    END LOOP;
    -- removals that keep other answers, one of an answer already gone, and of a client's last
    removed := removed || segment.remove_answer(scheme, 'c4', 'q2') || segment.remove_answer(scheme, 'c5', 'q1')
                       || segment.remove_answer(scheme, 'c5', 'q1');
    removed := removed || segment.remove_answer(scheme, 'c11', 'q1') || segment.remove_answer(scheme, 'c11', 'q2')
                       || segment.remove_answer(scheme, 'c11', 'q3');
    PERFORM segment.answer(scheme, 'c11', 'q2', 'o2');  -- and a first answer again
    RETURN removed;
END $$;
-- How often pg_segment's answers trigger has run in this database, as the statistics show once
-- this backend flushed its counts (it does when it goes idle after pg_stat_force_next_flush).
SET track_functions = 'all';
SET stats_fetch_consistency = none;
CREATE FUNCTION direct.trigger_calls() RETURNS bigint LANGUAGE sql AS $$
    SELECT coalesce(sum(calls), 0) FROM pg_catalog.pg_stat_user_functions
    WHERE funcname = '_answers_changed' $$;
SELECT pg_catalog.pg_stat_force_next_flush();
SELECT direct.trigger_calls() AS calls_before \gset
SELECT direct.api_workload('api_fast');
SELECT pg_catalog.pg_stat_force_next_flush();
SELECT direct.trigger_calls() - :calls_before AS answers_trigger_calls;
SET pg_segment.direct_writes = off;
SELECT direct.api_workload('api_slow');
SELECT pg_catalog.pg_stat_force_next_flush();
SELECT direct.trigger_calls() - :calls_before > 0 AS answers_trigger_ran;
RESET pg_segment.direct_writes;
SELECT count(*) AS answers, count(*) FILTER (WHERE f.answered_at IS NULL) AS without_time
FROM segment.direct_api_fast_answers f;
-- an unknown client is refused by either path, also when removing
SELECT segment.remove_answer('api_fast', 'c99', 'q1');
SELECT segment.answer('api_fast', 'c99', 'q1', 'o1');
SELECT count(*) AS differing_answers FROM (
    SELECT client_id, q.code, o.code FROM segment.direct_api_fast_answers a
    JOIN segment.options o USING (option_id) JOIN segment.questions q ON q.question_id = a.question_id
    EXCEPT
    SELECT client_id, q.code, o.code FROM segment.direct_api_slow_answers a
    JOIN segment.options o USING (option_id) JOIN segment.questions q ON q.question_id = a.question_id) d;
SELECT count(*) AS differing_assignments
FROM segment.direct_api_fast_assignments f FULL JOIN segment.direct_api_slow_assignments s USING (client_id)
WHERE (f.score, f.answered, f.segment, f.previous_score, f.previous_segment)
      IS DISTINCT FROM (s.score, s.answered, s.segment, s.previous_score, s.previous_segment);
SELECT (SELECT count(*) FROM segment.direct_api_fast_history) AS history_rows,
       (SELECT count(*) FROM segment.direct_api_slow_history) AS history_rows_sql;
SELECT count(*) AS differing_history FROM (
    SELECT client_id, old_score, new_score, old_segment, new_segment, cause, version,
           row_number() OVER (PARTITION BY client_id ORDER BY history_id) FROM segment.direct_api_fast_history
    EXCEPT
    SELECT client_id, old_score, new_score, old_segment, new_segment, cause, version,
           row_number() OVER (PARTITION BY client_id ORDER BY history_id) FROM segment.direct_api_slow_history) d;
SELECT count(*) AS wrong FROM segment.verify('api_fast');

-- An assignment deleted behind pg_segment's back (a superuser's DELETE): the call writes the
-- answer row directly and, finding no assignment to update, applies the score change with SQL
-- in the same call, exactly as the SQL path does (a change of an answer counts no new answer,
-- so neither path makes up an assignment; segment.verify reports the client; removing its
-- answers clears it).
DELETE FROM segment.direct_api_fast_assignments WHERE client_id = 'c1';
DELETE FROM segment.direct_api_slow_assignments WHERE client_id = 'c1';
SELECT pg_catalog.pg_stat_force_next_flush();
SELECT direct.trigger_calls() AS calls_before \gset
SELECT segment.answer('api_fast', 'c1', 'q2', 'o3');
SELECT pg_catalog.pg_stat_force_next_flush();
SELECT direct.trigger_calls() - :calls_before AS answers_trigger_calls;
SET pg_segment.direct_writes = off;
SELECT segment.answer('api_slow', 'c1', 'q2', 'o3');
RESET pg_segment.direct_writes;
SELECT (SELECT count(*) FROM segment.direct_api_fast_assignments WHERE client_id = 'c1') AS assignments,
       (SELECT count(*) FROM segment.direct_api_slow_assignments WHERE client_id = 'c1') AS assignments_sql,
       (SELECT option_id FROM segment.direct_api_fast_answers WHERE client_id = 'c1' AND question_id = a.question_id)
       = (SELECT option_id FROM segment.options WHERE question_id = a.question_id AND code = 'o3') AS answer_written
FROM segment.answer_options a WHERE a.scheme = 'api_fast' AND a.question = 'q2' LIMIT 1;
SELECT client, stored_score, expected_score FROM segment.verify('api_fast')
UNION ALL
SELECT client, stored_score, expected_score FROM segment.verify('api_slow');
DELETE FROM segment.direct_api_fast_answers WHERE client_id = 'c1';
DELETE FROM segment.direct_api_slow_answers WHERE client_id = 'c1';
SELECT (SELECT count(*) FROM segment.verify('api_fast')) + (SELECT count(*) FROM segment.verify('api_slow')) AS wrong;

-- A row trigger a DBA puts on the answers table sends segment.answer() to the SQL upsert, so
-- it sees the row as before; so does a statement trigger.
CREATE FUNCTION direct.answer_seen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE NOTICE '% of client % to question %', TG_OP, NEW.client_id, NEW.question_id > 0;
    RETURN NULL;
END $$;
CREATE TRIGGER seen AFTER INSERT OR UPDATE ON segment.direct_api_fast_answers
    FOR EACH ROW EXECUTE FUNCTION direct.answer_seen();
SELECT segment.answer('api_fast', 'c2', 'q1', 'o3'), segment.answer('api_fast', 'c12', 'q2', 'o3');
DROP TRIGGER seen ON segment.direct_api_fast_answers;
CREATE TRIGGER seen AFTER UPDATE ON segment.direct_api_fast_answers
    FOR EACH STATEMENT EXECUTE FUNCTION direct.statement_seen();
SELECT segment.answer('api_fast', 'c2', 'q1', 'o1');
DROP TRIGGER seen ON segment.direct_api_fast_answers;
SELECT count(*) AS wrong FROM segment.verify('api_fast');

-- What SQL would refuse or do differently, the direct write leaves to SQL:
-- a read-only transaction (25006, nothing written);
BEGIN READ ONLY;
SELECT segment.answer('api_fast', 'c3', 'q1', 'o1');
ROLLBACK;
BEGIN READ ONLY;
SELECT segment.remove_answer('api_fast', 'c3', 'q1');
ROLLBACK;
-- a rule on the answers table (here one that keeps answers from being removed);
CREATE RULE keep AS ON DELETE TO segment.direct_api_fast_answers DO INSTEAD NOTHING;
SELECT segment.remove_answer('api_fast', 'c3', 'q1') AS removed;
DROP RULE keep ON segment.direct_api_fast_answers;
-- another default for answered_at (a new answer gets it, not now());
ALTER TABLE segment.direct_api_fast_answers ALTER answered_at SET DEFAULT pg_catalog.clock_timestamp();
BEGIN;
SELECT segment.answer('api_fast', 'c4', 'q2', 'o1');
SELECT answered_at > pg_catalog.now() AS clock_time FROM segment.direct_api_fast_answers
WHERE client_id = 'c4' AND question_id = (SELECT question_id FROM segment.answer_options
                                          WHERE scheme = 'api_fast' AND question = 'q2' LIMIT 1);
COMMIT;
ALTER TABLE segment.direct_api_fast_answers ALTER answered_at SET DEFAULT pg_catalog.now();
-- another unique index on the assignments: a duplicate in it is refused (23505) as SQL
-- refuses it, where the direct write's first assignment would otherwise wait for ever;
SELECT segment.create_scheme('api_fast_2', 'direct.api_fast') > 0 AS created;
SELECT segment.add_question('api_fast_2', 'q1', 'Question 1') > 0 AS added;
SELECT segment.add_option('api_fast_2', 'q1', 'o1', 'Option 1', 1) > 0 AS added;
CREATE UNIQUE INDEX one_scheme_per_client ON segment.direct_api_fast_assignments (client_id);
\set VERBOSITY terse
SELECT segment.answer('api_fast_2', 'c2', 'q1', 'o1');
SET pg_segment.direct_writes = off;
SELECT segment.answer('api_fast_2', 'c2', 'q1', 'o1');
RESET pg_segment.direct_writes;
\set VERBOSITY default
DROP INDEX segment.one_scheme_per_client;
SELECT segment.drop_scheme('api_fast_2');
-- a foreign key to the client table that is no longer there: an answer row no longer proves
-- its client exists, so the call checks, as SQL does.
ALTER TABLE segment.direct_api_fast_answers DROP CONSTRAINT direct_api_fast_answers_client_id_fkey;
DELETE FROM direct.api_fast WHERE id = 'c6';
SELECT segment.answer('api_fast', 'c6', 'q1', 'o2');
SELECT segment.remove_answer('api_fast', 'c6', 'q1');
DELETE FROM segment.direct_api_fast_answers WHERE client_id = 'c6';
ALTER TABLE segment.direct_api_fast_answers ADD CONSTRAINT direct_api_fast_answers_client_id_fkey
    FOREIGN KEY (client_id) REFERENCES direct.api_fast (id) ON DELETE CASCADE ON UPDATE CASCADE;
SELECT count(*) AS wrong FROM segment.verify('api_fast');

-- A first answer scoring 4.875, in the gap [4, 5): the direct insert writes the status that
-- SQL's insert generates (segment.answer() takes the direct path in any session).
DELETE FROM segment.direct_fast_answers WHERE client_id = 30;
DELETE FROM segment.direct_slow_answers WHERE client_id = 30;
SELECT (SELECT count(*) FROM segment.direct_fast_assignments WHERE client_id = 30)
     + (SELECT count(*) FROM segment.direct_slow_assignments WHERE client_id = 30) AS assignments_of_30;
SELECT segment.answer('fast_scheme', 30, 'q3', 'o3');
SET pg_segment.direct_writes = off;
SELECT segment.answer('slow_scheme', 30, 'q3', 'o3');
RESET pg_segment.direct_writes;
SELECT f.score, f.segment, f.status, f.answered, s.status AS status_sql, s.answered AS answered_sql
FROM segment.direct_fast_assignments f JOIN segment.direct_slow_assignments s USING (client_id)
WHERE client_id = 30;

-- Deleting a client takes its assignment and history with it (a trigger on the client table,
-- as neither has a foreign key); so does truncating the client table.
SELECT count(*) AS history_of_client_7 FROM segment.direct_fast_history WHERE client_id = 7;
DELETE FROM direct.fast WHERE id = 7;
SELECT count(*) AS history_of_client_7 FROM segment.direct_fast_history WHERE client_id = 7;
SELECT count(*) AS assignment_of_client_7 FROM segment.direct_fast_assignments WHERE client_id = 7;
TRUNCATE direct.slow CASCADE;
SELECT (SELECT count(*) FROM segment.direct_slow_answers) AS answers,
       (SELECT count(*) FROM segment.direct_slow_assignments) AS assignments,
       (SELECT count(*) FROM segment.direct_slow_history) AS history;
