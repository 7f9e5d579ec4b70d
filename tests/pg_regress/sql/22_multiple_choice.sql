-- Multiple-choice questions: any number of options chosen, their points added up (times the
-- question's weight). The picks are rows of the client table's picks table, one per client,
-- question and option, written with segment.answer(scheme, client, question, ARRAY[...]) or
-- plain SQL, and scored in the same statement. The client table has a text key.
\set VERBOSITY default
\set SHOW_CONTEXT never
CREATE SCHEMA mc;
CREATE TABLE mc.outlets (code text PRIMARY KEY, name text);
INSERT INTO mc.outlets SELECT 'O' || g, 'outlet ' || g FROM generate_series(1, 30) g;
SELECT segment.create_scheme('services', 'mc.outlets') > 0 AS ok;
SELECT answers_table AS ans, picks_table AS picks, assignments_table AS asg, history_table AS hist
FROM segment.entities WHERE client_table = 'mc.outlets'::regclass \gset
SELECT :'picks' AS picks_table;
SELECT segment.add_question('services', 'format', 'Format?') > 0 AS ok;
SELECT segment.add_option('services', 'format', 'kiosk', 'Kiosk', 1) > 0
   AND segment.add_option('services', 'format', 'super', 'Supermarket', 4) > 0 AS ok;
SELECT segment.add_question('services', 'payments', 'Payment methods accepted', 2, kind => 'multiple') > 0 AS ok;
SELECT segment.add_option('services', 'payments', 'cash', 'Cash', 0) > 0
   AND segment.add_option('services', 'payments', 'card', 'Card', 2) > 0
   AND segment.add_option('services', 'payments', 'mobile', 'Mobile wallet', 3) > 0
   AND segment.add_option('services', 'payments', 'voucher', 'Vouchers', -1) > 0 AS ok;
SELECT segment.add_level('services', 'basic', '-Infinity', 6) > 0
   AND segment.add_level('services', 'modern', 6, 'Infinity') > 0 AS ok;
SELECT q ->> 'code' AS code, q ->> 'kind' AS kind, jsonb_array_length(q -> 'options') AS options
FROM jsonb_array_elements(segment.questionnaire('services') -> 'questions') q;

-- The API: the array is the whole set of picks; card + mobile = 5 points × weight 2.
SELECT segment.answer('services', 'O1', 'payments', ARRAY['card', 'mobile']);
SELECT segment.answer('services', 'O1', 'format', 'kiosk');
SELECT client_id, score, answered, segment, status FROM :asg ORDER BY client_id;
SELECT item, value, points, weight, contribution FROM segment.explain('services', 'O1');
-- Replacing the set: card goes, voucher comes (mobile stays): 3 - 1 = 2 points.
SELECT segment.answer('services', 'O1', 'payments', ARRAY['mobile', 'voucher', 'mobile']);
SELECT o.code FROM :picks p JOIN segment.options o USING (option_id) WHERE p.client_id = 'O1' ORDER BY o.position;
SELECT client_id, score, answered, segment FROM :asg ORDER BY client_id;
SELECT old_score, new_score, old_segment, new_segment FROM :hist WHERE client_id = 'O1' ORDER BY history_id;
-- The same set again changes nothing; an empty array removes every pick.
SELECT segment.answer('services', 'O1', 'payments', ARRAY['voucher', 'mobile']);
SELECT count(*) AS history_rows FROM :hist WHERE client_id = 'O1';
SELECT segment.answer('services', 'O1', 'payments', ARRAY[]::text[]);
SELECT client_id, score, answered, segment FROM :asg ORDER BY client_id;

-- Plain SQL: picks are rows; a bulk INSERT … SELECT scores each client once.
INSERT INTO :picks (client_id, question_id, option_id)
SELECT c.code, o.question_id, o.option_id
FROM mc.outlets c
JOIN segment.answer_options o ON o.scheme = 'services' AND o.question = 'payments'
WHERE c.code <> 'O1' AND (o.option = 'cash' OR (o.option = 'card' AND c.code LIKE '%1%')
                          OR (o.option = 'mobile' AND c.code LIKE '%2%'));
SELECT segment, count(*), sum(answered) AS picks FROM :asg GROUP BY segment ORDER BY segment;
SELECT count(*) AS history_rows FROM :hist WHERE client_id <> 'O1';
SELECT * FROM segment.verify('services');
DELETE FROM :picks WHERE client_id = 'O12'
  AND option_id = (SELECT option_id FROM segment.answer_options WHERE question = 'payments' AND option = 'mobile');
SELECT client_id, score, answered, segment FROM :asg WHERE client_id = 'O12';
SELECT item, value, points, contribution FROM segment.explain('services', 'O12') WHERE item = 'payments';

-- The questionnaire filled in for one client (what an app shows when it opens the client's
-- form): each question with the client's answer, and the client's assignment.
SELECT segment.answer('services', 'O20', 'format', 'super');
SELECT q ->> 'code' AS question, q ->> 'kind' AS kind, q -> 'answer' AS answer
FROM jsonb_array_elements(segment.questionnaire_for('services', 'O20') -> 'questions') q;
SELECT d ->> 'client' AS client, d -> 'score' AS score, d ->> 'segment' AS segment, d ->> 'status' AS status
FROM segment.questionnaire_for('services', 'O20') d;
SELECT d -> 'score' AS score, d -> 'questions' -> 0 -> 'answer' AS format
FROM segment.questionnaire_for('services', 'O30') d;
SELECT segment.questionnaire_for('services', 'nobody');

-- Wrong forms are refused with a HINT naming the right one; nothing is written.
SELECT segment.answer('services', 'O2', 'payments', 'card');
SELECT segment.answer('services', 'O2', 'format', ARRAY['kiosk']);
SELECT segment.answer_number('services', 'O2', 'payments', 3);
SELECT segment.answer('services', 'O2', 'payments', ARRAY['card', 'bitcoin']);
SELECT segment.answer('services', 'O2', 'payments', ARRAY['card', NULL]);
INSERT INTO :ans (client_id, question_id, option_id)
SELECT 'O2', question_id, option_id FROM segment.answer_options WHERE question = 'payments' AND option = 'card';
INSERT INTO :picks (client_id, question_id, option_id)
SELECT 'O2', question_id, option_id FROM segment.answer_options WHERE question = 'format' AND option = 'kiosk';
SELECT segment.add_range('services', 'payments', 0, 1, 1);
SELECT client_id, score, answered FROM :asg WHERE client_id = 'O2';

-- Configuration: a points change moves the clients that picked the option by weight × Δpoints,
-- a weight change the clients that picked any of the question's options; deleting an option
-- deletes its picks and re-segments.
UPDATE segment.options SET points = 5 WHERE code = 'card';
SELECT client_id, score, segment FROM :asg WHERE client_id IN ('O11', 'O12', 'O3') ORDER BY client_id;
SELECT * FROM segment.verify('services');
UPDATE segment.questions SET weight = 3 WHERE code = 'payments';
SELECT client_id, score, segment FROM :asg WHERE client_id IN ('O11', 'O12', 'O3') ORDER BY client_id;
SELECT * FROM segment.verify('services');
DELETE FROM segment.options WHERE code = 'cash';
SELECT client_id, score, answered, segment FROM :asg WHERE client_id IN ('O11', 'O12', 'O3') ORDER BY client_id;
SELECT count(*) AS assignments FROM :asg;
SELECT * FROM segment.verify('services');

-- A client's new key: its picks follow (ON UPDATE CASCADE) and so do its score and history.
UPDATE mc.outlets SET code = 'X11' WHERE code = 'O11';
SELECT client_id, count(*) FROM :picks WHERE client_id IN ('O11', 'X11') GROUP BY client_id;
SELECT client_id, score, answered, segment FROM :asg WHERE client_id IN ('O11', 'X11');
SELECT * FROM segment.verify('services');
-- A deleted client takes its picks along.
DELETE FROM mc.outlets WHERE code = 'X11';
SELECT count(*) AS picks_of_x11 FROM :picks WHERE client_id = 'X11';
-- remove_answer removes every pick of the question.
SELECT segment.remove_answer('services', 'O12', 'payments');
SELECT count(*) AS assignments_of_o12 FROM :asg WHERE client_id = 'O12';
SELECT * FROM segment.verify('services');
SELECT segment.drop_scheme('services');
DROP TABLE mc.outlets CASCADE;

-- A character(n) key changed to a shorter value (padded by the type): the answers and picks
-- follow the key, and so do the score and history, once.
CREATE TABLE mc.booths (code character(5) PRIMARY KEY);
INSERT INTO mc.booths VALUES ('ab'), ('abcde');
SELECT segment.create_scheme('booths', 'mc.booths') > 0 AS ok;
SELECT segment.add_question('booths', 'q', 'Q') > 0 AND segment.add_option('booths', 'q', 'o', 'O', 2) > 0 AS ok;
SELECT segment.add_question('booths', 'm', 'M', kind => 'multiple') > 0
   AND segment.add_option('booths', 'm', 'x', 'X', 3) > 0 AS ok;
SELECT segment.answer('booths', 'ab', 'q', 'o'), segment.answer('booths', 'ab', 'm', ARRAY['x']);
UPDATE mc.booths SET code = 'zz' WHERE code = 'ab';
SELECT client_id, score, answered FROM segment.mc_booths_assignments ORDER BY client_id;
SELECT client_id, old_score, new_score, cause FROM segment.mc_booths_history ORDER BY history_id;
SELECT * FROM segment.verify('booths');
SELECT segment.drop_scheme('booths');
DROP TABLE mc.booths CASCADE;
DROP SCHEMA mc;
