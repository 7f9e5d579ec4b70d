-- Statements over many clients run with jit off and work_mem of at least 64 MB, for that
-- statement only: a row trigger of the DBA's on the history table records the settings each
-- history row was written under, and the session's own settings are shown before and after
-- (also after a statement that failed).
\set VERBOSITY default
\set SHOW_CONTEXT never
CREATE SCHEMA bs;
CREATE TABLE bs.clients (id integer PRIMARY KEY);
INSERT INTO bs.clients SELECT generate_series(1, 1500);
SELECT segment.create_scheme('bulk_settings', 'bs.clients') > 0 AS ok;
SELECT history_table AS hist FROM segment.entities WHERE client_table = 'bs.clients'::regclass \gset
SELECT answers_table AS answers FROM segment.entities WHERE client_table = 'bs.clients'::regclass \gset
SELECT segment.add_question('bulk_settings', 'q', 'Question') > 0 AS ok;
SELECT segment.add_option('bulk_settings', 'q', 'lo', 'Low', 1) > 0
   AND segment.add_option('bulk_settings', 'q', 'hi', 'High', 10) > 0 AS ok;
SELECT segment.add_level('bulk_settings', 'low', '-Infinity', 5) > 0
   AND segment.add_level('bulk_settings', 'high', 5, 'Infinity') > 0 AS ok;
CREATE TABLE bs.seen (cause text, work_mem text, jit text);
CREATE FUNCTION bs.record_settings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('bs.fail', true) = 'on' THEN
        RAISE EXCEPTION 'history refused by the DBA''s trigger';
    END IF;
    INSERT INTO bs.seen VALUES (NEW.cause, current_setting('work_mem'), current_setting('jit'));
    RETURN NEW;
END $$;
SELECT format('CREATE TRIGGER record_settings BEFORE INSERT ON %s FOR EACH ROW
               EXECUTE FUNCTION bs.record_settings()', :'hist') \gexec
SET work_mem = '1MB';
SET jit = on;
-- a bulk INSERT of answers (over 1,000 rows), a single answer, and a change of points
INSERT INTO :answers (client_id, question_id, option_id)
SELECT c, q.question_id, o.option_id
FROM generate_series(1, 1200) c, segment.questions q
JOIN segment.options o ON o.question_id = q.question_id AND o.code = 'lo'
WHERE q.code = 'q' AND q.scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'bulk_settings');
SELECT segment.answer('bulk_settings', 1300, 'q', 'hi') IS NOT NULL AS answered;
UPDATE segment.options SET points = 7 WHERE code = 'lo'
   AND question_id IN (SELECT question_id FROM segment.questions WHERE code = 'q');
SELECT cause, work_mem, jit, count(*) FROM bs.seen GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
SHOW work_mem;
SHOW jit;
-- a re-segmentation that fails inside (the DBA's trigger refuses its history rows): the
-- settings are restored all the same
SET bs.fail = on;
\set VERBOSITY terse
UPDATE segment.options SET points = 3 WHERE code = 'lo'
   AND question_id IN (SELECT question_id FROM segment.questions WHERE code = 'q');
\set VERBOSITY default
RESET bs.fail;
SHOW work_mem;
SHOW jit;
-- a session's own higher work_mem is kept
SET work_mem = '256MB';
TRUNCATE bs.seen;
UPDATE segment.options SET points = 2 WHERE code = 'lo'
   AND question_id IN (SELECT question_id FROM segment.questions WHERE code = 'q');
SELECT cause, work_mem, jit, count(*) FROM bs.seen GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
SHOW work_mem;
RESET work_mem;
RESET jit;
SELECT count(*) AS wrong FROM segment.verify('bulk_settings');
