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

-- Same assignments (previous score and segment included), same history in the same order.
SELECT count(*) AS assignments, count(*) FILTER (WHERE segment IS NULL) AS in_gap
FROM segment.direct_fast_assignments;
SELECT count(*) AS differing_assignments
FROM segment.direct_fast_assignments f FULL JOIN segment.direct_slow_assignments s USING (client_id)
WHERE (f.score, f.answered, f.segment, f.previous_score, f.previous_segment)
      IS DISTINCT FROM (s.score, s.answered, s.segment, s.previous_score, s.previous_segment);
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
UPDATE segment.direct_fast_answers SET option_id = (SELECT max(option_id) FROM segment.options WHERE question_id = direct_fast_answers.question_id)
WHERE client_id = 1;
UPDATE segment.direct_fast_answers SET option_id = (SELECT min(option_id) FROM segment.options WHERE question_id = direct_fast_answers.question_id)
WHERE client_id = 1 AND question_id = (SELECT question_id FROM segment.answer_options WHERE scheme = 'fast_scheme' AND question = 'q3' LIMIT 1);
DROP TRIGGER moved ON segment.direct_fast_assignments;

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
