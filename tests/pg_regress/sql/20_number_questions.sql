-- Number questions: the answer is a number (checkout counters, floor space), mapped to points
-- by ranges [min_value, max_value) like a parameter's. Written with segment.answer_number() or
-- with plain SQL (a row with value and no option_id), scored in the same statement, shifted by
-- weight changes, re-segmented when ranges change.
\set VERBOSITY default
\set SHOW_CONTEXT never
CREATE SCHEMA num;
CREATE TABLE num.outlets (outlet_id integer PRIMARY KEY, name text NOT NULL);
INSERT INTO num.outlets SELECT g, 'outlet ' || g FROM generate_series(1, 40) g;
SELECT segment.create_scheme('outlet_size', 'num.outlets') > 0 AS ok;
SELECT answers_table AS ans, assignments_table AS asg, history_table AS hist
FROM segment.entities WHERE client_table = 'num.outlets'::regclass \gset
SELECT segment.add_question('outlet_size', 'format', 'Format?') > 0 AS ok;
SELECT segment.add_option('outlet_size', 'format', 'kiosk', 'Kiosk', 1) > 0
   AND segment.add_option('outlet_size', 'format', 'super', 'Supermarket', 4) > 0 AS ok;
SELECT segment.add_question('outlet_size', 'checkouts', 'How many checkout counters?', 2, kind => 'number') > 0 AS ok;
SELECT segment.add_range('outlet_size', 'checkouts', 0, 2, 0) > 0
   AND segment.add_range('outlet_size', 'checkouts', 2, 5, 3) > 0
   AND segment.add_range('outlet_size', 'checkouts', 5, 'Infinity', 6) > 0 AS ok;
SELECT segment.add_level('outlet_size', 'small', '-Infinity', 5) > 0
   AND segment.add_level('outlet_size', 'medium', 5, 10) > 0
   AND segment.add_level('outlet_size', 'large', 10, 'Infinity') > 0 AS ok;
SELECT code, kind, weight, position FROM segment.questions
WHERE scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'outlet_size') ORDER BY position;
SELECT r.min_value, r.max_value, r.points FROM segment.question_ranges r
JOIN segment.questions q USING (question_id) WHERE q.code = 'checkouts' ORDER BY r.min_value;
-- The questionnaire says each question's kind; a number question comes with its ranges.
SELECT jsonb_pretty(segment.questionnaire('outlet_size') -> 'questions' -> 1);

-- Answering with the API: 3 counters is [2, 5): 3 points × weight 2.
SELECT segment.answer_number('outlet_size', 1, 'checkouts', 3);
SELECT segment.answer('outlet_size', 1, 'format', 'kiosk');
SELECT client_id, score, answered, segment, status FROM :asg ORDER BY client_id;
SELECT a.client_id, q.code, a.option_id IS NOT NULL AS has_option, a.value FROM :ans a JOIN segment.questions q USING (question_id) ORDER BY a.client_id, q.position;
SELECT * FROM segment.explain('outlet_size', 1);
SELECT q ->> 'code' AS question, q -> 'answer' AS answer
FROM jsonb_array_elements(segment.questionnaire_for('outlet_size', 1) -> 'questions') q;
-- A changed number moves the score; the same number again changes nothing.
SELECT segment.answer_number('outlet_size', 1, 'checkouts', 7.5);
SELECT segment.answer_number('outlet_size', 1, 'checkouts', 7.50);
SELECT score, segment FROM :asg WHERE client_id = 1;
SELECT old_score, new_score, old_segment, new_segment, cause FROM :hist WHERE client_id = 1 ORDER BY history_id;

-- Plain SQL: a row with a value and no option_id, upserted like any answer.
INSERT INTO :ans (client_id, question_id, value)
SELECT 2, question_id, 1 FROM segment.questions WHERE code = 'checkouts'
ON CONFLICT (client_id, question_id) DO UPDATE SET value = EXCLUDED.value;
SELECT client_id, score, answered, segment FROM :asg WHERE client_id = 2;
UPDATE :ans SET value = 4 WHERE client_id = 2 AND option_id IS NULL;
SELECT client_id, score, answered, segment FROM :asg WHERE client_id = 2;
-- A number in no range still counts as answered, with no points (explain says why).
UPDATE :ans SET value = -3 WHERE client_id = 2 AND option_id IS NULL;
SELECT client_id, score, answered, segment FROM :asg WHERE client_id = 2;
SELECT item, value, points, contribution, note FROM segment.explain('outlet_size', 2);
-- Bulk: many clients' numbers in one statement, each client scored once.
INSERT INTO :ans (client_id, question_id, value)
SELECT g, q.question_id, g % 9 FROM generate_series(3, 40) g, segment.questions q
WHERE q.code = 'checkouts';
SELECT segment, count(*) FROM :asg GROUP BY segment ORDER BY segment;
SELECT count(*) AS history_rows FROM :hist WHERE client_id BETWEEN 3 AND 40;
SELECT * FROM segment.verify('outlet_size');

-- Wrong forms are refused, naming the question and the form to use; nothing is written.
SELECT segment.answer('outlet_size', 3, 'checkouts', 'kiosk');
SELECT segment.answer_number('outlet_size', 3, 'format', 2);
SELECT segment.answer_number('outlet_size', 999, 'checkouts', 2);
SELECT segment.answer_number('outlet_size', 3, 'checkouts', NULL);
INSERT INTO :ans (client_id, question_id, value)
SELECT 3, question_id, 2 FROM segment.questions WHERE code = 'format';
INSERT INTO :ans (client_id, question_id, value) VALUES (3, 999999, 2);
-- (terse: the failing row's DETAIL would print the time it was answered)
\set VERBOSITY terse
INSERT INTO :ans (client_id, question_id, value) VALUES (3, 999999, 'NaN');
INSERT INTO :ans (client_id, question_id, option_id, value)
SELECT 3, question_id, option_id, 2 FROM segment.answer_options WHERE question = 'format' AND option = 'kiosk';
-- an open range's end never holds an infinite answer: refused, as NaN is
SELECT segment.answer_number('outlet_size', 3, 'checkouts', 'Infinity');
INSERT INTO :ans (client_id, question_id, value)
SELECT 3, question_id, '-Infinity' FROM segment.questions WHERE code = 'checkouts';
\set VERBOSITY default
SELECT count(*) AS answers_of_client_3 FROM :ans WHERE client_id = 3;
-- A number question has ranges, not options; a choice question options, not ranges.
SELECT segment.add_option('outlet_size', 'checkouts', 'many', 'Many', 5);
SELECT segment.add_range('outlet_size', 'format', 0, 1, 1);
SELECT segment.add_range('outlet_size', 'checkouts', 4, 6, 1);
SELECT segment.add_range('outlet_size', 'checkouts', 6, 4, 1);
SELECT segment.add_range('outlet_size', 'nothing', 0, 1, 1);
SELECT segment.add_question('outlet_size', 'payment', 'Payment methods?', kind => 'ranking');
UPDATE segment.questions SET kind = 'single' WHERE code = 'checkouts';

-- Configuration changes: a weight change shifts the clients that answered by Δweight × points;
-- a range change re-segments the scheme. History and verify agree after each.
UPDATE segment.questions SET weight = 3 WHERE code = 'checkouts';
SELECT client_id, score, segment FROM :asg WHERE client_id IN (1, 2, 3, 8) ORDER BY client_id;
SELECT * FROM segment.verify('outlet_size');
UPDATE segment.question_ranges SET points = 4
WHERE question_id = (SELECT question_id FROM segment.questions WHERE code = 'checkouts') AND min_value = 2;
UPDATE segment.question_ranges SET min_value = -10
WHERE question_id = (SELECT question_id FROM segment.questions WHERE code = 'checkouts') AND min_value = 0;
SELECT client_id, score, segment FROM :asg WHERE client_id IN (1, 2, 3, 8) ORDER BY client_id;
SELECT old_score, new_score, cause FROM :hist WHERE client_id = 3 ORDER BY history_id;
-- -3 now falls in [-10, 2): no note any more.
SELECT item, value, points, contribution, note FROM segment.explain('outlet_size', 2);
SELECT * FROM segment.verify('outlet_size');
-- Overlaps are checked once the statement has written every row: moving a shared boundary, or
-- shifting every range, passes when the result is disjoint (whatever order the rows are
-- updated in); a result that overlaps is refused.
UPDATE segment.question_ranges SET max_value = CASE WHEN max_value = 5 THEN 6 ELSE max_value END,
       min_value = CASE WHEN min_value = 5 THEN 6 ELSE min_value END
WHERE question_id = (SELECT question_id FROM segment.questions WHERE code = 'checkouts');
UPDATE segment.question_ranges SET min_value = min_value + 1, max_value = max_value + 1
WHERE question_id = (SELECT question_id FROM segment.questions WHERE code = 'checkouts')
  AND max_value < 'Infinity';
UPDATE segment.question_ranges SET min_value = min_value - 1, max_value = max_value - 1
WHERE question_id = (SELECT question_id FROM segment.questions WHERE code = 'checkouts')
  AND max_value < 'Infinity';
SELECT r.min_value, r.max_value, r.points FROM segment.question_ranges r
JOIN segment.questions q USING (question_id) WHERE q.code = 'checkouts' ORDER BY r.min_value;
SELECT * FROM segment.verify('outlet_size');
DELETE FROM segment.question_ranges
WHERE question_id = (SELECT question_id FROM segment.questions WHERE code = 'checkouts') AND min_value = 6;
SELECT client_id, score, segment FROM :asg WHERE client_id IN (1, 2, 3, 8) ORDER BY client_id;
SELECT * FROM segment.verify('outlet_size');

-- Removing a number answer; a client left without answers has no assignment.
SELECT segment.remove_answer('outlet_size', 2, 'checkouts');
SELECT count(*) AS assignments_of_client_2 FROM :asg WHERE client_id = 2;
SELECT segment.remove_answer('outlet_size', 1, 'checkouts');
SELECT client_id, score, answered FROM :asg WHERE client_id = 1;
-- Dropping the question takes its answers (values have no foreign key to take them) and
-- re-segments: client 1 keeps its format answer, the others had only a number.
DELETE FROM segment.questions WHERE code = 'checkouts';
SELECT count(*) AS value_answers FROM :ans WHERE value IS NOT NULL;
SELECT client_id, score, answered, segment FROM :asg ORDER BY client_id;
SELECT * FROM segment.verify('outlet_size');
SELECT segment.drop_scheme('outlet_size');
DROP TABLE num.outlets CASCADE;
-- Parameter ranges are checked the same way.
CREATE TABLE num.sites (id integer PRIMARY KEY, staff integer);
INSERT INTO num.sites VALUES (1, 4), (2, 11);
SELECT segment.create_scheme('site_size', 'num.sites') > 0 AS ok;
SELECT segment.add_parameter('site_size', 'staff', 'Staff', 'staff') > 0 AS ok;
SELECT segment.add_range('site_size', 'staff', 0, 10, 1) > 0
   AND segment.add_range('site_size', 'staff', 10, 'Infinity', 5) > 0 AS ok;
UPDATE segment.parameter_ranges SET max_value = CASE WHEN max_value = 10 THEN 12 ELSE max_value END,
       min_value = CASE WHEN min_value = 10 THEN 12 ELSE min_value END
WHERE parameter_id = (SELECT parameter_id FROM segment.parameters WHERE code = 'staff');
UPDATE segment.parameter_ranges SET max_value = 20
WHERE parameter_id = (SELECT parameter_id FROM segment.parameters WHERE code = 'staff') AND min_value = 0;
SELECT client_id, score FROM segment.num_sites_assignments ORDER BY client_id;
SELECT * FROM segment.verify('site_size');
SELECT segment.drop_scheme('site_size');
DROP TABLE num.sites CASCADE;
DROP SCHEMA num;
